import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { performance } from 'node:perf_hooks';
import { Batcher } from '../../sink/batcher.js';

// Expected flushes and outcomes are worked out by hand from the rules in sink/batcher.ts's header:
// a batch goes at maxSize items or maxWaitMs after its first item, one flush at a time, in order.

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Outcome = 'pending' | 'resolved' | 'rejected';

// ---- scripted scenarios: the flush function is gated, and the script decides when each ends ------

type Step =
  | { add: string; items: number[] }
  /** Ends the oldest flush still running; a failure's message is "flush N failed" (N from 1). */
  | { settle: 'ok' | 'fail' }
  | { drain: string }
  /** What must hold at this point: outcomes of named adds/drains, and how many flushes started. */
  | { check: { outcomes?: Record<string, Outcome>; flushesStarted?: number } };

interface Scenario {
  name: string;
  input: { maxSize: number; steps: Step[] };
  expected: { flushes: number[][]; outcomes: Record<string, Outcome>; errors?: Record<string, string> };
}

const scenarios: Scenario[] = [
  {
    name: 'a batch is flushed as soon as it holds maxSize items',
    input: { maxSize: 3, steps: [{ add: 'A', items: [1, 2, 3] }, { check: { flushesStarted: 1, outcomes: { A: 'pending' } } }, { settle: 'ok' }] },
    expected: { flushes: [[1, 2, 3]], outcomes: { A: 'resolved' } },
  },
  {
    name: 'callers whose items land in one batch share one flush and all resolve with it',
    input: {
      maxSize: 3,
      steps: [
        { add: 'A', items: [1] },
        { add: 'B', items: [2] },
        { check: { flushesStarted: 0 } },
        { add: 'C', items: [3] },
        { check: { flushesStarted: 1, outcomes: { A: 'pending', B: 'pending', C: 'pending' } } },
        { settle: 'ok' },
      ],
    },
    expected: { flushes: [[1, 2, 3]], outcomes: { A: 'resolved', B: 'resolved', C: 'resolved' } },
  },
  {
    name: 'an add larger than maxSize spans several flushes and resolves only after the last',
    input: {
      maxSize: 2,
      steps: [
        { add: 'A', items: [1, 2, 3, 4, 5] },
        { settle: 'ok' },
        { check: { flushesStarted: 2, outcomes: { A: 'pending' } } },
        { settle: 'ok' },
        { check: { flushesStarted: 2, outcomes: { A: 'pending' } } },
        { drain: 'D' },
        { check: { flushesStarted: 3, outcomes: { A: 'pending', D: 'pending' } } },
        { settle: 'ok' },
      ],
    },
    expected: { flushes: [[1, 2], [3, 4], [5]], outcomes: { A: 'resolved', D: 'resolved' } },
  },
  {
    name: 'the order of items is kept across flushes and callers',
    input: {
      maxSize: 3,
      steps: [
        { add: 'A', items: [1, 2] },
        { add: 'B', items: [3, 4, 5, 6] },
        { add: 'C', items: [7] },
        { drain: 'D' },
        { settle: 'ok' },
        { settle: 'ok' },
        { settle: 'ok' },
      ],
    },
    expected: { flushes: [[1, 2, 3], [4, 5, 6], [7]], outcomes: { A: 'resolved', B: 'resolved', C: 'resolved', D: 'resolved' } },
  },
  {
    name: 'maxSize 1 flushes every item alone, one after the other',
    input: {
      maxSize: 1,
      steps: [
        { add: 'A', items: [1, 2, 3] },
        { check: { flushesStarted: 1 } },
        { settle: 'ok' },
        { check: { flushesStarted: 2 } },
        { settle: 'ok' },
        { check: { flushesStarted: 3, outcomes: { A: 'pending' } } },
        { settle: 'ok' },
      ],
    },
    expected: { flushes: [[1], [2], [3]], outcomes: { A: 'resolved' } },
  },
  {
    name: 'a failing flush rejects exactly the callers whose items were in it',
    input: {
      maxSize: 2,
      steps: [
        { add: 'A', items: [1, 2] },
        { add: 'B', items: [3] },
        { add: 'C', items: [4] },
        { add: 'D', items: [5, 6] },
        { settle: 'ok' },
        { settle: 'fail' },
        { check: { outcomes: { A: 'resolved', B: 'rejected', C: 'rejected', D: 'pending' } } },
        { settle: 'ok' },
      ],
    },
    expected: {
      flushes: [[1, 2], [3, 4], [5, 6]],
      outcomes: { A: 'resolved', B: 'rejected', C: 'rejected', D: 'resolved' },
      errors: { B: 'flush 2 failed', C: 'flush 2 failed' },
    },
  },
  {
    name: 'a caller spanning an ok flush and then a failing one is rejected with the failing flush error',
    input: {
      maxSize: 2,
      steps: [{ add: 'A', items: [1, 2, 3] }, { add: 'B', items: [4] }, { settle: 'ok' }, { check: { outcomes: { A: 'pending' } } }, { settle: 'fail' }],
    },
    expected: { flushes: [[1, 2], [3, 4]], outcomes: { A: 'rejected', B: 'rejected' }, errors: { A: 'flush 2 failed', B: 'flush 2 failed' } },
  },
  {
    name: 'a caller spanning a failing flush and then an ok one stays rejected, and the other caller resolves',
    input: {
      maxSize: 2,
      steps: [{ add: 'A', items: [1, 2, 3] }, { add: 'B', items: [4] }, { settle: 'fail' }, { check: { outcomes: { A: 'rejected', B: 'pending' } } }, { settle: 'ok' }],
    },
    expected: { flushes: [[1, 2], [3, 4]], outcomes: { A: 'rejected', B: 'resolved' }, errors: { A: 'flush 1 failed' } },
  },
  {
    name: 'a caller spanning two failing flushes is rejected once, with the first error',
    input: { maxSize: 2, steps: [{ add: 'A', items: [1, 2, 3, 4] }, { settle: 'fail' }, { settle: 'fail' }] },
    expected: { flushes: [[1, 2], [3, 4]], outcomes: { A: 'rejected' }, errors: { A: 'flush 1 failed' } },
  },
  {
    name: 'items added while a flush runs wait for it: flushes never overlap',
    input: {
      maxSize: 2,
      steps: [
        { add: 'A', items: [1, 2] },
        { add: 'B', items: [3, 4] },
        { add: 'C', items: [5, 6] },
        { check: { flushesStarted: 1 } },
        { settle: 'ok' },
        { check: { flushesStarted: 2, outcomes: { A: 'resolved', B: 'pending', C: 'pending' } } },
        { settle: 'ok' },
        { check: { flushesStarted: 3, outcomes: { B: 'resolved', C: 'pending' } } },
        { settle: 'ok' },
      ],
    },
    expected: { flushes: [[1, 2], [3, 4], [5, 6]], outcomes: { A: 'resolved', B: 'resolved', C: 'resolved' } },
  },
  {
    name: 'drain flushes leftovers smaller than maxSize without waiting for the timer',
    input: { maxSize: 10, steps: [{ add: 'A', items: [1, 2] }, { check: { flushesStarted: 0 } }, { drain: 'D' }, { check: { flushesStarted: 1 } }, { settle: 'ok' }] },
    expected: { flushes: [[1, 2]], outcomes: { A: 'resolved', D: 'resolved' } },
  },
  {
    name: 'drain with nothing pending still waits for the flush in flight',
    input: {
      maxSize: 2,
      steps: [{ add: 'A', items: [1, 2] }, { drain: 'D' }, { check: { flushesStarted: 1, outcomes: { A: 'pending', D: 'pending' } } }, { settle: 'ok' }],
    },
    expected: { flushes: [[1, 2]], outcomes: { A: 'resolved', D: 'resolved' } },
  },
  {
    name: 'drain resolves after a failing flush (the failure goes to the callers, not to drain)',
    input: { maxSize: 5, steps: [{ add: 'A', items: [1] }, { drain: 'D' }, { settle: 'fail' }] },
    expected: { flushes: [[1]], outcomes: { A: 'rejected', D: 'resolved' }, errors: { A: 'flush 1 failed' } },
  },
];

