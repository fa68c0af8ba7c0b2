// Kafka 4 as one KRaft node that is both broker and controller, on 127.0.0.1:9092 (clients)
// and 127.0.0.1:9093 (its own controller quorum). Data lives in .stack/data/kafka and survives
// restarts; the storage is formatted once, on first start.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jarsIn, javaCommand, jvm } from './java.js';
import { LOG4J2_CONFIG_PROPERTY, kafkaLog4j2Config, log4j2Flag } from './kafka-logging.js';
import { paths, shown } from './paths.js';
import type { LocalService } from './service.js';
import { kafkaAnswers } from './wait.js';

const HOST = '127.0.0.1';
const PORT = 9092;
const CONTROLLER_PORT = 9093;
/** The local broker as clients write it in KAFKA_BROKERS. */
export const KAFKA_BROKER = `${HOST}:${PORT}`;
const DATA = paths.dataOf('kafka');
const CONFIG = paths.confFile('kafka.properties');
const LOG4J = paths.confFile('kafka-log4j2.properties');
const FORMAT_LOG = paths.logFile('kafka-format');

const serverProperties = {
  'process.roles': 'broker,controller',
  'node.id': '1',
  // A static one-voter quorum: nothing to reconfigure on a single dev node, so no --standalone.
  'controller.quorum.voters': `1@${HOST}:${CONTROLLER_PORT}`,
  'controller.listener.names': 'CONTROLLER',
  listeners: `PLAINTEXT://${HOST}:${PORT},CONTROLLER://${HOST}:${CONTROLLER_PORT}`,
  'advertised.listeners': `PLAINTEXT://${HOST}:${PORT}`,
  'inter.broker.listener.name': 'PLAINTEXT',
  'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
  'log.dirs': DATA,
  // One broker: every internal topic must settle for one replica or it is never created.
  'offsets.topic.replication.factor': '1',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'default.replication.factor': '1',
  'min.insync.replicas': '1',
  // Tests join groups constantly; the default 3 s delay would be added to each join.
  'group.initial.rebalance.delay.ms': '0',
  // Topics are created on purpose, with the partitions loginpipe asks for; a typo must fail.
  'auto.create.topics.enable': 'false',
  'num.partitions': '6',
  // After a crash (fault tests kill -9 it), the restarted broker cannot register until the
  // dead one's session expires; 9 s by default, 4 s here. Still many heartbeats per session.
  'broker.heartbeat.interval.ms': '1000',
  'broker.session.timeout.ms': '4000',
  // 1 MiB SQS bodies plus headers and batch overhead must fit in one record batch.
  'message.max.bytes': '2097152',
  'replica.fetch.max.bytes': '2097152',
};


function propertiesFile(props: Record<string, string>): string {
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

/** Kafka cluster ids are 16 random bytes in URL-safe base64 without padding. */
function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

async function writeConfig(): Promise<void> {
  await mkdir(paths.conf, { recursive: true });
  await writeFile(CONFIG, propertiesFile(serverProperties));
  await writeFile(LOG4J, kafkaLog4j2Config());
}

async function formatStorageOnce(): Promise<void> {
  if (existsSync(join(DATA, 'meta.properties'))) return;
  await mkdir(DATA, { recursive: true });
  await mkdir(paths.logs, { recursive: true });
  const args = [
    log4j2Flag(LOG4J),
    '-cp', jarsIn(paths.libOf('kafka')),
    'kafka.tools.StorageTool', 'format',
    '--config', CONFIG,
    '--cluster-id', newClusterId(),
    '--ignore-formatted',
  ];
  try {
    const { stdout, stderr } = await promisify(execFile)(javaCommand(), args);
    await writeFile(FORMAT_LOG, stdout + stderr);
  } catch (err) {
    const out = err as { stdout?: string; stderr?: string; message: string };
    await writeFile(FORMAT_LOG, `${out.stdout ?? ''}${out.stderr ?? ''}`);
    throw new Error(`formatting Kafka storage in ${shown(DATA)} failed; see ${shown(FORMAT_LOG)}: ${out.message}`);
  }
}


const broker = jvm({
  name: 'kafka',
  heap: '512m',
  gc: 'g1',
  props: { [LOG4J2_CONFIG_PROPERTY]: `file:${LOG4J}` },
  main: { classpath: jarsIn(paths.libOf('kafka')), mainClass: 'kafka.Kafka' },
  args: [CONFIG],
  port: PORT,
  // A clean shutdown flushes and closes every partition, so the next start skips log recovery.
  graceMs: 30_000,
});

export const kafkaBroker: LocalService = {
  name: 'kafka',
  address: KAFKA_BROKER,
  logFile: broker.logFile,
  startTimeoutMs: 90_000,
  ownedByStack: true,
  answers: () => kafkaAnswers(KAFKA_BROKER),
  pid: broker.pid,
  alive: broker.alive,
  async launch() {
    if ((await broker.pid()) !== undefined) return;
    await writeConfig();
    await formatStorageOnce();
    await broker.launch();
  },
  stop: broker.stop,
};
