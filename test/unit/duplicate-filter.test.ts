import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DuplicateFilter, filterKey, type BatchPlan, type RawRef } from '../../processor/duplicate-filter.js';

// The processor's duplicate filter, driven through whole stories: meet a partition, feed
// batches, say how each transaction ended. Expected plans are worked out by hand.

const refs = (from: number, ids: (string | undefined)[]): RawRef[] => ids.map((id, i) => ({ offset: BigInt(from + i), id }));

type Step =
  | { meet: { committed: number; logStart: number; firstOffset: number }; rewindTo?: number }
  | { batch: RawRef[]; write: number[]; duplicates: number[]; commits: boolean; then: 'committed' | 'aborted' | 'forget' | 'none' }
  | { reset: true }
  | { knows: boolean };

const stories: { name: string; window: number; steps: Step[] }[] = [
  {
    name: 'first meeting a partition the group never processed: no rewind, everything is written',
    window: 100,
    steps: [
      { knows: false },
      { meet: { committed: -1, logStart: 0, firstOffset: 0 } },
      { knows: true },
      { batch: refs(0, ['a', 'b', 'c']), write: [0, 1, 2], duplicates: [], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'meeting a processed partition rewinds by the window, and the replay is only remembered',
    window: 2,
    steps: [
      { meet: { committed: 10, logStart: 0, firstOffset: 10 }, rewindTo: 8 },
      { batch: refs(8, ['x', 'y', 'x', 'z']), write: [3], duplicates: [2], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'the rewind never goes below the log start',
    window: 100,
    steps: [{ meet: { committed: 10, logStart: 7, firstOffset: 10 }, rewindTo: 7 }],
  },
  {
    name: 'no rewind when the batch already starts at or before the window',
    window: 5,
    steps: [
      { meet: { committed: 10, logStart: 0, firstOffset: 3 } },
      { batch: refs(3, ['p', 'q', 'r', 's', 't', 'u', 'v', 'p']), write: [7], duplicates: [], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'a window of 0 never rewinds and never drops',
    window: 0,
    steps: [
      { meet: { committed: 10, logStart: 0, firstOffset: 10 } },
      { batch: refs(10, ['a', 'a']), write: [0], duplicates: [1], commits: true, then: 'committed' },
      { batch: refs(12, ['a']), write: [0], duplicates: [], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'a batch wholly below the committed offset commits nothing',
    window: 10,
    steps: [
      { meet: { committed: 20, logStart: 0, firstOffset: 10 } },
      { batch: refs(10, ['a', 'b']), write: [], duplicates: [], commits: false, then: 'none' },
      { batch: refs(20, ['b', 'c']), write: [1], duplicates: [0], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'copies inside one batch: the first is written, the rest dropped',
    window: 10,
    steps: [
      { meet: { committed: -1, logStart: 0, firstOffset: 0 } },
      { batch: refs(0, ['a', 'b', 'a', 'a', 'b']), write: [0, 1], duplicates: [2, 3, 4], commits: true, then: 'committed' },
      { batch: refs(5, ['a']), write: [], duplicates: [0], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'an aborted transaction\'s ids are not remembered: the same records come back and are written',
    window: 10,
    steps: [
      { meet: { committed: -1, logStart: 0, firstOffset: 0 } },
      { batch: refs(0, ['a', 'b']), write: [0, 1], duplicates: [], commits: true, then: 'aborted' },
      { batch: refs(0, ['a', 'b']), write: [0, 1], duplicates: [], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'an unknown commit outcome forgets the partition, which is met again from the committed offset',
    window: 10,
    steps: [
      { meet: { committed: -1, logStart: 0, firstOffset: 0 } },
      { batch: refs(0, ['a', 'b']), write: [0, 1], duplicates: [], commits: true, then: 'forget' },
      { knows: false },
      // The commit did go through: the group committed offset 2, so 0-1 are replayed into the filter.
      { meet: { committed: 2, logStart: 0, firstOffset: 2 }, rewindTo: 0 },
      { batch: refs(0, ['a', 'b', 'a', 'c']), write: [3], duplicates: [2], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'a partition lost to another instance mid-batch is forgotten; met again, what the other wrote is only remembered',
    window: 10,
    steps: [
      { meet: { committed: -1, logStart: 0, firstOffset: 0 } },
      { batch: refs(0, ['a', 'b']), write: [0, 1], duplicates: [], commits: true, then: 'committed' },
      // Fenced while writing c, d: the batch is dropped and the partition forgotten.
      { batch: refs(2, ['c', 'd']), write: [0, 1], duplicates: [], commits: true, then: 'forget' },
      { knows: false },
      // The other instance processed up to offset 6 (c, d, e, and a copy of c) before it came back.
      { meet: { committed: 6, logStart: 0, firstOffset: 2 }, rewindTo: 0 },
      { batch: refs(0, ['a', 'b', 'c', 'd', 'e', 'c', 'f', 'd']), write: [6], duplicates: [7], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'a failed transaction forgets the partition, and the same records are written once met again below nothing',
    window: 10,
    steps: [
      { meet: { committed: -1, logStart: 0, firstOffset: 0 } },
      { batch: refs(0, ['a', 'b']), write: [0, 1], duplicates: [], commits: true, then: 'committed' },
      { batch: refs(2, ['c', 'c', 'd']), write: [0, 2], duplicates: [1], commits: true, then: 'forget' },
      // Nothing of the failed batch committed: the group is still at 2, so c and d are written.
      { meet: { committed: 2, logStart: 0, firstOffset: 2 }, rewindTo: 0 },
      { batch: refs(0, ['a', 'b', 'c', 'c', 'd']), write: [2, 4], duplicates: [3], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'records without an id are written and never counted as copies of each other',
    window: 10,
    steps: [
      { meet: { committed: -1, logStart: 0, firstOffset: 0 } },
      { batch: refs(0, [undefined, undefined, '', 'a']), write: [0, 1, 2, 3], duplicates: [], commits: true, then: 'committed' },
    ],
  },
  {
    name: 'a new assignment forgets every partition',
    window: 10,
    steps: [
      { meet: { committed: -1, logStart: 0, firstOffset: 0 } },
      { reset: true },
      { knows: false },
    ],
  },
  {
    name: 'offsets beyond 2^53 are compared exactly',
    window: 1,
    steps: [
      { meet: { committed: -1, logStart: 0, firstOffset: 0 } },
      { batch: [{ offset: 9007199254740993n, id: 'a' }, { offset: 9007199254740994n, id: 'a' }], write: [0], duplicates: [1], commits: true, then: 'committed' },
    ],
  },
];

for (const story of stories) {
  test(`duplicate filter: ${story.name}`, () => {
    const filter = new DuplicateFilter(story.window);
    const P = 3;
    story.steps.forEach((step, n) => {
      const at = `step ${n}`;
      if ('meet' in step) {
        const m = step.meet;
        const got = filter.meet(P, { committed: BigInt(m.committed), logStart: BigInt(m.logStart), firstOffset: BigInt(m.firstOffset) });
        assert.is(got.rewindTo, step.rewindTo === undefined ? undefined : BigInt(step.rewindTo), at);
      } else if ('batch' in step) {
        const plan: BatchPlan = filter.plan(P, step.batch);
        assert.equal(plan.write, step.write, `${at}: written`);
        assert.equal(plan.duplicates, step.duplicates, `${at}: dropped`);
        assert.is(plan.commits, step.commits, `${at}: commits`);
        if (step.then === 'committed') filter.committed(plan);
        if (step.then === 'forget') filter.forget(P);
      } else if ('reset' in step) {
        filter.reset();
      } else {
        assert.is(filter.knows(P), step.knows, at);
      }
    });
  });
}

const keys: { name: string; id: string | undefined; replayOf: string | undefined; key: string | undefined }[] = [
  { name: 'a plain record is known by its id', id: 'm-1', replayOf: undefined, key: 'm-1' },
  { name: 'an empty replay.of is no replay', id: 'm-1', replayOf: '', key: 'm-1' },
  { name: 'no id: no identity, even when replayed', id: undefined, replayOf: 'dlq/0/4', key: undefined },
  { name: 'an empty id: no identity', id: '', replayOf: undefined, key: undefined },
  { name: 'a replayed record is known by its id and the dead letter it replays', id: 'm-1', replayOf: 'dlq/0/4', key: 'm-1\u0000replay.of\u0000dlq/0/4' },
];
for (const c of keys) {
  test(`filter key: ${c.name}`, () => assert.is(filterKey(c.id, c.replayOf), c.key));
}

const replayStories: { name: string; batches: { refs: RawRef[]; write: number[]; duplicates: number[] }[] }[] = [
  {
    name: 'a replay of a dead-lettered event is written although its id was seen',
    batches: [
      { refs: refs(0, [filterKey('e1', undefined)]), write: [0], duplicates: [] },
      { refs: refs(1, [filterKey('e1', 'dlq/2/7')]), write: [0], duplicates: [] },
    ],
  },
  {
    name: 'the same dead letter replayed twice: the second copy is a duplicate',
    batches: [
      { refs: refs(0, [filterKey('e1', undefined), filterKey('e1', 'dlq/2/7')]), write: [0, 1], duplicates: [] },
      { refs: refs(2, [filterKey('e1', 'dlq/2/7')]), write: [], duplicates: [0] },
    ],
  },
  {
    name: 'a replay of the replay\'s own dead letter is written again',
    batches: [
      { refs: refs(0, [filterKey('e1', undefined), filterKey('e1', 'dlq/2/7'), filterKey('e1', 'dlq/0/9')]), write: [0, 1, 2], duplicates: [] },
    ],
  },
  {
    name: 'a redelivered original is still dropped after its replay',
    batches: [
      { refs: refs(0, [filterKey('e1', undefined), filterKey('e1', 'dlq/2/7'), filterKey('e1', undefined)]), write: [0, 1], duplicates: [2] },
    ],
  },
];
for (const story of replayStories) {
  test(`duplicate filter: ${story.name}`, () => {
    const filter = new DuplicateFilter(100);
    filter.meet(0, { committed: -1n, logStart: 0n, firstOffset: 0n });
    story.batches.forEach((b, n) => {
      const plan = filter.plan(0, b.refs);
      assert.equal(plan.write, b.write, `batch ${n}: written`);
      assert.equal(plan.duplicates, b.duplicates, `batch ${n}: dropped`);
      filter.committed(plan);
    });
  });
}

test('duplicate filter: a batch for a partition never met is refused', () => {
  assert.throws(() => new DuplicateFilter(5).plan(1, refs(0, ['a'])), /partition 1 was not met/);
});

test('duplicate filter: partitions are kept apart', () => {
  const filter = new DuplicateFilter(10);
  filter.meet(0, { committed: -1n, logStart: 0n, firstOffset: 0n });
  filter.meet(1, { committed: -1n, logStart: 0n, firstOffset: 0n });
  filter.committed(filter.plan(0, refs(0, ['a'])));
  assert.equal(filter.plan(1, refs(0, ['a'])).write, [0]);
});

test.run();
