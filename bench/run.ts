// `npm run bench`: every stage of loginpipe beside its own ceiling, measured in the same round on
// the local stack, several rounds, one table. Each step gets a fresh queue, topics, groups and
// schema; the services run from dist as child processes, as in production.
//
//   BENCH_EVENTS        events per step (default 20000)
//   BENCH_ROUNDS        rounds (default 3)
//   BENCH_STEPS         comma-separated subset of: core,sink,processor,connector,e2e,memory,pollers,trickle,backlog,growth
//                       (growth runs once, after the rounds: see bench/growth.ts and its BENCH_GROWTH_* settings)
//   BENCH_BACKLOG       events waiting in the backlog step (default 200000); it also drains
//                       BENCH_BIG_BODIES (default 200) SQS bodies of 1 MiB each
//   BENCH_SEALING       off,on (default): the sink and processor steps run once per value, with
//                       sealing to a recovery key off and on (the processor on the same raw topic)
//   BENCH_SQS_DELAY_MS  delay the proxy adds to every SQS call in the pollers step (default 30)
//   BENCH_POLLERS       SQS_POLLERS values of the pollers step (default 1,4,16)
//   BENCH_MEMORY_SQS_PORT  port of the in-memory ElasticMQ the memory step starts (default 9325)
//   BENCH_SERVICE_ENV   settings given to every loginpipe service, e.g. "SINK_BATCH_SIZE=5000,SQS_POLLERS=8"
//   BENCH_SERVICE_HEAP_MIB  --max-old-space-size of every loginpipe service (default 128, as
//                       deploy/kubernetes/base gives each in NODE_OPTIONS, with the rest of
//                       lib/runtime/container-memory.ts; "none": Node's and glibc's defaults)
//   BENCH_CPU_PROF_DIR  if set, every loginpipe process writes a `node --cpu-prof` profile there
//                       (read one with `node dist/bench/profile-summary.js <file>`)
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Message } from 'kafkajs';
import pgCopy from 'pg-copy-streams';
import { stackUp } from '../stack/stack.js';
import { db, newWorld, sqs, type World } from '../stack/world.js';
import { startLoginpipe, type LoginpipeProcess } from '../stack/loginpipe-process.js';
import { KAFKA_BROKER } from '../stack/kafka.js';
import { CCOMPAT_URL } from '../stack/registry.js';
import { SQS_ENDPOINT } from '../stack/elasticmq.js';
import { createKafka, ensureTopics, pipelineTopicSpecs } from '../lib/kafka/client.js';
import { createLogger } from '../lib/observability/log.js';
import { createSqsClient, sendBodies } from '../lib/sqs/client.js';
import { createSampleLogins } from '../cli/sample-logins.js';
import { SchemaRegistry } from '../lib/registry/client.js';
import { createUserLoginEncoder, type UserLogin } from '../lib/records/user-login.js';
import { HEADER_MESSAGE_ID, HEADER_SENT_TIMESTAMP } from '../lib/records/headers.js';
import { ROOT } from '../lib/runtime/paths.js';
import { SERVICE_OLD_SPACE_MIB, serviceMemoryEnv } from '../lib/runtime/container-memory.js';
import { waitUntil } from '../lib/runtime/wait-until.js';
import { retry } from '../lib/runtime/retry.js';
import { createMasker } from '../processor/mask.js';
import { transform } from '../processor/transform.js';
import { migrate } from '../sink/migrate.js';
import { ROW_COLUMNS, toRow } from '../sink/rows.js';
import { copyText } from '../sink/copy-text.js';
import { watchProgress, type Measured } from './progress.js';
import { RESULT_PREFIX, type ChildResult } from './child-result.js';
import { startMemorySqs, type MemorySqs } from './memory-sqs.js';
import { startDelayProxy } from './delay-proxy.js';
import { renderTable, type Row } from './table.js';
import { growthStep, renderGrowth, type GrowthPoint } from './growth.js';
import { renderTargets, type Figure, type Figures } from './targets.js';
import { BatchSealer, generateRawKeyPair, importSealingKey } from '../lib/pii/hpke.js';
import type { PiiOptions } from '../processor/transform.js';

const N = Number(process.env.BENCH_EVENTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STEPS = (process.env.BENCH_STEPS ?? 'core,sink,processor,connector,e2e,memory,pollers,trickle,backlog,growth').split(',').map((s) => s.trim());
const DELAY_MS = Number(process.env.BENCH_SQS_DELAY_MS ?? 30);
const POLLERS = (process.env.BENCH_POLLERS ?? '1,4,16').split(',').map(Number);
const SEALING = (process.env.BENCH_SEALING ?? 'off,on').split(',').map((s) => s.trim()).filter((s): s is 'off' | 'on' => s === 'off' || s === 'on');
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 200_000);
const BIG_BODIES = Number(process.env.BENCH_BIG_BODIES ?? 200);
const MALFORMED = 0.05;
const CEILING_POLLERS = 4;
const TIMEOUT_MS = 10 * 60_000;

const PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR;
/** A fresh world; with BENCH_CPU_PROF_DIR its services profile themselves. */
const SERVICE_ENV = Object.fromEntries((process.env.BENCH_SERVICE_ENV ?? '').split(',').filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()]));
// The V8 heap and malloc as the manifests set them, so that peak RSS is what a pod would see.
const HEAP_MIB = process.env.BENCH_SERVICE_HEAP_MIB ?? String(SERVICE_OLD_SPACE_MIB);
const HEAP_ENV: Record<string, string> = HEAP_MIB === 'none' ? {} : serviceMemoryEnv(Number(HEAP_MIB));
const freshWorld = (label: string) => newWorld(label, { ...HEAP_ENV, ...SERVICE_ENV, ...(PROFILE_DIR ? { LOGINPIPE_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${PROFILE_DIR}` } : {}) });
const kafka = createKafka({ brokers: [KAFKA_BROKER], clientId: 'loginpipe-bench' }, createLogger({ level: 'error' }), 'bench');
const rows = new Map<string, Row>();
const gen = createSampleLogins(20_261_202);

const figures: Figures = new Map();
let roundIndex = 0;
/** One figure of the targets table for the round in progress. */
function figure(name: string, f: Figure): void {
  let perRound = figures.get(name);
  if (!perRound) figures.set(name, (perRound = []));
  perRound[roundIndex] = f;
}
const fromMeasured = (m: Measured): Figure => ({ rate: m.rate, cpuMicros: m.cpuPerUnitMicros, rssMiB: m.peakRssMiB });
const fromChild = (c: ChildResult): Figure => ({ rate: c.rate, cpuMicros: c.cpuPerUnitMicros });
// The recovery key of every sealing-on step; its private half is not needed.
const RECOVERY_PUBLIC_KEY = generateRawKeyPair().publicKey;
const sealingEnv = (mode: 'off' | 'on'): Record<string, string> => (mode === 'on' ? { PII_RECOVERY_PUBLIC_KEY: RECOVERY_PUBLIC_KEY.toString('base64') } : {});

function record(step: string, unit: string, ceilingName: string, loginpipe: number, ceiling: number | undefined, notes: Record<string, number | undefined> = {}): void {
  let row = rows.get(step);
  if (!row) rows.set(step, (row = { step, unit, ceilingName, loginpipe: [], ceiling: [], notes: {} }));
  row.loginpipe.push(loginpipe);
  if (ceiling !== undefined) row.ceiling.push(ceiling);
  for (const [k, v] of Object.entries(notes)) if (v !== undefined && Number.isFinite(v)) (row.notes[k] ??= []).push(v);
}

// ---- shared pieces ---------------------------------------------------------------------------

async function topicTotal(topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

const rowCount = async (schema: string) => (await db.one('SELECT count(*)::int AS n FROM $1:name.user_logins', [schema])).n as number;

async function createWorldTopics(world: World, extra: string[] = []): Promise<void> {
  const specs = pipelineTopicSpecs({ rawTopic: world.env.RAW_TOPIC!, cleanTopic: world.env.CLEAN_TOPIC!, dlqTopic: world.env.DLQ_TOPIC!, topicPartitions: 4, replicationFactor: 1 });
  await ensureTopics(admin, [...specs, ...extra.map((topic) => ({ topic, numPartitions: 4, replicationFactor: 1 }))]);
}

async function dropWorld(world: World, extraTopics: string[] = []): Promise<void> {
  await world.cleanup();
  // Only those that exist: kafkajs retries a delete of a missing topic for half a minute.
  const existing = new Set(await admin.listTopics());
  const topics = [world.env.RAW_TOPIC!, world.env.CLEAN_TOPIC!, world.env.DLQ_TOPIC!, ...extraTopics].filter((t) => existing.has(t));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
}

async function produce(topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    // Right after the stack starts, a new topic's leader may not be known yet: retry what Kafka calls retriable.
    for (let i = 0; i < messages.length; i += 2_000) {
      const chunk = messages.slice(i, i + 2_000);
      await retry(() => producer.send({ topic, messages: chunk }), { initialMs: 200, maxMs: 2_000, attempts: 20 }, {
        shouldRetry: (err) => (err as { retriable?: unknown }).retriable === true,
      });
    }
  } finally {
    await producer.disconnect();
  }
}

function rawMessages(count: number): { messages: Message[]; valid: number } {
  const events = gen.batch(count, MALFORMED);
  const now = String(Date.now());
  const messages = events.map((e, i) => {
    const id = `bench-${i}-${randomBytes(4).toString('hex')}`;
    return { key: id, value: e.body, headers: { [HEADER_MESSAGE_ID]: id, [HEADER_SENT_TIMESTAMP]: now } };
  });
  return { messages, valid: events.filter((e) => e.expectedCode === undefined).length };
}

/** N clean records as the processor would make them from valid events; sealed ones with sealing on. */
function cleanRecords(count: number, sealing: 'off' | 'on' = 'off'): UserLogin[] {
  const mask = createMasker(randomBytes(32));
  const sealer = new BatchSealer(importSealingKey(RECOVERY_PUBLIC_KEY));
  const pii: PiiOptions | undefined = sealing === 'on' ? { maskKeyId: 'bench', seal: (field, clear, id) => sealer.sealField(field, clear, id) } : undefined;
  const out: UserLogin[] = [];
  // The generator's share of malformed events is a probability, not an exact count: draw until
  // there are `count` clean ones (200,000 drawn as 200,000 / 0.95 gave 153 too few).
  while (out.length < count) {
    for (const m of rawMessages(Math.ceil((count - out.length) / (1 - MALFORMED)) + 100).messages) {
      const o = transform({ value: Buffer.from(m.value as string), headers: m.headers, timestamp: String(Date.now()) }, mask, pii);
      if (o.kind === 'clean') out.push(o.record);
      if (out.length === count) break;
    }
  }
  return out;
}

const bodies = (count: number) => {
  const events = gen.batch(count, MALFORMED);
  return { bodies: events.map((e) => e.body), valid: events.filter((e) => e.expectedCode === undefined).length };
};

/** A queue of its own on another SQS server (the in-memory one), pointed at by the world's env. */
async function queueOn(client: SQSClient, endpoint: string, world: World): Promise<{ queueUrl: string; env: Record<string, string>; drop(): Promise<void> }> {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: `q-${world.id}`, Attributes: { VisibilityTimeout: '30' } }));
  return {
    queueUrl: QueueUrl!,
    env: { ...world.env, SQS_ENDPOINT: endpoint, SQS_QUEUE_URL: QueueUrl! },
    drop: async () => { await client.send(new DeleteQueueCommand({ QueueUrl })).catch(() => {}); },
  };
}

/** Runs a ceiling script from dist/bench as its own process; returns what it measured of itself. */
async function runCeiling(script: string, env: Record<string, string>): Promise<ChildResult> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'bench', `${script}.js`)], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (code !== 0 || !line) throw new Error(`${script} exited with ${code} and no result: ${err.slice(-1000)}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult;
}

/** The bare SDK loops; with a topic, each loop also produces its messages there (bare kafkajs). */
function sqsCeiling(endpoint: string, queueUrl: string, count: number, pollers = CEILING_POLLERS, kafkaTopic?: string): Promise<ChildResult> {
  return runCeiling('ceiling-sqs', {
    BENCH_SQS_ENDPOINT: endpoint, BENCH_QUEUE_URL: queueUrl, BENCH_POLLERS: String(pollers), BENCH_COUNT: String(count),
    ...(kafkaTopic === undefined ? {} : { BENCH_KAFKA_TOPIC: kafkaTopic, BENCH_BROKERS: KAFKA_BROKER }),
  });
}

const alive = (procs: LoginpipeProcess[]) => () => {
  const dead = procs.find((p) => p.child.exitCode !== null);
  return dead ? `${dead.kind} exited with ${dead.child.exitCode}; its last log lines: ${dead.lines.slice(-5).join('\n')}` : undefined;
};

const pidsOf = (procs: LoginpipeProcess[]) => procs.map((p) => p.child.pid!);

/** The processor's own count of transactions, from its "processor stopped" log line. */
function transactionsOf(procs: LoginpipeProcess[]): number | undefined {
  for (const p of procs) {
    for (const l of p.lines) {
      if (!l.includes('"msg":"processor stopped"')) continue;
      return (JSON.parse(l) as { transactions?: number }).transactions;
    }
  }
  return undefined;
}

async function stopAll(procs: LoginpipeProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => p.stop()));
}

async function measure(what: string, target: number, progress: () => Promise<number>, procs: LoginpipeProcess[]): Promise<Measured> {
  return watchProgress({ what, target, progress, pids: pidsOf(procs), timeoutMs: TIMEOUT_MS, failIf: alive(procs) });
}

// ---- the steps ---------------------------------------------------------------------------------

/** (a) The sink on a prefilled clean topic, against one COPY of the same rows into the same table. */
async function sinkStep(sealing: 'off' | 'on', n = N, tag = ''): Promise<void> {
  const world = await freshWorld('bench-sink');
  const procs: LoginpipeProcess[] = [];
  try {
    await createWorldTopics(world);
    const records = cleanRecords(n, sealing);
    const encode = await createUserLoginEncoder(new SchemaRegistry(CCOMPAT_URL), world.env.CLEAN_TOPIC!);
    await produce(world.env.CLEAN_TOPIC!, records.map((r) => ({ key: r.user_id, value: encode(r), headers: { [HEADER_MESSAGE_ID]: r.event_id } })));
    procs.push(await startLoginpipe('sink', world.env));
    const m = await measure('the sink', n, () => rowCount(world.schema), procs);
    await stopAll(procs);

    const copySchema = `${world.schema}_copy`;
    await migrate(db, copySchema);
    try {
      const text = copyText(records.map(toRow), ROW_COLUMNS);
      const connection = await db.connect();
      const start = performance.now();
      try {
        const copy = (connection.client as unknown as { query(q: pgCopy.CopyStreamQuery): pgCopy.CopyStreamQuery }).query(
          pgCopy.from(`COPY "${copySchema}".user_logins (${ROW_COLUMNS.join(', ')}) FROM STDIN`));
        await pipeline(Readable.from([text]), copy);
      } finally {
        await connection.done();
      }
      const copyRate = n / ((performance.now() - start) / 1000);
      figure(`${tag}sink, sealing ${sealing}`, fromMeasured(m));
      figure(`${tag}COPY, sealing ${sealing}`, { rate: copyRate });
      record(`${tag}sink alone, prefilled clean topic, sealing ${sealing}`, 'rows/s', 'Postgres COPY of the same rows', m.rate, copyRate, { 'sink CPU µs/row': m.cpuPerUnitMicros, 'peak RSS MiB': m.peakRssMiB });
    } finally {
      await db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [copySchema]);
    }
  } finally {
    await stopAll(procs);
    await dropWorld(world);
  }
}

