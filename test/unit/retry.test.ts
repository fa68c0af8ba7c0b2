import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { performance } from 'node:perf_hooks';
import { backoffMs, retry, sleep, type RetryPolicy } from '../../lib/runtime/retry.js';

// ---- backoffMs: full jitter, in [0, min(maxMs, initialMs * 2^attempt)] -------------------------------

const POLICY = { initialMs: 100, maxMs: 1000 };
const ALMOST_ONE = 1 - Number.EPSILON / 2;

/** The ceiling, worked out independently: doubling from initialMs, capped at maxMs. */
function ceilingOf(p: { initialMs: number; maxMs: number }, attempt: number): number {
  let c = p.initialMs;
  for (let i = 0; i < attempt && c < p.maxMs; i++) c *= 2;
  return Math.min(c, p.maxMs);
}

const bounds: { name: string; input: { attempt: number; random: number }; expected: number }[] = [
  { name: 'random 0 on the first attempt waits nothing', input: { attempt: 0, random: 0 }, expected: 0 },
  { name: 'random 0 late on waits nothing', input: { attempt: 20, random: 0 }, expected: 0 },
  { name: 'random near 1 on the first attempt waits initialMs', input: { attempt: 0, random: ALMOST_ONE }, expected: 100 },
  { name: 'random near 1 on attempt 3 waits initialMs * 8', input: { attempt: 3, random: ALMOST_ONE }, expected: 800 },
  { name: 'random near 1 on attempt 4 is capped at maxMs', input: { attempt: 4, random: ALMOST_ONE }, expected: 1000 },
  { name: 'random 0.5 on attempt 2 waits half of initialMs * 4', input: { attempt: 2, random: 0.5 }, expected: 200 },
  { name: 'random 0.5 on attempt 10 waits half of maxMs', input: { attempt: 10, random: 0.5 }, expected: 500 },
  { name: 'a huge attempt number is capped, not Infinity or NaN', input: { attempt: 10_000, random: ALMOST_ONE }, expected: 1000 },
];

for (const c of bounds) {
  test(`backoffMs: ${c.name}`, () => {
    assert.is(backoffMs(POLICY, c.input.attempt, () => c.input.random), c.expected);
  });
}

test('backoffMs stays within [0, min(maxMs, initialMs * 2^attempt)] for attempts 0..60 and randoms 0 and 0.999...', () => {
  const policies = [POLICY, { initialMs: 1, maxMs: 30_000 }, { initialMs: 250, maxMs: 250 }, { initialMs: 7, maxMs: 2 ** 40 }];
  for (const p of policies) {
    for (let attempt = 0; attempt <= 60; attempt++) {
      for (const r of [0, 0.25, 0.999999, ALMOST_ONE]) {
        const d = backoffMs(p, attempt, () => r);
        const ceiling = ceilingOf(p, attempt);
        assert.ok(Number.isInteger(d) && d >= 0 && d <= ceiling, `policy ${JSON.stringify(p)} attempt ${attempt} random ${r}: ${d} not in [0, ${ceiling}]`);
      }
    }
  }
});

test('backoffMs with the default Math.random stays within bounds over 1,000 draws', () => {
  for (let i = 0; i < 1000; i++) {
    const d = backoffMs(POLICY, i % 8);
    assert.ok(d >= 0 && d <= ceilingOf(POLICY, i % 8));
  }
});

// ---- retry ------------------------------------------------------------------------------------------

/** Tiny delays: these tests are about counting attempts, not about waiting. */
const FAST: RetryPolicy = { initialMs: 1, maxMs: 2, attempts: 5 };

class Boom extends Error {
  constructor(readonly n: number, readonly permanent = false) {
    super(`failure ${n}`);
  }
}

interface RetryCase {
  name: string;
  input: { policy: RetryPolicy; failures: number; permanentAt?: number };
  expected: { result: string | undefined; error: string | undefined; calls: number };
}

const retries: RetryCase[] = [
  { name: 'a first-time success is returned with one call', input: { policy: FAST, failures: 0 }, expected: { result: 'ok after 1', error: undefined, calls: 1 } },
  { name: 'the first success after failures is returned', input: { policy: FAST, failures: 2 }, expected: { result: 'ok after 3', error: undefined, calls: 3 } },
  { name: 'success on the last allowed attempt still counts', input: { policy: FAST, failures: 4 }, expected: { result: 'ok after 5', error: undefined, calls: 5 } },
  { name: 'it gives up after `attempts` calls with the last error', input: { policy: FAST, failures: 100 }, expected: { result: undefined, error: 'failure 5', calls: 5 } },
  { name: 'attempts 1 means no retry at all', input: { policy: { ...FAST, attempts: 1 }, failures: 100 }, expected: { result: undefined, error: 'failure 1', calls: 1 } },
  { name: 'attempts 0 still makes the one call', input: { policy: { ...FAST, attempts: 0 }, failures: 100 }, expected: { result: undefined, error: 'failure 1', calls: 1 } },
  { name: 'it stops as soon as shouldRetry says no', input: { policy: FAST, failures: 100, permanentAt: 2 }, expected: { result: undefined, error: 'failure 2', calls: 2 } },
  { name: 'shouldRetry saying no on the first failure means one call', input: { policy: FAST, failures: 100, permanentAt: 1 }, expected: { result: undefined, error: 'failure 1', calls: 1 } },
];

