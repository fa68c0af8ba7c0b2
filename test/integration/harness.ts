// What integration tests share: unique topics, groups, queue and schema per test, services run
// as real child processes of the built CLI, and waiting on conditions rather than sleeping.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { ROOT } from '../../lib/paths.js';
import { createSqsClient } from '../../lib/sqs.js';
import { createKafka, ensureTopics, pipelineTopicSpecs, withAdmin } from '../../lib/kafka.js';
import { createLogger } from '../../lib/log.js';
import { openDb } from '../../lib/db.js';

export const sqs = createSqsClient({ endpoint: 'http://127.0.0.1:9324', region: 'us-east-1' });
export const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'loginpipe-test' }, createLogger({ level: 'error' }), 'test');
export const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/loginpipe';
export const db = openDb(DATABASE_URL, 2);

export interface TestWorld {
  id: string;
  env: Record<string, string>;
  queueUrl: string;
  schema: string;
  hmacKey: Buffer;
  cleanup(): Promise<void>;
}

/** A fresh queue, topics, consumer groups and Postgres schema, so tests never see each other. */
export async function newWorld(label: string, extraEnv: Record<string, string> = {}): Promise<TestWorld> {
  const id = `${label}-${randomUUID().slice(0, 8)}`;
  const safe = id.replace(/[^a-z0-9]/g, '_');
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `q-${id}`, Attributes: { VisibilityTimeout: '30' } }));
  const queueUrl = queue.QueueUrl!;
  const hmacKey = randomBytes(32);
  const schema = `t_${safe}`;
  const env: Record<string, string> = {
    KAFKA_BROKERS: '127.0.0.1:9092',
    RAW_TOPIC: `raw.${id}`,
    CLEAN_TOPIC: `clean.${id}`,
    DLQ_TOPIC: `dlq.${id}`,
    TOPIC_PARTITIONS: '4',
    PROCESSOR_GROUP_ID: `processor-${id}`,
    SINK_GROUP_ID: `sink-${id}`,
    SQS_QUEUE_URL: queueUrl,
    SQS_ENDPOINT: 'http://127.0.0.1:9324',
    SQS_WAIT_TIME_SECONDS: '1',
    DATABASE_URL,
    DATABASE_SCHEMA: schema,
    PII_HMAC_KEY: hmacKey.toString('base64'),
    LOG_LEVEL: 'info',
    // Several instances share this machine: let each health server take any free port.
    CONNECTOR_HEALTH_PORT: '0',
    PROCESSOR_HEALTH_PORT: '0',
    SINK_HEALTH_PORT: '0',
    ...extraEnv,
  };
  return {
    id, env, queueUrl, schema, hmacKey,
    async cleanup() {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => {});
      await db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [schema]);
    },
  };
}

export interface RunningService {
  kind: string;
  child: ChildProcess;
  /** Every stdout line so far (JSON log lines). */
  lines: string[];
  stderr: string[];
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** Runs `loginpipe <kind>` from the build and waits until it logs that it started. */
export async function startService(kind: string, env: Record<string, string>, extra: Record<string, string> = {}): Promise<RunningService> {
  const child = spawn(process.execPath, [CLI, kind], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const svc: RunningService = {
    kind, child, lines, stderr, exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  // `run` starts the sink, the processor and then the connector: the last one to say so is the connector.
  const started = `"msg":"${kind === 'run' ? 'connector' : kind} started"`;
  try {
    await waitFor(() => lines.some((l) => l.includes(started)), {
      timeoutMs: 60_000,
      what: `${kind} to start`,
      failIf: () => (child.exitCode !== null ? `${kind} exited with ${child.exitCode}: ${stderr.join('')}${lines.slice(-5).join('\n')}` : undefined),
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return svc;
}

/** Polls `cond` until it holds; fails with `what` and the last state after the deadline. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  opts: { timeoutMs: number; what: string; intervalMs?: number; failIf?: () => string | undefined; state?: () => unknown },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const failure = opts.failIf?.();
    if (failure) throw new Error(`while waiting for ${opts.what}: ${failure}`);
    if (await cond()) return;
    if (Date.now() > deadline) {
      const state = opts.state ? ` (last state: ${JSON.stringify(await opts.state())})` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${state}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/** Creates the world's topics as the services would, for tests that produce before any starts. */
export async function createTopics(world: TestWorld, rawConfig: { name: string; value: string }[] = []): Promise<void> {
  const specs = pipelineTopicSpecs({
    rawTopic: world.env.RAW_TOPIC!, cleanTopic: world.env.CLEAN_TOPIC!, dlqTopic: world.env.DLQ_TOPIC!, topicPartitions: 4, replicationFactor: 1,
  });
  if (rawConfig.length > 0) specs[0]!.configEntries = rawConfig;
  await withAdmin(kafka, (admin) => ensureTopics(admin, specs));
}

/** Writes records to the raw topic as the connector would: keyed and headed by message id. */
export async function produceRaw(world: TestWorld, events: { id: string; body: string | Buffer }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: world.env.RAW_TOPIC!,
      messages: events.map((e) => ({ key: e.id, value: e.body, headers: { 'sqs.message_id': e.id, 'sqs.sent_timestamp': String(Date.now()) } })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** Whether the processor group has committed every raw record written so far. */
export async function rawFullyProcessed(world: TestWorld): Promise<boolean> {
  return withAdmin(kafka, async (admin) => {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(world.env.RAW_TOPIC!),
      admin.fetchOffsets({ groupId: world.env.PROCESSOR_GROUP_ID!, topics: [world.env.RAW_TOPIC!] }),
    ]);
    return ends.every((e) => committed[0]?.partitions.find((p) => p.partition === e.partition)?.offset === e.high || e.high === '0');
  });
}