/**
 * (b) The processor on a prefilled raw topic, with sealing off and on (each its own group, clean
 * and dead-letter topics, reading the same raw topic), against a bare consume -> transactional
 * produce loop on that topic.
 */
async function processorStep(n = N, tag = ''): Promise<void> {
  const world = await freshWorld('bench-proc');
  const passTopic = `pass.${world.id}`;
  const outTopics = SEALING.flatMap((mode) => [`clean.${world.id}.${mode}`, `dlq.${world.id}.${mode}`]);
  const procs: LoginpipeProcess[] = [];
  try {
    await createWorldTopics(world, [passTopic]);
    await produce(world.env.RAW_TOPIC!, rawMessages(n).messages);
    // Alternate which goes first, so that neither always meets a colder page cache.
    const modes = roundIndex % 2 === 0 ? SEALING : [...SEALING].reverse();
    const measured = new Map<string, { m: Measured; txns?: number }>();
    for (const mode of modes) {
      const groupId = `processor-${world.id}-${mode}`;
      const mine = [await startLoginpipe('processor', world.env, {
        PROCESSOR_GROUP_ID: groupId, PROCESSOR_TRANSACTIONAL_ID: groupId, CLEAN_TOPIC: `clean.${world.id}.${mode}`, DLQ_TOPIC: `dlq.${world.id}.${mode}`, ...sealingEnv(mode),
      })];
      procs.push(...mine);
      const m = await measure(`the processor, sealing ${mode}`, n, () => committedTotal(groupId, world.env.RAW_TOPIC!), mine);
      await stopAll(mine);
      measured.set(mode, { m, txns: transactionsOf(mine) });
      figure(`${tag}processor, sealing ${mode}`, fromMeasured(m));
    }
    const ceiling = await runCeiling('ceiling-kafka', {
      BENCH_BROKERS: KAFKA_BROKER, BENCH_IN: world.env.RAW_TOPIC!, BENCH_OUT: passTopic, BENCH_GROUP: `pass-${world.id}`, BENCH_COUNT: String(n),
    });
    figure(`${tag}transactional pass-through`, fromChild(ceiling));
    for (const [mode, { m, txns }] of measured) {
      record(`${tag}processor alone, prefilled raw topic, sealing ${mode}`, 'records/s', 'kafkajs consume → transactional produce + sendOffsets', m.rate, ceiling.rate, {
        'records/transaction': txns ? n / txns : undefined,
        'ceiling records/transaction': ceiling.transactions ? n / ceiling.transactions : undefined,
        'processor CPU µs/record': m.cpuPerUnitMicros, 'ceiling CPU µs/record': ceiling.cpuPerUnitMicros, 'peak RSS MiB': m.peakRssMiB,
      });
    }
  } finally {
    await stopAll(procs);
    await dropWorld(world, [passTopic, ...outTopics]);
  }
}

