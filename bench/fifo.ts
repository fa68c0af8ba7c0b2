// `node dist/bench/fifo.js`: what a FIFO queue costs the connector. The same backlog of logins,
// drained by the connector alone (SQS -> raw topic) from a standard queue and from FIFO queues
// with few and many message groups; beside each FIFO run, the bare SDK loop (receive 10 +
// delete, no Kafka) on the same kind of queue, which is SQS's own ceiling for that shape. A FIFO
// queue gives out no more of a group while a batch of it is in flight, so with fewer groups than
// pollers some pollers wait: the cost is set by the number of groups, not by the connector.
// Run on the local stack (`loginpipe stack up`), in the services lock.
//
//   BENCH_EVENTS   events per run (default 10000)
//   BENCH_ROUNDS   rounds (default 2)
//   BENCH_GROUPS   FIFO group counts (default 1,6,100)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { createKafka, withAdmin } from '../lib/kafka/client.js';
import { createLogger } from '../lib/observability/log.js';
import { sendBodies, sendGrouped } from '../lib/sqs/client.js';
import { createSampleLogins } from '../cli/sample-logins.js';
import { interleavedGroups } from '../cli/sqs-traffic.js';
import { ROOT } from '../lib/runtime/paths.js';
import { KAFKA_BROKER } from '../stack/kafka.js';
import { SQS_ENDPOINT } from '../stack/elasticmq.js';
import { newWorld, sqs, type World } from '../stack/world.js';
import { startLoginpipe } from '../stack/loginpipe-process.js';
import { watchProgress } from './progress.js';
import { RESULT_PREFIX, type ChildResult } from './child-result.js';

const N = Number(process.env.BENCH_EVENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const GROUPS = (process.env.BENCH_GROUPS ?? '1,6,100').split(',').map(Number);
const POLLERS = 4;
const kafka = createKafka({ brokers: [KAFKA_BROKER], clientId: 'loginpipe-bench-fifo' }, createLogger({ level: 'error' }), 'bench');
const bodies = createSampleLogins(22).batch(N, 0).map((s) => s.body);

/** Fills the world's queue: a standard queue in parallel batches, a FIFO queue in group order. */
async function fill(world: World, groups: number | undefined): Promise<void> {
  if (groups === undefined) await sendBodies(sqs, world.queueUrl, bodies, 16);
  else await sendGrouped(sqs, world.queueUrl, bodies, interleavedGroups(N, groups));
}

async function connectorRate(groups: number | undefined): Promise<{ rate: number; cpu?: number }> {
  const world = await newWorld(groups === undefined ? 'bench-std' : `bench-fifo${groups}`, {}, { fifo: groups !== undefined });
  try {
    await fill(world, groups);
    const connector = await startLoginpipe('connector', world.env, { SQS_POLLERS: String(POLLERS) });
    try {
      const raw = world.env.RAW_TOPIC!;
      const m = await watchProgress({
        what: 'the connector', target: N, pids: [connector.child.pid!], timeoutMs: 10 * 60_000, intervalMs: 100,
        progress: () => withAdmin(kafka, async (a) => (await a.fetchTopicOffsets(raw)).reduce((n, p) => n + Number(p.high), 0)),
        failIf: () => (connector.child.exitCode !== null ? `connector exited with ${connector.child.exitCode}` : undefined),
      });
      return { rate: m.rate, cpu: m.cpuPerUnitMicros };
    } finally {
      await connector.stop();
    }
  } finally {
    await world.cleanup();
    await withAdmin(kafka, (a) => a.deleteTopics({ topics: [world.env.RAW_TOPIC!, world.env.DLQ_TOPIC!] })).catch(() => {});
  }
}

async function sdkLoopRate(groups: number | undefined): Promise<number> {
  const world = await newWorld('bench-fifo-ceil', {}, { fifo: groups !== undefined });
  try {
    await fill(world, groups);
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'bench', 'ceiling-sqs.js')], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', BENCH_SQS_ENDPOINT: SQS_ENDPOINT, BENCH_QUEUE_URL: world.queueUrl, BENCH_POLLERS: String(POLLERS), BENCH_COUNT: String(N) },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
    if (code !== 0 || !line) throw new Error(`ceiling-sqs exited with ${code}`);
    return (JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult).rate;
  } finally {
    await world.cleanup();
  }
}

const results = new Map<string, { connector: number[]; cpu: number[]; sdk: number[] }>();
for (let round = 0; round < ROUNDS; round++) {
  for (const groups of [undefined, ...GROUPS]) {
    const name = groups === undefined ? 'standard queue' : `FIFO, ${groups} group${groups === 1 ? '' : 's'}`;
    const r = results.get(name) ?? { connector: [], cpu: [], sdk: [] };
    results.set(name, r);
    const c = await connectorRate(groups);
    r.connector.push(c.rate);
    if (c.cpu !== undefined) r.cpu.push(c.cpu);
    r.sdk.push(await sdkLoopRate(groups));
    console.error(`round ${round + 1}: ${name}: connector ${Math.round(c.rate)} msg/s, bare SDK loop ${Math.round(r.sdk.at(-1)!)} msg/s`);
  }
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
console.log(`connector alone, SQS backlog of ${N}, ${POLLERS} pollers, median of ${ROUNDS} rounds; ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
console.log('| Queue | Connector msg/s | Connector CPU µs/msg | Bare SDK receive(10)+delete msg/s |');
console.log('|---|---|---|---|');
for (const [name, r] of results) {
  console.log(`| ${name} | ${Math.round(median(r.connector))} | ${Math.round(median(r.cpu))} | ${Math.round(median(r.sdk))} |`);
}
process.exit(0);