for (const c of scenarios) {
  test(`Batcher: ${c.name}`, async () => {
    const started: number[][] = [];
    const gates: { resolve: () => void; reject: (e: Error) => void }[] = [];
    let active = 0;
    let maxActive = 0;
    const batcher = new Batcher<number>({
      maxSize: c.input.maxSize,
      // Long enough that only size and drain() cut batches here; timers have their own tests.
      maxWaitMs: 60_000,
      flush: (items) => {
        started.push([...items]);
        active++;
        maxActive = Math.max(maxActive, active);
        return new Promise<void>((resolve, reject) => gates.push({ resolve, reject })).finally(() => {
          active--;
        });
      },
    });
    const outcomes: Record<string, Outcome> = {};
    const errors: Record<string, string> = {};
    const track = (name: string, p: Promise<void>) => {
      outcomes[name] = 'pending';
      p.then(
        () => { outcomes[name] = 'resolved'; },
        (e: unknown) => { outcomes[name] = 'rejected'; errors[name] = e instanceof Error ? e.message : String(e); },
      );
    };
    let settled = 0;
    try {
      for (const step of c.input.steps) {
        if ('add' in step) track(step.add, batcher.add(step.items));
        else if ('drain' in step) track(step.drain, batcher.drain());
        else if ('settle' in step) {
          const gate = gates.shift();
          assert.ok(gate, 'the script settles a flush that never started');
          settled++;
          if (step.settle === 'ok') gate.resolve();
          else gate.reject(new Error(`flush ${settled} failed`));
        } else {
          await tick();
          if (step.check.flushesStarted !== undefined) assert.is(started.length, step.check.flushesStarted, 'flushes started so far');
          for (const [name, want] of Object.entries(step.check.outcomes ?? {})) assert.is(outcomes[name], want, `outcome of ${name}`);
        }
        await tick();
      }
      await tick();
      assert.equal(started, c.expected.flushes);
      assert.equal(outcomes, c.expected.outcomes);
      assert.equal(errors, c.expected.errors ?? {});
      assert.is(maxActive, 1, 'at most one flush at a time');
    } finally {
      // Never leave a 60 s timer or a gated flush behind.
      const done = batcher.drain();
      let finished = false;
      void done.then(() => { finished = true; });
      while (!finished) {
        gates.shift()?.resolve();
        await tick();
      }
    }
  });
}