/**
 * The processor's pure core (bench/processor-core.ts) in a process of its own, sealing off and
 * on, twice each, interleaved; the less disturbed (less CPU per event) of the two counts.
 */
async function coreStep(): Promise<void> {
  const best = new Map<string, ChildResult>();
  for (const mode of [...SEALING, ...SEALING]) {
    const r = await runCeiling('processor-core', { BENCH_EVENTS: String(Math.max(20_000, N)), BENCH_CORE_RUNS: '5', BENCH_SEAL: mode === 'on' ? '1' : '0' });
    if ((best.get(mode)?.cpuPerUnitMicros ?? Infinity) > r.cpuPerUnitMicros) best.set(mode, r);
  }
  for (const [mode, r] of best) {
    figure(`processor core, sealing ${mode}`, fromChild(r));
    record(`processor core (no I/O), sealing ${mode}`, 'events/s', '', r.rate, undefined, { 'CPU µs/event': r.cpuPerUnitMicros });
  }
}

/** (c) The connector alone on an SQS backlog, against bare SDK receive(10) + delete loops. */
async function connectorStep(label: string, count: number, env: (world: World) => Promise<{ env: Record<string, string>; endpoint: string; queueUrl: string; drop(): Promise<void> }>, pollers: number, seedClient: SQSClient, main = false): Promise<void> {
  const world = await freshWorld('bench-conn');
  const ceilingWorld = await freshWorld('bench-conn-ceil');
  const procs: LoginpipeProcess[] = [];
  const places = [await env(world), await env(ceilingWorld)];
  try {
    const [mine, theirs] = places as [typeof places[0], typeof places[0]];
    await sendBodies(seedClient, mine.queueUrl.replace(mine.endpoint, seedEndpoint(seedClient)), bodies(count).bodies, 16);
    procs.push(await startLoginpipe('connector', mine.env, { SQS_POLLERS: String(pollers) }));
    const m = await measure('the connector', count, () => topicTotal(world.env.RAW_TOPIC!), procs);
    await stopAll(procs);
    await sendBodies(seedClient, theirs.queueUrl.replace(theirs.endpoint, seedEndpoint(seedClient)), bodies(count).bodies, 16);
    const ceiling = await sqsCeiling(theirs.endpoint, theirs.queueUrl, count, pollers);
    if (main) {
      figure('connector', fromMeasured(m));
      figure('bare SDK loop', fromChild(ceiling));
      // The same loops, each also producing its messages with a bare kafkajs producer: the floor
      // under what the connector does, so that what is left above it is the connector's own.
      const topic = ceilingWorld.env.RAW_TOPIC!;
      await ensureTopics(admin, [{ topic, numPartitions: 4, replicationFactor: 1 }]);
      await sendBodies(seedClient, theirs.queueUrl.replace(theirs.endpoint, seedEndpoint(seedClient)), bodies(count).bodies, 16);
      const withProduce = await sqsCeiling(theirs.endpoint, theirs.queueUrl, count, pollers, topic);
      figure('bare SDK loop + bare kafkajs produce', fromChild(withProduce));
      record(`${label}: the floor with Kafka`, 'msg/s', `bare SDK receive(10) + kafkajs produce + delete, ${pollers} loops`, m.rate, withProduce.rate, {
        'connector CPU µs/msg': m.cpuPerUnitMicros, 'floor CPU µs/msg': withProduce.cpuPerUnitMicros,
      });
    }
    record(label, 'msg/s', `bare SDK receive(10)+delete, ${pollers} loops`, m.rate, ceiling.rate, {
      'connector CPU µs/msg': m.cpuPerUnitMicros, 'SDK loop CPU µs/msg': ceiling.cpuPerUnitMicros, 'peak RSS MiB': m.peakRssMiB,
    });
  } finally {
    await stopAll(procs);
    for (const p of places) await p.drop();
    await dropWorld(world);
    await dropWorld(ceilingWorld);
  }
}