for (const c of retries) {
  test(`retry: ${c.name}`, async () => {
    const attemptsSeen: number[] = [];
    const retried: { attempt: number; delay: number }[] = [];
    let calls = 0;
    const run = retry(
      async (attempt) => {
        attemptsSeen.push(attempt);
        calls++;
        if (calls <= c.input.failures) throw new Boom(calls, calls === c.input.permanentAt);
        return `ok after ${calls}`;
      },
      c.input.policy,
      {
        shouldRetry: (err) => !(err instanceof Boom && err.permanent),
        onRetry: (_err, attempt, delay) => retried.push({ attempt, delay }),
      },
    );
    const got = await run.then((v) => ({ result: v, error: undefined }), (e: unknown) => ({ result: undefined, error: (e as Error).message }));
    assert.equal({ ...got, calls }, c.expected);
    assert.equal(attemptsSeen, Array.from({ length: calls }, (_, i) => i), 'fn is told its attempt number, from 0');
    // onRetry hears of every failure that is followed by another call, and of no other.
    assert.equal(retried.map((r) => r.attempt), Array.from({ length: calls - 1 }, (_, i) => i));
    for (const r of retried) assert.ok(r.delay >= 0 && r.delay <= ceilingOf(c.input.policy, r.attempt), `delay ${r.delay} on attempt ${r.attempt}`);
  });
}

test('retry: shouldRetry is asked with the error that was thrown', async () => {
  const seen: unknown[] = [];
  const thrown = new Error('specific');
  await retry(async () => { throw thrown; }, FAST, { shouldRetry: (e) => { seen.push(e); return false; } }).catch(() => {});
  assert.equal(seen.length, 1);
  assert.ok(seen[0] === thrown);
});

test('retry: rejects with the very error object fn threw, not a wrapper', async () => {
  const thrown = new Error('original');
  const got = await retry(async () => { throw thrown; }, { ...FAST, attempts: 2 }).catch((e: unknown) => e);
  assert.ok(got === thrown);
});

const aborts: { name: string; input: { abortAfterMs: number | 'before' }; expected: { maxCalls: number; withinMs: number } }[] = [
  { name: 'a signal aborted before the start allows the one call and no retry', input: { abortAfterMs: 'before' }, expected: { maxCalls: 1, withinMs: 50 } },
  { name: 'a signal aborted during a long back-off ends the wait and the retries', input: { abortAfterMs: 30 }, expected: { maxCalls: 50, withinMs: 150 } },
];

for (const c of aborts) {
  test(`retry: ${c.name}`, async () => {
    const controller = new AbortController();
    if (c.input.abortAfterMs === 'before') controller.abort();
    const timer = c.input.abortAfterMs === 'before' ? undefined : setTimeout(() => controller.abort(), c.input.abortAfterMs);
    let calls = 0;
    const t0 = performance.now();
    // Back-off of up to 10 s and unlimited attempts: only the signal can end this quickly.
    const got = await retry(async () => { calls++; throw new Boom(calls); }, { initialMs: 10_000, maxMs: 10_000, attempts: Infinity }, { signal: controller.signal }).catch((e: unknown) => e);
    const elapsed = performance.now() - t0;
    clearTimeout(timer);
    assert.ok(got instanceof Boom && got.n === calls, 'rejects with the last error of fn');
    assert.ok(calls >= 1 && calls <= c.expected.maxCalls, `${calls} calls`);
    assert.ok(elapsed < c.expected.withinMs, `took ${elapsed.toFixed(0)} ms`);
  });
}

// ---- sleep ------------------------------------------------------------------------------------------

const sleeps: { name: string; input: { ms: number; abort: 'none' | 'before' | number }; expected: [number, number] }[] = [
  { name: 'waits about the time asked', input: { ms: 30, abort: 'none' }, expected: [28, 120] },
  { name: 'returns at once when the signal is already aborted', input: { ms: 5_000, abort: 'before' }, expected: [0, 20] },
  { name: 'returns early when the signal aborts', input: { ms: 5_000, abort: 20 }, expected: [18, 120] },
];

for (const c of sleeps) {
  test(`sleep ${c.name}`, async () => {
    const controller = new AbortController();
    if (c.input.abort === 'before') controller.abort();
    const timer = typeof c.input.abort === 'number' ? setTimeout(() => controller.abort(), c.input.abort) : undefined;
    const t0 = performance.now();
    await sleep(c.input.ms, c.input.abort === 'none' ? undefined : controller.signal);
    const elapsed = performance.now() - t0;
    clearTimeout(timer);
    assert.ok(elapsed >= c.expected[0] && elapsed <= c.expected[1], `took ${elapsed.toFixed(1)} ms`);
  });
}

test.run();
