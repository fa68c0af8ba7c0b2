// `loginpipe status [--json] [--watch]`: gathers the pipeline's state from Kafka, SQS, Postgres
// and the services' health ports, each part on its own (one that cannot be read says why, the
// rest still shows), and prints it with status-view.ts.
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Kafka } from 'kafkajs';
import { loadSettings } from '../../lib/runtime/config.js';
import { kafkaSettings } from '../../lib/runtime/settings.js';
import { createSqsClient, queueDepth } from '../../lib/sqs/client.js';
import { redriveTarget } from '../../lib/sqs/depth.js';
import { openDb, closeAllDbs } from '../../lib/postgres/db.js';
import { errorMessage } from '../../lib/runtime/errors.js';
import { parseDeadLetter } from '../../lib/records/dead-letter.js';
import { sqsSettings, connectorSettings } from '../../connector/config.js';
import { processorSettings } from '../../processor/config.js';
import { databaseSettings, sinkSettings } from '../../sink/config.js';
import { statusSettings } from '../config.js';
import { cliKafka, requireTopic, stopOnSignal, type Out } from '../cli-context.js';
import { groupLag, type GroupLag } from './lag.js';
import { countByCode } from './replay-plan.js';
import { scanTopic } from './topic-scan.js';
import { formatStatus, statusJson, type Part, type QueueDepth, type ServiceReadiness, type StatusSnapshot } from './status-view.js';
import { progressOn } from '../progress.js';

const HOUR_MS = 3_600_000;
const WATCH_INTERVAL_MS = 2_000;

const settings = {
  ...kafkaSettings,
  ...sqsSettings,
  ...databaseSettings,
  ...statusSettings,
  processorGroup: processorSettings.groupId,
  sinkGroup: sinkSettings.groupId,
  connectorPort: connectorSettings.healthPort,
  processorPort: processorSettings.healthPort,
  sinkPort: sinkSettings.healthPort,
};
type Config = ReturnType<typeof loadSettings<typeof settings>>;

async function part<T>(fn: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
}

async function depthOf(sqs: SQSClient, url: string): Promise<QueueDepth> {
  return { url, ...(await queueDepth(sqs, url)) };
}

async function redriveDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth | null> {
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
  const target = redriveTarget(attrs.Attributes?.RedrivePolicy);
  if (target === undefined) return null;
  const found = await sqs.send(new GetQueueUrlCommand({ QueueName: target.name, QueueOwnerAWSAccountId: target.accountId }));
  if (!found.QueueUrl) throw new Error(`redrive queue ${target.name} has no URL`);
  return depthOf(sqs, found.QueueUrl);
}

async function lagOf(kafka: Kafka, group: string, topic: string): Promise<GroupLag> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await requireTopic(admin, topic);
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
    return groupLag(group, topic, ends, committed.find((c) => c.topic === topic)?.partitions ?? []);
  } finally {
    await admin.disconnect();
  }
}

async function readiness(name: string, host: string, port: number): Promise<ServiceReadiness> {
  if (port === 0) return { name, address: null, state: 'not checked' };
  const address = `${host}:${port}`;
  try {
    const res = await fetch(`http://${address}/readyz`, { signal: AbortSignal.timeout(1_500) });
    const body = (await res.json().catch(() => ({}))) as { status?: unknown };
    if (res.status === 200) return { name, address, state: 'ready' };
    return { name, address, state: body.status === 'starting' ? 'starting' : 'not ready' };
  } catch {
    return { name, address, state: 'not answering' };
  }
}

export async function gatherStatus(cfg: Config, kafka: Kafka, sqs: SQSClient, now = Date.now()): Promise<StatusSnapshot> {
  const db = openDb(cfg, 1);
  const sinceMs = now - HOUR_MS;
  const [queue, redrive, processorLag, sinkLag, rows, deadLetters, services] = await Promise.all([
    part(() => depthOf(sqs, cfg.queueUrl)),
    part(() => redriveDepth(sqs, cfg.queueUrl)),
    part(() => lagOf(kafka, cfg.processorGroup, cfg.rawTopic)),
    part(() => lagOf(kafka, cfg.sinkGroup, cfg.cleanTopic)),
    part(async () => {
      const table = `${cfg.databaseSchema}.user_logins`;
      const exists = await db.one('SELECT to_regclass($1) IS NOT NULL AS present', [`"${cfg.databaseSchema}".user_logins`]);
      if (!exists.present) return { table, count: null };
      const r = await db.one('SELECT count(*)::bigint AS n FROM $1:name.user_logins', [cfg.databaseSchema]);
      return { table, count: Number(r.n) };
    }),
    part(async () => {
      const codes: string[] = [];
      await scanTopic(kafka, {
        topic: cfg.dlqTopic, start: { sinceMs }, toEnd: true,
        onRecord: ({ topic, partition, offset, message }) => {
          try {
            codes.push(parseDeadLetter({ key: message.key, value: message.value, headers: message.headers as Record<string, unknown> }, { topic, partition, offset }).code);
          } catch {
            codes.push('(not a dead letter)');
          }
        },
      });
      return { topic: cfg.dlqTopic, since: new Date(sinceMs).toISOString(), total: codes.length, byCode: countByCode(codes) };
    }),
    Promise.all([
      readiness('connector', cfg.healthHost, cfg.connectorPort),
      readiness('processor', cfg.healthHost, cfg.processorPort),
      readiness('sink', cfg.healthHost, cfg.sinkPort),
    ]),
  ]);
  return {
    at: new Date(now).toISOString(),
    queue, redrive,
    lag: [{ name: 'processor', part: processorLag }, { name: 'sink', part: sinkLag }],
    rows, deadLetters, services,
  };
}

export async function statusCommand(opts: { json: boolean; watch: boolean }, out: Out): Promise<number> {
  const cfg = loadSettings(settings);
  // The SDK's notice that it will want Node 22 from 2027 is for operators (see the README), not for this screen.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const kafka = cliKafka(cfg, 'status');
  const sqs = createSqsClient(cfg);
  const signal = stopOnSignal();
  const tty = process.stdout.isTTY === true;
  const progress = progressOn();
  try {
    for (;;) {
      progress.update('gathering status...');
      const snapshot = await gatherStatus(cfg, kafka, sqs);
      progress.done();
      const text = opts.json ? JSON.stringify(statusJson(snapshot)) : formatStatus(snapshot);
      // On a terminal --watch redraws one screen; piped, each snapshot follows the last.
      if (opts.watch && tty && !opts.json) process.stdout.write('\u001b[H\u001b[2J');
      out(text);
      if (!opts.watch || signal.aborted) return 0;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, WATCH_INTERVAL_MS);
        signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
      if (signal.aborted) return 0;
    }
  } finally {
    progress.done();
    sqs.destroy();
    closeAllDbs();
  }
}