const seedEndpoints = new WeakMap<SQSClient, string>();
const seedEndpoint = (c: SQSClient) => seedEndpoints.get(c)!;

/** (d, e) SQS backlog -> rows: three processes, then `loginpipe run`, against the SQS ceiling. */
async function endToEndStep(label: string, client: SQSClient, endpoint: string): Promise<void> {
  const worlds = await Promise.all([freshWorld('bench-e2e'), freshWorld('bench-run'), freshWorld('bench-e2e-ceil')]);
  const queues = await Promise.all(worlds.map((w) => queueOn(client, endpoint, w)));
  const procs: LoginpipeProcess[] = [];
  try {
    const results: { m: Measured; txns?: number }[] = [];
    for (const [i, kinds] of [['sink', 'processor', 'connector'], ['run']].entries()) {
      const world = worlds[i]!;
      const queue = queues[i]!;
      const { bodies: seeded, valid } = bodies(N);
      await sendBodies(client, queue.queueUrl, seeded, 16);
      const mine: LoginpipeProcess[] = [];
      for (const kind of kinds) mine.push(await startLoginpipe(kind, queue.env));
      procs.push(...mine);
      const m = await measure(`${kinds.join('+')} end to end`, valid, () => rowCount(world.schema), mine);
      await stopAll(mine);
      results.push({ m: { ...m, rate: (m.rate * N) / valid, cpuPerUnitMicros: m.cpuPerUnitMicros === undefined ? undefined : (m.cpuPerUnitMicros * valid) / N }, txns: transactionsOf(mine) });
    }
    await sendBodies(client, queues[2]!.queueUrl, bodies(N).bodies, 16);
    const ceiling = await sqsCeiling(endpoint, queues[2]!.queueUrl, N);
    const [three, run] = results as [typeof results[0], typeof results[0]];
    figure(`end to end, 3 processes, ${label}`, fromMeasured(three.m));
    figure(`SQS ceiling, ${label}`, fromChild(ceiling));
    const ceilingName = `bare SDK receive(10)+delete, ${CEILING_POLLERS} loops`;
    record(`end to end, 3 processes, ${label}`, 'events/s', ceilingName, three.m.rate, ceiling.rate, {
      'CPU µs/event, all 3': three.m.cpuPerUnitMicros, 'records/transaction': three.txns ? N / three.txns : undefined, 'peak RSS MiB': three.m.peakRssMiB,
    });
    record(`end to end, \`loginpipe run\`, ${label}`, 'events/s', ceilingName, run.m.rate, ceiling.rate, {
      'CPU µs/event': run.m.cpuPerUnitMicros, 'records/transaction': run.txns ? N / run.txns : undefined, 'peak RSS MiB': run.m.peakRssMiB,
    });
  } finally {
    await stopAll(procs);
    for (const q of queues) await q.drop();
    for (const w of worlds) await dropWorld(w);
  }
}

/**
 * Backlog: each service alone on BACKLOG events waiting for it (the hour after an outage), its
 * peak RSS, drain rate and CPU per record beside the bare floors (the processor's transactional
 * pass-through, the sink's COPY); then the connector and the processor on BIG_BODIES SQS bodies
 * of 1 MiB each, the largest SQS takes. What each service holds is bounded by its settings
 * (docs/operations.md#memory), so none of these peaks may depend on the backlog's length.
 */
async function backlogStep(): Promise<void> {
  const tag = 'backlog: ';
  await connectorBacklog(`${tag}connector`, bodies(BACKLOG).bodies, 16);
  await processorStep(BACKLOG, tag);
  for (const mode of SEALING) await sinkStep(mode, BACKLOG, tag);
  await bigBodiesBacklog(`${tag}1 MiB bodies`);
}

/** A valid login whose body is `bytes` long, padded with a field the pipeline ignores. */
function bodyOf(bytes: number): string {
  const base = JSON.parse(gen.valid().body) as Record<string, unknown>;
  const without = JSON.stringify({ ...base, padding: '' });
  return JSON.stringify({ ...base, padding: 'x'.repeat(bytes - Buffer.byteLength(without)) });
}

