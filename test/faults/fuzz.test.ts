// 10,000 hostile bodies mixed with valid ones through the running pipeline: every malformed one
// is dead-lettered with a documented code and its exact bytes, every valid one lands verbatim,
// the processor's memory stays bounded, and no service falls over.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { sendBodies, queueDepth } from '../../lib/sqs/client.js';
import { readTopicUntil } from '../../lib/kafka/topic-reader.js';
import { DEAD_LETTER_CODES } from '../../lib/records/dead-letter-codes.js';
import { createTopics, db, kafka, newWorld, produceRaw, sqs, startLoginpipe, waitUntil, type LoginpipeProcess } from '../integration/harness.js';
import { fuzzBodies } from './fuzz-bodies.js';
import { hmac } from '../integration/oracles.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const MALFORMED = 10_000;
const VALID = 2_000;
/** Generous: the processor idles near 100 MiB; a leak or an unbounded queue shows as far more. */
const MAX_PROCESSOR_RSS_MIB = 512;
// Real SQS caps a batch at 1 MiB in all; big bodies go one per call.
const BIG_BODY = 64 * 1024;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

test(`fuzz: ${MALFORMED} hostile bodies and ${VALID} valid ones (seed ${SEED})`, async () => {
  const world = await newWorld('fuzz');
  const services: LoginpipeProcess[] = [];
  let peakRss = 0;
  const sampler = setInterval(() => {
    const p = services.find((s) => s.kind === 'processor');
    if (p?.child.pid && p.child.exitCode === null) peakRss = Math.max(peakRss, rssMiB(p.child.pid));
  }, 250);
  try {
    await createTopics(world);
    services.push(await startLoginpipe('sink', world.env));
    services.push(await startLoginpipe('processor', world.env));
    services.push(await startLoginpipe('connector', world.env, { SQS_POLLERS: '8' }));

    const bodies = fuzzBodies(SEED, MALFORMED, VALID);
    const viaSqs = bodies.filter((b) => !b.rawOnly);
    const small = viaSqs.filter((b) => b.body.length <= BIG_BODY);
    const big = viaSqs.filter((b) => b.body.length > BIG_BODY);
    const ids = new Map<(typeof bodies)[number], string>();
    const smallIds = await sendBodies(sqs, world.queueUrl, small.map((b) => b.body.toString('utf8')));
    small.forEach((b, i) => ids.set(b, smallIds[i]!));
    for (const b of big) ids.set(b, (await sendBodies(sqs, world.queueUrl, [b.body.toString('utf8')], 1))[0]!);
    const rawOnly = bodies.filter((b) => b.rawOnly).map((b, i) => ({ b, id: `raw-only-${i}` }));
    for (const { b, id } of rawOnly) ids.set(b, id);
    for (let i = 0; i < rawOnly.length; i += 500) await produceRaw(world, rawOnly.slice(i, i + 500).map(({ b, id }) => ({ id, body: b.body })));

    const valid = bodies.filter((b) => b.expected === undefined);
    const malformed = bodies.filter((b) => b.expected !== undefined);
    const table = `"${world.schema}".user_logins`;
    const aliveOrFail = () => { const dead = services.find((s) => s.child.exitCode !== null); return dead ? `${dead.kind} exited with ${dead.child.exitCode}: ${dead.lines.slice(-5).join('\n')}` : undefined; };
    await waitUntil(async () => (await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n >= valid.length, {
      timeoutMs: 240_000, what: `${valid.length} rows`, failIf: aliveOrFail, intervalMs: 1000,
      state: async () => (await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n,
    });
    const dead = await readTopicUntil(kafka, world.env.DLQ_TOPIC!, (r) => r.length >= malformed.length, { timeoutMs: 240_000 });
    await waitUntil(async () => { const d = await queueDepth(sqs, world.queueUrl); return d.visible + d.inFlight === 0; }, { timeoutMs: 60_000, what: 'an empty queue' });
    assert.is(aliveOrFail(), undefined, 'every service still running');

    const codes = new Set<string>(DEAD_LETTER_CODES.map((c) => c.code));
    const deadById = new Map(dead.map((d) => [d.headers['sqs.message_id']!, d]));
    assert.is(dead.length, malformed.length, 'one dead letter per malformed body');
    const byKind = new Map<string, number>();
    for (const b of malformed) {
      const d = deadById.get(ids.get(b)!);
      assert.ok(d, `dead letter for a ${b.kind} body`);
      assert.ok(d!.value!.equals(b.body), `a ${b.kind} body is dead-lettered byte for byte`);
      const code = d!.headers['error.code']!;
      assert.ok(codes.has(code), `documented code, got ${code}`);
      if (b.expected !== 'any') assert.is(code, b.expected, `code for a ${b.kind} body`);
      byKind.set(b.kind, (byKind.get(b.kind) ?? 0) + 1);
    }

    const rows = await db.any(`SELECT event_id, user_id, device_type, masked_ip, locale FROM ${table}`);
    assert.is(rows.length, valid.length, 'one row per valid body');
    const rowById = new Map(rows.map((r) => [r.event_id as string, r]));
    for (const b of valid) {
      const r = rowById.get(ids.get(b)!);
      assert.ok(r, 'row for a valid body');
      assert.is(r!.user_id, b.fields!.user_id, 'hostile text stored verbatim');
      assert.is(r!.device_type, b.fields!.device_type);
      assert.is(r!.masked_ip, hmac(world.hmacKey, b.fields!.ip!));
    }
    assert.ok(peakRss > 0, 'processor memory was sampled');
    assert.ok(peakRss < MAX_PROCESSOR_RSS_MIB, `processor peak RSS ${peakRss.toFixed(0)} MiB stays under ${MAX_PROCESSOR_RSS_MIB} MiB`);
    console.log(`fuzz seed ${SEED}: ${malformed.length} malformed (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}), ${valid.length} valid; processor peak RSS ${peakRss.toFixed(0)} MiB`);

    const exitCodes = await Promise.all(services.splice(0).map((s) => s.stop()));
    assert.equal(exitCodes, [0, 0, 0], 'every service stops cleanly');
  } finally {
    clearInterval(sampler);
    await Promise.all(services.map((s) => s.stop()));
    await world.cleanup();
  }
});

test.run();
