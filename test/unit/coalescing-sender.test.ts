import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CoalescingSender } from '../../lib/kafka/coalescing-sender.js';

// Scripted scenarios: the send function is gated and the script decides when each send ends.
// Expected sends and outcomes are worked out by hand from the class's contract: one send at a
// time, and everything submitted while a send runs goes, merged, into the next single send.

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

type Outcome = 'pending' | 'resolved' | 'rejected';

type Step =
  | { submit: string; items: number[] }
  /** Ends the oldest send still running; a failure's message is "send N failed" (N from 1). */
  | { settle: 'ok' | 'fail' }
  | { check: { sendsStarted?: number; outcomes?: Record<string, Outcome>; queued?: number } };

interface Scenario {
  name: string;
  input: Step[];
  expected: { sends: number[][]; outcomes: Record<string, Outcome>; errors?: Record<string, string> };
}

const scenarios: Scenario[] = [
  {
    name: 'a lone submit is sent alone, at once',
    input: [{ submit: 'A', items: [1, 2] }, { check: { sendsStarted: 1, outcomes: { A: 'pending' } } }, { settle: 'ok' }],
    expected: { sends: [[1, 2]], outcomes: { A: 'resolved' } },
  },
  {
    name: 'submits made while a send is in flight are merged into the next single send',
    input: [
      { submit: 'A', items: [1] },
      { submit: 'B', items: [2, 3] },
      { submit: 'C', items: [4] },
      { check: { sendsStarted: 1, queued: 3 } },
      { settle: 'ok' },
      { check: { sendsStarted: 2, queued: 0, outcomes: { A: 'resolved', B: 'pending', C: 'pending' } } },
      { settle: 'ok' },
    ],
    expected: { sends: [[1], [2, 3, 4]], outcomes: { A: 'resolved', B: 'resolved', C: 'resolved' } },
  },
  {
    name: 'a send never starts while another runs',
    input: [
      { submit: 'A', items: [1] },
      { submit: 'B', items: [2] },
      { check: { sendsStarted: 1 } },
      { submit: 'C', items: [3] },
      { check: { sendsStarted: 1 } },
      { settle: 'ok' },
      { check: { sendsStarted: 2 } },
      { submit: 'D', items: [4] },
      { check: { sendsStarted: 2 } },
      { settle: 'ok' },
      { check: { sendsStarted: 3 } },
      { settle: 'ok' },
    ],
    expected: { sends: [[1], [2, 3], [4]], outcomes: { A: 'resolved', B: 'resolved', C: 'resolved', D: 'resolved' } },
  },
  {
    name: 'a failing send rejects exactly its submitters and the merged send after it still goes',
    input: [
      { submit: 'A', items: [1] },
      { submit: 'B', items: [2] },
      { submit: 'C', items: [3] },
      { settle: 'fail' },
      { check: { outcomes: { A: 'rejected', B: 'pending', C: 'pending' } } },
      { settle: 'ok' },
    ],
    expected: { sends: [[1], [2, 3]], outcomes: { A: 'rejected', B: 'resolved', C: 'resolved' }, errors: { A: 'send 1 failed' } },
  },
  {
    name: 'a failing merged send rejects all of its submitters and no one else',
    input: [
      { submit: 'A', items: [1] },
      { submit: 'B', items: [2] },
      { submit: 'C', items: [3] },
      { settle: 'ok' },
      { submit: 'D', items: [4] },
      { settle: 'fail' },
      { settle: 'ok' },
    ],
    expected: {
      sends: [[1], [2, 3], [4]],
      outcomes: { A: 'resolved', B: 'rejected', C: 'rejected', D: 'resolved' },
      errors: { B: 'send 2 failed', C: 'send 2 failed' },
    },
  },
  {
    name: 'a submit after a failure, once idle, is sent on its own',
    input: [
      { submit: 'A', items: [1] },
      { settle: 'fail' },
      { check: { outcomes: { A: 'rejected' } } },
      { submit: 'B', items: [2] },
      { check: { sendsStarted: 2 } },
      { settle: 'ok' },
    ],
    expected: { sends: [[1], [2]], outcomes: { A: 'rejected', B: 'resolved' }, errors: { A: 'send 1 failed' } },
  },
  {
    name: 'an empty submit resolves at once and is not sent, even while a send runs',
    input: [
      { submit: 'E1', items: [] },
      { check: { sendsStarted: 0, outcomes: { E1: 'resolved' } } },
      { submit: 'A', items: [1] },
      { submit: 'E2', items: [] },
      { check: { sendsStarted: 1, queued: 0, outcomes: { E2: 'resolved' } } },
      { settle: 'ok' },
    ],
    expected: { sends: [[1]], outcomes: { E1: 'resolved', A: 'resolved', E2: 'resolved' } },
  },
  {
    name: 'the same items submitted twice are sent twice (nothing is deduplicated)',
    input: [{ submit: 'A', items: [7] }, { submit: 'B', items: [7] }, { submit: 'C', items: [7] }, { settle: 'ok' }, { settle: 'ok' }],
    expected: { sends: [[7], [7, 7]], outcomes: { A: 'resolved', B: 'resolved', C: 'resolved' } },
  },
];