/** The connector alone on a queue holding `seeded`: drained into the raw topic, measured. */
async function connectorBacklog(name: string, seeded: string[], concurrency: number, world?: World): Promise<Measured> {
  const own = world === undefined;
  world ??= await freshWorld('bench-backlog-conn');
  const procs: LoginpipeProcess[] = [];
  try {
    if (seeded[0] !== undefined && Buffer.byteLength(seeded[0]) > 256 * 1024) {
      // A batch send takes 1 MiB in all: bodies this large go one per call.
      let next = 0;
      const one = async () => { for (let i = next++; i < seeded.length; i = next++) await sqs.send(new SendMessageCommand({ QueueUrl: world!.queueUrl, MessageBody: seeded[i]! })); };
      await Promise.all(Array.from({ length: concurrency }, one));
    } else {
      await sendBodies(sqs, world.queueUrl, seeded, concurrency);
    }
    procs.push(await startLoginpipe('connector', world.env));
    const m = await measure(name, seeded.length, () => topicTotal(world!.env.RAW_TOPIC!), procs);
    figure(name, fromMeasured(m));
    record(`${name}, SQS backlog of ${seeded.length.toLocaleString('en-US')}`, 'msg/s', '', m.rate, undefined, { 'CPU µs/msg': m.cpuPerUnitMicros, 'peak RSS MiB': m.peakRssMiB });
    return m;
  } finally {
    await stopAll(procs);
    if (own) await dropWorld(world);
  }
}

/** BIG_BODIES bodies of 1 MiB through the connector, then the processor on the raw topic they made. */
async function bigBodiesBacklog(name: string): Promise<void> {
  const world = await freshWorld('bench-backlog-big');
  const procs: LoginpipeProcess[] = [];
  try {
    await createWorldTopics(world);
    const big = Array.from({ length: BIG_BODIES }, () => bodyOf(1024 * 1024));
    await connectorBacklog(`${name}, connector`, big, 4, world);
    const groupId = `processor-${world.id}`;
    procs.push(await startLoginpipe('processor', world.env, { PROCESSOR_GROUP_ID: groupId }));
    const m = await measure(`${name}, processor`, BIG_BODIES, () => committedTotal(groupId, world.env.RAW_TOPIC!), procs);
    figure(`${name}, processor`, fromMeasured(m));
    record(`${name}, processor, raw backlog of ${BIG_BODIES}`, 'records/s', '', m.rate, undefined, { 'CPU µs/record': m.cpuPerUnitMicros, 'peak RSS MiB': m.peakRssMiB });
  } finally {
    await stopAll(procs);
    await dropWorld(world);
  }
}

