// End to end on the local stack: SQS -> connector -> processor -> sink -> Postgres, each service
// its own process as in production. Prints drain throughput for a backlog and the latency of a
// trickle from SQS send to the row being readable in Postgres.
import { cpus } from 'node:os';
import { stackUp } from '../stack/stack.js';
import { createSampleLogins } from '../lib/sample-logins.js';
import { sendBodies } from '../lib/sqs.js';
import { db, newWorld, sqs } from '../stack/world.js';
import { startLoginpipe, type LoginpipeProcess } from '../stack/loginpipe-process.js';
import { waitUntil } from '../lib/wait-until.js';

const BACKLOG = Number(process.env.BENCH_EVENTS ?? 20_000);
const TRICKLE = 200;
const TRICKLE_PER_SECOND = 50;

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

await stackUp();
const world = await newWorld('bench');
const table = `"${world.schema}".user_logins`;
const count = async () => (await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n as number;
const services: LoginpipeProcess[] = [];
try {
  const gen = createSampleLogins(7);
  const seedStart = Date.now();
  await sendBodies(sqs, world.queueUrl, gen.batch(BACKLOG, 0).map((s) => s.body), 16);
  const seedSeconds = (Date.now() - seedStart) / 1000;

  // Backlog: everything waits in SQS; time from starting the services until the last row lands.
  const start = Date.now();
  services.push(await startLoginpipe('sink', world.env));
  services.push(await startLoginpipe('processor', world.env));
  services.push(await startLoginpipe('connector', world.env, { SQS_POLLERS: '8' }));
  await waitUntil(async () => (await count()) >= BACKLOG, { timeoutMs: 600_000, what: `${BACKLOG} rows`, intervalMs: 100 });
  const drainSeconds = (Date.now() - start) / 1000;

  // Trickle: one event at a time at a steady rate; latency from send to row.
  const latencies: number[] = [];
  const pending = new Map<string, number>();
  let polling = false;
  const poll = setInterval(async () => {
    // One query at a time: overlapping polls would both find an id and count it twice.
    if (polling || pending.size === 0) return;
    polling = true;
    try {
      const found = await db.map(`SELECT event_id FROM ${table} WHERE event_id = ANY($1)`, [[...pending.keys()]], (r: { event_id: string }) => r.event_id);
      const now = Date.now();
      for (const id of found) {
        const sentAt = pending.get(id);
        if (sentAt === undefined) continue;
        latencies.push(now - sentAt);
        pending.delete(id);
      }
    } finally {
      polling = false;
    }
  }, 5);
  for (let i = 0; i < TRICKLE; i++) {
    const sentAt = Date.now();
    const [id] = await sendBodies(sqs, world.queueUrl, [gen.valid().body], 1);
    pending.set(id!, sentAt);
    await new Promise((r) => setTimeout(r, 1000 / TRICKLE_PER_SECOND));
  }
  await waitUntil(() => pending.size === 0, { timeoutMs: 60_000, what: 'the trickle to land' });
  clearInterval(poll);
  latencies.sort((a, b) => a - b);

  console.log(`pipeline on ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, local stack (Kafka 3.9 KRaft, ElasticMQ, Apicurio, Postgres 15)`);
  console.log(`  seeding SQS:  ${BACKLOG} messages in ${seedSeconds.toFixed(1)} s (${(BACKLOG / seedSeconds).toFixed(0)} msg/s)`);
  console.log(`  backlog:      ${BACKLOG} events SQS -> Postgres in ${drainSeconds.toFixed(1)} s including start-up: ${(BACKLOG / drainSeconds).toFixed(0)} events/s`);
  console.log(`  trickle:      ${TRICKLE} events at ${TRICKLE_PER_SECOND}/s, SQS send -> row readable: p50 ${pct(latencies, 50)} ms, p95 ${pct(latencies, 95)} ms, p99 ${pct(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms`);
} finally {
  await Promise.all(services.map((s) => s.stop()));
  await world.cleanup();
  await db.$pool.end();
  sqs.destroy();
}
