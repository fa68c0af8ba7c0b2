// A throwaway three-node Kafka cluster for the broker fault tests: each node is broker and
// controller (a static three-voter KRaft quorum, so any one node may be down and the other two
// still elect leaders), all from the stack's Kafka jars and one cluster id, on ports the caller
// chooses. It shares nothing with the stack's broker on 9092: its own data folder (deleted by
// `destroy`), its own processes, children of the test process that die with it.
// A node can be stopped politely (SIGTERM: a controlled shutdown that first moves its partition
// leaderships away), killed (SIGKILL) and started again with its data.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { copyFile, link, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { jarsIn, javaCommand } from './java.js';
import { newClusterId } from './kafka.js';
import { kafkaLog4j2Config, log4j2Flag } from './kafka-logging.js';
import { paths } from './paths.js';
import { kafkaAnswers, tcpOpen } from './wait.js';
import { clusterMetadata } from './kafka-metadata.js';
import { waitUntil } from '../lib/runtime/wait-until.js';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const NODES = [1, 2, 3] as const;
export type NodeId = (typeof NODES)[number];

export interface KafkaClusterOptions {
  /** A folder of its own: config, data and one log per node. */
  dir: string;
  /** Node n listens for clients on basePort + n and for its controller quorum on basePort + 10 + n. */
  basePort: number;
}

export interface KafkaCluster {
  /** Bootstrap servers, as KAFKA_BROKERS takes them. */
  readonly brokers: string[];
  readonly nodes: readonly NodeId[];
  address(node: NodeId): string;
  logFile(node: NodeId): string;
  isRunning(node: NodeId): boolean;
  /** SIGTERM and wait for the exit (a controlled shutdown); `kill`: SIGKILL, no shutdown at all. */
  stop(node: NodeId, opts?: { kill?: boolean }): Promise<void>;
  /** Starts a stopped node with its data and waits until it is back in the cluster. */
  start(node: NodeId): Promise<void>;
  /** The node that leads the partition now, from fresh metadata. */
  leaderOf(topic: string, partition: number): Promise<NodeId>;
  /** How many partitions of these topics have fewer in-sync replicas than replicas. */
  underReplicated(topics: string[]): Promise<number>;
  /** Stops every node (SIGTERM) and deletes the folder, unless `keep` (its logs explain a failure). */
  destroy(opts?: { keep?: boolean }): Promise<void>;
}

function nodeProperties(opts: KafkaClusterOptions, node: NodeId): Record<string, string> {
  const voters = NODES.map((n) => `${n}@${HOST}:${opts.basePort + 10 + n}`).join(',');
  return {
    'process.roles': 'broker,controller',
    'node.id': String(node),
    'controller.quorum.voters': voters,
    'controller.listener.names': 'CONTROLLER',
    listeners: `PLAINTEXT://${HOST}:${opts.basePort + node},CONTROLLER://${HOST}:${opts.basePort + 10 + node}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${opts.basePort + node}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(opts.dir, `node-${node}`, 'data'),
    // What a production cluster of three runs: internal topics on every node, two of them in sync.
    'offsets.topic.replication.factor': '3',
    'transaction.state.log.replication.factor': '3',
    'transaction.state.log.min.isr': '2',
    'default.replication.factor': '3',
    'min.insync.replicas': '2',
    'unclean.leader.election.enable': 'false',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
    'num.partitions': '6',
    // A killed node is declared gone after 4 s instead of 9, so its partitions get new leaders
    // (and the node may register again) sooner; the tests run many such moments.
    'broker.heartbeat.interval.ms': '1000',
    'broker.session.timeout.ms': '4000',
    // A replica that stopped fetching leaves the in-sync set after 10 s (30 s by default).
    'replica.lag.time.max.ms': '10000',
    'message.max.bytes': '2097152',
    'replica.fetch.max.bytes': '2097152',
    // Small, mostly idle topics: less memory per node than Kafka's defaults.
    'num.network.threads': '2',
    'num.io.threads': '4',
    'log.segment.bytes': String(64 * 1024 * 1024),
  };
}

/**
 * The stack's Kafka jars, linked into `into`: a node restarted mid-test must start from the jars
 * the cluster started with, even if `stack up` from another checkout re-resolves .stack/lib
 * meanwhile (it empties the folder first).
 */
async function snapshotJars(into: string): Promise<string> {
  const from = paths.libOf('kafka');
  const jars = (await readdir(from).catch(() => [] as string[])).filter((name) => name.endsWith('.jar'));
  if (!jars.some((name) => name.startsWith('kafka_')) || !existsSync(join(from, '.resolved'))) {
    throw new Error(`no resolved Kafka jars in ${from}; run \`loginpipe stack up\` first`);
  }
  await mkdir(into, { recursive: true });
  for (const name of jars) await link(join(from, name), join(into, name)).catch(() => copyFile(join(from, name), join(into, name)));
  return into;
}