/** Trickle: one event at a time, 50 a second, through the three processes; send -> row readable. */
async function trickleStep(): Promise<void> {
  const world = await freshWorld('bench-trickle');
  const procs: LoginpipeProcess[] = [];
  const COUNT = 200;
  try {
    for (const kind of ['sink', 'processor', 'connector']) procs.push(await startLoginpipe(kind, world.env));
    // Warm up: the first event waits for the groups to form.
    await sendBodies(sqs, world.queueUrl, [gen.valid().body], 1);
    await waitUntil(async () => (await rowCount(world.schema)) === 1, { timeoutMs: 60_000, what: 'the warm-up event', failIf: alive(procs) });
    const latencies: number[] = [];
    const pending = new Map<string, number>();
    let polling = false;
    const poll = setInterval(() => {
      // One query at a time: overlapping polls would both find an id and count it twice.
      if (polling || pending.size === 0) return;
      polling = true;
      db.map('SELECT event_id FROM $1:name.user_logins WHERE event_id = ANY($2)', [world.schema, [...pending.keys()]], (r: { event_id: string }) => r.event_id)
        .then((found) => {
          const now = performance.now();
          for (const id of found) {
            const sentAt = pending.get(id);
            if (sentAt === undefined) continue;
            latencies.push(now - sentAt);
            pending.delete(id);
          }
        })
        .finally(() => { polling = false; });
    }, 5);
    for (let i = 0; i < COUNT; i++) {
      const sentAt = performance.now();
      const [id] = await sendBodies(sqs, world.queueUrl, [gen.valid().body], 1);
      pending.set(id!, sentAt);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitUntil(() => pending.size === 0, { timeoutMs: 60_000, what: 'the trickle to land' });
    clearInterval(poll);
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    record('trickle, 50 events/s, SQS send → row readable: p99', 'ms', '', pct(99), undefined, { p50: pct(50), p95: pct(95), max: latencies[latencies.length - 1] });
  } finally {
    await stopAll(procs);
    await dropWorld(world);
  }
}

// ---- the targets (issue 14) -------------------------------------------------------------------------

const rateRatio = (a: string, b: string) => (_: number, f: (n: string) => Figure | undefined) => {
  const x = f(a);
  const y = f(b);
  return x && y ? x.rate / y.rate : undefined;
};
/** b's CPU per event ÷ a's: what a's rate ÷ b's would be on a core of its own. */
const cpuRatio = (a: string, b: string) => (_: number, f: (n: string) => Figure | undefined) => {
  const x = f(a)?.cpuMicros;
  const y = f(b)?.cpuMicros;
  return x && y ? y / x : undefined;
};
const rss = (a: string) => (_: number, f: (n: string) => Figure | undefined) => f(a)?.rssMiB;
const TARGETS = [
  { ratio: 'processor service, sealing on ÷ off, same raw topic (rate)', target: '≥ 0.8', value: rateRatio('processor, sealing on', 'processor, sealing off'), parts: ['processor, sealing on', 'processor, sealing off'] },
  { ratio: '… the same by CPU per event (off ÷ on)', target: '(≥ 0.8)', value: cpuRatio('processor, sealing on', 'processor, sealing off'), parts: [] },
  { ratio: 'processor core, sealing on ÷ off (by CPU per event)', target: '≥ 0.5', value: cpuRatio('processor core, sealing on', 'processor core, sealing off'), parts: ['processor core, sealing on', 'processor core, sealing off'] },
  { ratio: 'processor service, sealing off ÷ bare transactional pass-through (rate)', target: '≥ 0.8', value: rateRatio('processor, sealing off', 'transactional pass-through'), parts: ['transactional pass-through'] },
  { ratio: 'processor service, sealing on ÷ bare transactional pass-through (rate)', target: '≥ 0.8', value: rateRatio('processor, sealing on', 'transactional pass-through'), parts: [] },
  { ratio: '… sealing off, by CPU per event (pass-through ÷ processor)', target: '(≥ 0.8)', value: cpuRatio('processor, sealing off', 'transactional pass-through'), parts: [] },
  { ratio: 'sink service ÷ Postgres COPY, sealing off', target: '≥ 0.5', value: rateRatio('sink, sealing off', 'COPY, sealing off'), parts: ['sink, sealing off', 'COPY, sealing off'] },
  { ratio: 'sink service ÷ Postgres COPY, sealed rows', target: '≥ 0.5', value: rateRatio('sink, sealing on', 'COPY, sealing on'), parts: ['sink, sealing on', 'COPY, sealing on'] },
  { ratio: 'connector CPU per message ÷ bare SDK loop\'s (ReceiveMessage 10 + DeleteMessageBatch)', target: '≤ 1.3', value: (_: number, f: (n: string) => Figure | undefined) => {
    const c = f('connector')?.cpuMicros;
    const l = f('bare SDK loop')?.cpuMicros;
    return c && l ? c / l : undefined;
  }, parts: ['connector', 'bare SDK loop'] },
  { ratio: '… connector CPU per message ÷ that of the SDK loop that also produces each batch with bare kafkajs (information)', target: '–', value: (_: number, f: (n: string) => Figure | undefined) => {
    const c = f('connector')?.cpuMicros;
    const l = f('bare SDK loop + bare kafkajs produce')?.cpuMicros;
    return c && l ? c / l : undefined;
  }, parts: ['bare SDK loop + bare kafkajs produce'] },
  { ratio: 'peak RSS, processor with sealing on', target: '< 200', unit: ' MiB', value: rss('processor, sealing on'), parts: [] },
  { ratio: 'peak RSS, processor with sealing off', target: '< 200', unit: ' MiB', value: rss('processor, sealing off'), parts: [] },
  { ratio: 'peak RSS, sink (sealed rows)', target: '< 200', unit: ' MiB', value: rss('sink, sealing on'), parts: [] },
  { ratio: 'peak RSS, sink', target: '< 200', unit: ' MiB', value: rss('sink, sealing off'), parts: [] },
  { ratio: 'peak RSS, connector', target: '< 200', unit: ' MiB', value: rss('connector'), parts: [] },
  { ratio: 'backlog: processor, sealing off ÷ bare transactional pass-through (rate)', target: '≥ 0.4', value: rateRatio('backlog: processor, sealing off', 'backlog: transactional pass-through'), parts: ['backlog: processor, sealing off', 'backlog: transactional pass-through'] },
  { ratio: 'backlog: processor, sealing on ÷ bare transactional pass-through (rate)', target: '≥ 0.4', value: rateRatio('backlog: processor, sealing on', 'backlog: transactional pass-through'), parts: ['backlog: processor, sealing on'] },
  { ratio: 'backlog: sink ÷ Postgres COPY, sealing off', target: '≥ 0.4', value: rateRatio('backlog: sink, sealing off', 'backlog: COPY, sealing off'), parts: ['backlog: sink, sealing off', 'backlog: COPY, sealing off'] },
  { ratio: 'backlog: sink ÷ Postgres COPY, sealed rows', target: '≥ 0.4', value: rateRatio('backlog: sink, sealing on', 'backlog: COPY, sealing on'), parts: ['backlog: sink, sealing on', 'backlog: COPY, sealing on'] },
  { ratio: 'backlog: peak RSS, connector', target: '< 200', unit: ' MiB', value: rss('backlog: connector'), parts: ['backlog: connector'] },
  { ratio: 'backlog: peak RSS, processor, sealing off', target: '< 200', unit: ' MiB', value: rss('backlog: processor, sealing off'), parts: [] },
  { ratio: 'backlog: peak RSS, processor, sealing on', target: '< 200', unit: ' MiB', value: rss('backlog: processor, sealing on'), parts: [] },
  { ratio: 'backlog: peak RSS, sink', target: '< 200', unit: ' MiB', value: rss('backlog: sink, sealing off'), parts: [] },
  { ratio: 'backlog: peak RSS, sink (sealed rows)', target: '< 200', unit: ' MiB', value: rss('backlog: sink, sealing on'), parts: [] },
  { ratio: 'backlog: peak RSS, connector, 1 MiB bodies', target: '< 200', unit: ' MiB', value: rss('backlog: 1 MiB bodies, connector'), parts: ['backlog: 1 MiB bodies, connector'] },
  { ratio: 'backlog: peak RSS, processor, 1 MiB bodies', target: '< 200', unit: ' MiB', value: rss('backlog: 1 MiB bodies, processor'), parts: ['backlog: 1 MiB bodies, processor'] },
  { ratio: 'end to end, 3 processes ÷ SQS ceiling (information only)', target: '–', value: rateRatio("end to end, 3 processes, stack's ElasticMQ", "SQS ceiling, stack's ElasticMQ"), parts: ["end to end, 3 processes, stack's ElasticMQ", "SQS ceiling, stack's ElasticMQ"] },
];

// ---- main ----------------------------------------------------------------------------------------

await stackUp();
const admin = kafka.admin();
await admin.connect();
const stackSqsEndpoint = SQS_ENDPOINT;
seedEndpoints.set(sqs, stackSqsEndpoint);
let memory: MemorySqs | undefined;
let memoryClient: SQSClient | undefined;
const load = [loadavg()];
const failures: string[] = [];
const began = new Date();
try {
  if (STEPS.includes('memory')) {
    memory = await startMemorySqs();
    memoryClient = createSqsClient({ endpoint: memory.endpoint, region: 'us-east-1' });
    seedEndpoints.set(memoryClient, memory.endpoint);
  }
  const stackQueue = async (w: World) => ({ env: w.env, endpoint: stackSqsEndpoint, queueUrl: w.queueUrl, drop: async () => {} });
  for (let round = 1; round <= ROUNDS; round++) {
    roundIndex = round - 1;
    console.error(`round ${round} of ${ROUNDS}`);
    for (const step of STEPS.filter((s) => s !== 'growth')) {
      const started = performance.now();
      // A step that fails (the shared stack hiccups, a service dies) is reported and the run goes
      // on: the other steps' figures still count.
      try {
      if (step === 'core') await coreStep();
      else if (step === 'sink') for (const mode of SEALING) await sinkStep(mode);
      else if (step === 'processor') await processorStep();
      else if (step === 'connector') await connectorStep('connector alone, SQS backlog', N, stackQueue, CEILING_POLLERS, sqs, true);
      else if (step === 'e2e') await endToEndStep("stack's ElasticMQ", sqs, stackSqsEndpoint);
      else if (step === 'memory') await endToEndStep('in-memory ElasticMQ', memoryClient!, memory!.endpoint);
      else if (step === 'pollers') {
        const proxy = await startDelayProxy(stackSqsEndpoint, DELAY_MS);
        try {
          const viaProxy = async (w: World) => ({
            env: { ...w.env, SQS_ENDPOINT: proxy.endpoint, SQS_QUEUE_URL: w.queueUrl.replace(stackSqsEndpoint, proxy.endpoint) },
            endpoint: proxy.endpoint, queueUrl: w.queueUrl.replace(stackSqsEndpoint, proxy.endpoint), drop: async () => {},
          });
          for (const p of POLLERS) await connectorStep(`connector, ${DELAY_MS} ms added per SQS call, SQS_POLLERS=${p}`, Math.max(1_000, Math.floor(N / 4)), viaProxy, p, sqs);
        } finally {
          await proxy.close();
        }
      } else if (step === 'trickle') await trickleStep();
      else if (step === 'backlog') await backlogStep();
      else throw new Error(`unknown step "${step}" in BENCH_STEPS`);
      } catch (err) {
        failures.push(`round ${round}, ${step}: ${err instanceof Error ? err.message : String(err)}`);
        console.error(`  ${step} FAILED: ${failures[failures.length - 1]}`);
      }
      console.error(`  ${step}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    load.push(loadavg());
  }
  let growth: GrowthPoint[] | undefined;
  if (STEPS.includes('growth')) {
    try {
      growth = await growthStep(db, (line) => console.error(line));
    } catch (err) {
      failures.push(`growth: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const cpu = cpus();
  console.log(`\nloginpipe benchmark, ${began.toISOString()}: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `everything on this one machine; ${N.toLocaleString('en-US')} events per step (${MALFORMED * 100} % malformed), ${ROUNDS} rounds; ` +
    `1-minute load average ${load.map((l) => l[0]!.toFixed(1)).join(' → ')}; services' V8 old space ${HEAP_MIB === 'none' ? "Node's default" : `${HEAP_MIB} MiB`}\n`);
  console.log(renderTargets(TARGETS, figures, ROUNDS));
  console.log('\nEvery step, beside its ceiling:\n');
  console.log(renderTable([...rows.values()]));
  if (growth) console.log(`\nThe sink's writer as user_logins grows (100,000 fresh rows at each size; growth step):\n\n${renderGrowth(growth)}`);
  if (failures.length > 0) console.log(`\nFailed steps (their rounds are missing above):\n${failures.map((f) => `- ${f}`).join('\n')}`);
} finally {
  await memory?.stop();
  memoryClient?.destroy();
  await admin.disconnect();
  await db.$pool.end();
  sqs.destroy();
}
