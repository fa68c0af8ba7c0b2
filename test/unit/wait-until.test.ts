import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitUntil, WaitFailed } from '../../lib/runtime/wait-until.js';

// Counted polls, not timings: each case says after how many polls the condition turns true.
const cases: { name: string; trueAfter: number; failAfter?: number; timeoutMs: number; expect: 'ok' | 'timeout' | 'gave-up'; polls?: number }[] = [
  { name: 'a condition true at once returns without waiting', trueAfter: 0, timeoutMs: 0, expect: 'ok', polls: 1 },
  { name: 'a condition true on the third poll returns then', trueAfter: 2, timeoutMs: 5_000, expect: 'ok', polls: 3 },
  { name: 'a condition never true times out', trueAfter: Infinity, timeoutMs: 30, expect: 'timeout' },
  { name: 'failIf ends the wait early', trueAfter: Infinity, failAfter: 1, timeoutMs: 5_000, expect: 'gave-up', polls: 3 },
  { name: 'a condition that comes true as failIf speaks still counts', trueAfter: 1, failAfter: 0, timeoutMs: 5_000, expect: 'ok', polls: 2 },
];

for (const c of cases) {
  test(`waitUntil: ${c.name}`, async () => {
    let polls = 0;
    let asked = 0;
    const run = waitUntil(() => polls++ >= c.trueAfter, {
      timeoutMs: c.timeoutMs, what: 'the thing', intervalMs: 1,
      failIf: c.failAfter === undefined ? undefined : () => (asked++ >= c.failAfter! ? 'it died' : undefined),
      state: () => ({ polls }),
    });
    if (c.expect === 'ok') {
      await run;
    } else {
      const err = await run.then(() => undefined, (e: unknown) => e);
      assert.instance(err, WaitFailed);
      assert.is((err as WaitFailed).reason, c.expect);
      assert.match((err as Error).message, /the thing/);
      if (c.expect === 'gave-up') assert.match((err as Error).message, /it died/);
      else assert.match((err as Error).message, /last state: \{"polls":\d+\}/);
    }
    if (c.polls !== undefined) assert.is(polls, c.polls);
  });
}

test('waitUntil: a condition that throws fails the wait with that error', async () => {
  const err = await waitUntil(() => { throw new Error('boom'); }, { timeoutMs: 1000, what: 'x' }).then(() => undefined, (e: unknown) => e);
  assert.is((err as Error).message, 'boom');
});

test.run();