export async function startKafkaCluster(opts: KafkaClusterOptions): Promise<KafkaCluster> {
  for (const n of NODES) {
    for (const port of [opts.basePort + n, opts.basePort + 10 + n]) {
      if (await tcpOpen(HOST, port)) throw new Error(`port ${port} is taken; the test cluster needs ${opts.basePort + 1}-${opts.basePort + 3} and ${opts.basePort + 11}-${opts.basePort + 13}`);
    }
  }
  const f = (...parts: string[]) => join(opts.dir, ...parts);
  await mkdir(opts.dir, { recursive: true });
  const classpath = jarsIn(await snapshotJars(f('lib')));
  const log4j = f('log4j2.properties');
  await writeFile(log4j, kafkaLog4j2Config());
  const clusterId = newClusterId();
  for (const n of NODES) {
    await mkdir(f(`node-${n}`, 'data'), { recursive: true });
    const props = nodeProperties(opts, n);
    await writeFile(f(`node-${n}`, 'server.properties'), Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    await run(javaCommand(), [log4j2Flag(log4j), '-cp', classpath, 'kafka.tools.StorageTool', 'format',
      '--config', f(`node-${n}`, 'server.properties'), '--cluster-id', clusterId]);
  }

  const address = (n: NodeId) => `${HOST}:${opts.basePort + n}`;
  const logFile = (n: NodeId) => f(`node-${n}`, 'kafka.log');
  const children = new Map<NodeId, { child: ChildProcess; exited: Promise<void> }>();
  const running = (n: NodeId) => {
    const c = children.get(n)?.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  };
  // If the test process dies first, no node may outlive it.
  const killAll = () => { for (const c of children.values()) c.child.kill('SIGKILL'); };
  process.once('exit', killAll);

  const launch = (n: NodeId) => {
    const out = openSync(logFile(n), 'a');
    try {
      const child = spawn(javaCommand(), [`-Dloginpipe.service=kafka-cluster-${n}`, `-Dloginpipe.stack=${opts.dir}`,
        '-Xms64m', '-Xmx320m', '-XX:+UseSerialGC', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true', log4j2Flag(log4j),
        '-cp', classpath, 'kafka.Kafka', f(`node-${n}`, 'server.properties')], { stdio: ['ignore', out, out] });
      children.set(n, { child, exited: new Promise<void>((resolve) => child.once('exit', () => resolve())) });
    } finally {
      closeSync(out);
    }
  };

  const admin = async <T>(fn: (a: Admin) => Promise<T>): Promise<T> => {
    const a = new Kafka({
      clientId: 'loginpipe-test-cluster',
      brokers: NODES.filter(running).map(address),
      connectionTimeout: 2000,
      requestTimeout: 5000,
      retry: { retries: 2 },
      logLevel: logLevel.NOTHING,
    }).admin();
    await a.connect();
    try {
      return await fn(a);
    } finally {
      await a.disconnect().catch(() => undefined);
    }
  };

  /** Until the node answers and the running nodes all see it among the cluster's brokers. */
  const waitForNode = async (n: NodeId) => {
    try {
      await waitUntil(async () => {
        if (!(await kafkaAnswers(address(n)))) return false;
        // Asked for no topic: a leaderless partition of a test's topic must not hide the node.
        const { brokers } = await clusterMetadata(HOST, opts.basePort + n).catch(() => ({ brokers: [] as number[] }));
        return NODES.filter(running).every((m) => brokers.includes(m));
      }, {
        timeoutMs: 90_000,
        intervalMs: 500,
        what: `test cluster node ${n} to join on ${address(n)}`,
        failIf: () => (running(n) ? undefined : `it exited with ${children.get(n)?.child.exitCode}`),
      });
    } catch (err) {
      const tail = (await readFile(logFile(n), 'utf8').catch(() => '')).trimEnd().split('\n').slice(-15).join('\n');
      throw new Error(`${(err as Error).message}; its log ${logFile(n)} ends:\n${tail}`);
    }
  };

  const stop = async (n: NodeId, o: { kill?: boolean } = {}) => {
    const c = children.get(n);
    if (c === undefined || !running(n)) return;
    c.child.kill(o.kill ? 'SIGKILL' : 'SIGTERM');
    // A controlled shutdown hands its leaderships over first; 60 s is far more than it needs.
    const timer = setTimeout(() => c.child.kill('SIGKILL'), 60_000);
    await c.exited;
    clearTimeout(timer);
  };

  const cluster: KafkaCluster = {
    brokers: NODES.map(address),
    nodes: NODES,
    address,
    logFile,
    isRunning: running,
    stop,
    async start(n) {
      if (running(n)) return;
      launch(n);
      await waitForNode(n);
    },
    async leaderOf(topic, partition) {
      const meta = await admin((a) => a.fetchTopicMetadata({ topics: [topic] }));
      const leader = meta.topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
      if (leader === undefined || !(NODES as readonly number[]).includes(leader)) throw new Error(`${topic}/${partition} has no leader (${leader})`);
      return leader as NodeId;
    },
    async underReplicated(topics) {
      const meta = await admin((a) => a.fetchTopicMetadata({ topics }));
      return meta.topics.flatMap((t) => t.partitions).filter((p) => p.isr.length < p.replicas.length).length;
    },
    async destroy(o = {}) {
      await Promise.all(NODES.map((n) => stop(n)));
      process.removeListener('exit', killAll);
      if (!o.keep) await rm(opts.dir, { recursive: true, force: true });
    },
  };

  try {
    for (const n of NODES) launch(n);
    for (const n of NODES) await waitForNode(n);
  } catch (err) {
    await Promise.all(NODES.map((n) => stop(n, { kill: true })));
    process.removeListener('exit', killAll);
    throw err;
  }
  return cluster;
}