// ---- timers: real time, small waits -------------------------------------------------------------

interface TimerCase {
  name: string;
  input: { maxSize: number; maxWaitMs: number; adds: { atMs: number; items: number[] }[]; observeMs: number };
  /** Each flush with the window (ms after the first add) in which it must start. */
  expected: { items: number[]; startsWithinMs: [number, number] }[];
}

// Lower bounds allow 2 ms of timer rounding; upper bounds allow a busy machine.
const timerCases: TimerCase[] = [
  {
    name: 'fewer than maxSize items are flushed maxWaitMs after they arrived',
    input: { maxSize: 10, maxWaitMs: 40, adds: [{ atMs: 0, items: [1, 2] }], observeMs: 0 },
    expected: [{ items: [1, 2], startsWithinMs: [38, 130] }],
  },
  {
    name: 'the wait counts from the first item of the batch, not from the last',
    input: { maxSize: 10, maxWaitMs: 60, adds: [{ atMs: 0, items: [1] }, { atMs: 30, items: [2] }], observeMs: 0 },
    expected: [{ items: [1, 2], startsWithinMs: [58, 140] }],
  },
  {
    name: 'leftovers of a full batch wait their own maxWaitMs',
    input: { maxSize: 2, maxWaitMs: 40, adds: [{ atMs: 0, items: [1, 2, 3] }], observeMs: 0 },
    expected: [
      { items: [1, 2], startsWithinMs: [0, 25] },
      { items: [3], startsWithinMs: [38, 130] },
    ],
  },
  {
    name: 'a batch that fills up goes at once and its timer does not flush again later',
    input: { maxSize: 2, maxWaitMs: 60, adds: [{ atMs: 0, items: [1] }, { atMs: 10, items: [2] }], observeMs: 100 },
    expected: [{ items: [1, 2], startsWithinMs: [8, 45] }],
  },
];

