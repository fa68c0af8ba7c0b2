import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BodyBudget, bodyBytes } from '../../connector/body-budget.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const MiB = 1024 * 1024;

/** Starts `n` receive calls; returns how many have been let through after the microtasks settle. */
async function startCalls(budget: BodyBudget, n: number, signal?: AbortSignal): Promise<{ through: () => number; calls: Promise<void>[] }> {
  let through = 0;
  const calls = Array.from({ length: n }, () => budget.beforeReceive(signal).then(() => { through++; }));
  await tick();
  return { through: () => through, calls };
}

// Scenarios worked out from the rule: a call fits when nothing is held or under way, or when what
// is held plus the calls under way (each at the estimate) plus one more estimate is within budget.
// The estimate starts at half the budget and follows max(batch, 0.8 × estimate).
const cases: { name: string; budget: number; batches: number[]; pollers: number; expectThrough: number }[] = [
  { name: 'ordinary logins: four pollers of ten 1 KiB bodies all run once the estimate has followed them', budget: 16 * MiB, batches: [10_240, 10_240, 10_240, 10_240, 10_240, 10_240, 10_240, 10_240, 10_240, 10_240], pollers: 4, expectThrough: 4 },
  { name: 'ten bodies of 1 MiB: one batch at a time under 16 MiB', budget: 16 * MiB, batches: [10 * MiB], pollers: 4, expectThrough: 1 },
  // After one 10 MiB batch the estimate is max(10, 0.8 × 20) = 16 MiB: two calls fit in 40.
  { name: 'ten bodies of 1 MiB, first batch: two at a time under 40 MiB', budget: 40 * MiB, batches: [10 * MiB], pollers: 5, expectThrough: 2 },
  // After five, it has come down to the batches' own 10 MiB: four fit.
  { name: 'ten bodies of 1 MiB, steady: four at a time under 40 MiB', budget: 40 * MiB, batches: [10 * MiB, 10 * MiB, 10 * MiB, 10 * MiB, 10 * MiB], pollers: 5, expectThrough: 4 },
  { name: 'a batch larger than the whole budget still goes, alone', budget: 1 * MiB, batches: [10 * MiB], pollers: 4, expectThrough: 1 },
];

for (const c of cases) {
  test(c.name, async () => {
    const budget = new BodyBudget(c.budget);
    // Teach the estimate: each batch received and let go in turn.
    for (const b of c.batches) {
      await budget.beforeReceive();
      budget.received(b);
      budget.release(b);
    }
    assert.is(budget.committed, 0, 'nothing held between scenarios');
    const { through } = await startCalls(budget, c.pollers);
    assert.is(through(), c.expectThrough);
  });
}

test('a call waits while a held batch fills the budget, and goes once it is released', async () => {
  const budget = new BodyBudget(16 * MiB);
  await budget.beforeReceive();
  budget.received(10 * MiB);
  const { through, calls } = await startCalls(budget, 1);
  assert.is(through(), 0, 'held 10 MiB + estimate 10 MiB > 16 MiB');
  budget.release(10 * MiB);
  await Promise.all(calls);
  assert.is(through(), 1);
});

test('a failed or empty receive gives its place back', async () => {
  const budget = new BodyBudget(16 * MiB);
  await budget.beforeReceive();
  await budget.beforeReceive();
  const { through, calls } = await startCalls(budget, 1);
  assert.is(through(), 0, 'two calls under way at the first estimate (8 MiB) fill 16 MiB');
  budget.received(0);
  await Promise.all(calls);
  assert.is(through(), 1);
});

test('stopping lets every waiting call through at once', async () => {
  const budget = new BodyBudget(16 * MiB);
  await budget.beforeReceive();
  budget.received(16 * MiB);
  const stop = new AbortController();
  const { through, calls } = await startCalls(budget, 3, stop.signal);
  assert.is(through(), 0);
  stop.abort();
  await Promise.all(calls);
  assert.is(through(), 3);
});

const sizes: [string, { Body?: string }[] | undefined, number][] = [
  ['no messages', undefined, 0],
  ['an empty list', [], 0],
  ['a message without a body', [{}], 0],
  ['ASCII', [{ Body: 'abc' }, { Body: 'de' }], 5],
  ['UTF-8 counts bytes, not characters', [{ Body: 'é' }, { Body: '😀' }], 6],
];
for (const [name, messages, expected] of sizes) test(`bodyBytes: ${name}`, () => assert.is(bodyBytes(messages), expected));

test.run();