for (const c of scenarios) {
  test(`CoalescingSender: ${c.name}`, async () => {
    const started: number[][] = [];
    const gates: { resolve: () => void; reject: (e: Error) => void }[] = [];
    let active = 0;
    let maxActive = 0;
    const sender = new CoalescingSender<number>((items) => {
      started.push([...items]);
      active++;
      maxActive = Math.max(maxActive, active);
      return new Promise<void>((resolve, reject) => gates.push({ resolve, reject })).finally(() => {
        active--;
      });
    });
    const outcomes: Record<string, Outcome> = {};
    const errors: Record<string, string> = {};
    let settled = 0;
    try {
      for (const step of c.input) {
        if ('submit' in step) {
          const name = step.submit;
          outcomes[name] = 'pending';
          sender.submit(step.items).then(
            () => { outcomes[name] = 'resolved'; },
            (e: unknown) => { outcomes[name] = 'rejected'; errors[name] = e instanceof Error ? e.message : String(e); },
          );
        } else if ('settle' in step) {
          const gate = gates.shift();
          assert.ok(gate, 'the script settles a send that never started');
          settled++;
          if (step.settle === 'ok') gate.resolve();
          else gate.reject(new Error(`send ${settled} failed`));
        } else {
          await tick();
          if (step.check.sendsStarted !== undefined) assert.is(started.length, step.check.sendsStarted, 'sends started so far');
          if (step.check.queued !== undefined) assert.is(sender.queued, step.check.queued, 'items queued');
          for (const [name, want] of Object.entries(step.check.outcomes ?? {})) assert.is(outcomes[name], want, `outcome of ${name}`);
        }
        await tick();
      }
      await tick();
      assert.equal(started, c.expected.sends);
      assert.equal(outcomes, c.expected.outcomes);
      assert.equal(errors, c.expected.errors ?? {});
      assert.ok(maxActive <= 1, 'two sends overlapped');
      assert.is(gates.length, 0, 'a send is still running at the end of the script');
    } finally {
      for (const g of gates) g.resolve();
    }
  });
}

// ---- hostile send functions ---------------------------------------------------------------------

const throwing: { name: string; input: (items: number[]) => Promise<void>; expected: string }[] = [
  { name: 'a send that throws synchronously (not an async function)', input: () => { throw new Error('sync boom'); }, expected: 'sync boom' },
  { name: 'a send that rejects with a non-Error value', input: () => Promise.reject('plain text'), expected: 'plain text' },
];

for (const c of throwing) {
  test(`CoalescingSender: ${c.name} rejects its submitter and the sender keeps working`, async () => {
    let calls = 0;
    const sent: number[][] = [];
    const sender = new CoalescingSender<number>((items) => {
      calls++;
      if (calls === 1) return c.input(items);
      sent.push([...items]);
      return Promise.resolve();
    });
    const err = await sender.submit([1]).then(() => undefined, (e: unknown) => e);
    assert.is(err instanceof Error ? err.message : err, c.expected);
    await sender.submit([2]);
    assert.equal(sent, [[2]]);
  });
}

test('CoalescingSender: under 200 interleaved submits, sends never overlap and every item is sent once, in order', async () => {
  let active = 0;
  let maxActive = 0;
  const sent: number[] = [];
  const sender = new CoalescingSender<number>(async (items) => {
    active++;
    maxActive = Math.max(maxActive, active);
    await tick();
    sent.push(...items);
    active--;
  });
  const submits: Promise<void>[] = [];
  for (let i = 0; i < 200; i++) {
    submits.push(sender.submit([i]));
    if (i % 7 === 0) await tick();
  }
  await Promise.all(submits);
  assert.is(maxActive, 1);
  assert.equal(sent, Array.from({ length: 200 }, (_, i) => i));
});

test.run();