for (const c of timerCases) {
  test(`Batcher timer: ${c.name}`, async () => {
    const flushes: { items: number[]; atMs: number }[] = [];
    let t0 = 0;
    const batcher = new Batcher<number>({
      maxSize: c.input.maxSize,
      maxWaitMs: c.input.maxWaitMs,
      flush: async (items) => {
        flushes.push({ items: [...items], atMs: performance.now() - t0 });
      },
    });
    t0 = performance.now();
    const adds = c.input.adds.map(({ atMs, items }) =>
      (atMs === 0 ? Promise.resolve() : wait(atMs)).then(() => batcher.add(items)),
    );
    await Promise.all(adds);
    if (c.input.observeMs > 0) await wait(c.input.observeMs);
    assert.equal(flushes.map((f) => f.items), c.expected.map((e) => e.items));
    c.expected.forEach((e, i) => {
      const at = flushes[i]?.atMs ?? NaN;
      assert.ok(at >= e.startsWithinMs[0] && at <= e.startsWithinMs[1], `flush ${i + 1} started at ${at.toFixed(1)} ms, expected within ${e.startsWithinMs.join('..')} ms`);
    });
    assert.is(batcher.size, 0);
  });
}

// ---- edges --------------------------------------------------------------------------------------

test('Batcher: add([]) resolves at once without flushing or starting a timer', async () => {
  let flushed = 0;
  const batcher = new Batcher<number>({ maxSize: 3, maxWaitMs: 20, flush: async () => { flushed++; } });
  let resolved = false;
  void batcher.add([]).then(() => { resolved = true; });
  await tick();
  assert.ok(resolved, 'add([]) did not resolve within one turn of the event loop');
  assert.is(batcher.size, 0);
  await wait(40);
  assert.is(flushed, 0);
});

test('Batcher: add([]) while items are pending leaves their batch as it was', async () => {
  const flushes: number[][] = [];
  const batcher = new Batcher<number>({ maxSize: 3, maxWaitMs: 60_000, flush: async (items) => { flushes.push([...items]); } });
  const a = batcher.add([1, 2]);
  await batcher.add([]);
  assert.is(batcher.size, 2);
  const b = batcher.add([3]);
  await Promise.all([a, b]);
  assert.equal(flushes, [[1, 2, 3]]);
});

const badSizes: { name: string; input: number; expected: typeof RangeError }[] = [
  { name: 'zero', input: 0, expected: RangeError },
  { name: 'a negative size', input: -1, expected: RangeError },
  { name: 'a fraction below one', input: 0.5, expected: RangeError },
  { name: 'minus infinity', input: -Infinity, expected: RangeError },
  { name: 'NaN (a size no batch can ever reach)', input: NaN, expected: RangeError },
];

for (const c of badSizes) {
  test(`Batcher: maxSize of ${c.name} throws`, () => {
    assert.throws(() => new Batcher<number>({ maxSize: c.input, maxWaitMs: 10, flush: async () => {} }), (e: unknown) => e instanceof c.expected);
  });
}

test('Batcher: maxSize 1 is accepted', () => {
  new Batcher<number>({ maxSize: 1, maxWaitMs: 10, flush: async () => {} });
});

test('maxInFlight 2: two flushes run at once, a third starts when one ends, in arrival order, and drain waits for all', async () => {
  const started: number[][] = [];
  const gates: (() => void)[] = [];
  const b = new Batcher<number>({
    maxSize: 2, maxWaitMs: 10_000, maxInFlight: 2,
    flush: (items) => new Promise<void>((resolve) => { started.push(items); gates.push(resolve); }),
  });
  const outcomes: string[] = [];
  const first = b.add([1, 2]).then(() => outcomes.push('first'));
  const second = b.add([3, 4]).then(() => outcomes.push('second'));
  const third = b.add([5, 6]).then(() => outcomes.push('third'));
  await tick();
  assert.equal(started, [[1, 2], [3, 4]], 'two flushes at once, the third waits');
  gates[1]!();
  await second;
  await tick();
  assert.equal(started, [[1, 2], [3, 4], [5, 6]], 'the third starts when one ends');
  let drained = false;
  const draining = b.drain().then(() => { drained = true; });
  gates[2]!();
  await third;
  await tick();
  assert.is(drained, false, 'drain waits for the flush still running');
  gates[0]!();
  await Promise.all([first, draining]);
  assert.equal(outcomes, ['second', 'third', 'first'], 'each caller learns of its own flush');
});

test('maxInFlight below 1 is refused', () => {
  assert.throws(() => new Batcher<number>({ maxSize: 1, maxWaitMs: 1, maxInFlight: 0, flush: async () => {} }), /maxInFlight/);
});

test.run();
