import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { approxRecordBytes, chunkByBytes } from '../../lib/kafka/chunk-by-bytes.js';
import { prng } from '../../cli/sample-logins.js';

// Items are their index and a size; expected chunks are lists of indices, worked out by hand from
// the rule: a chunk takes items in order while their sizes sum to at most maxBytes and it holds
// fewer than maxCount; an item that alone is over maxBytes gets a chunk of its own.

interface Item { id: number; size: number }
const items = (sizes: number[]): Item[] => sizes.map((size, id) => ({ id, size }));
const sizeOf = (i: Item) => i.size;

const cases: { name: string; input: { sizes: number[]; maxBytes: number; maxCount?: number }; expected: number[][] }[] = [
  { name: 'no items give no chunks', input: { sizes: [], maxBytes: 100 }, expected: [] },
  { name: 'items that all fit go in one chunk', input: { sizes: [10, 20, 30], maxBytes: 100 }, expected: [[0, 1, 2]] },
  { name: 'items summing to exactly maxBytes share one chunk', input: { sizes: [40, 60], maxBytes: 100 }, expected: [[0, 1]] },
  { name: 'one byte over maxBytes starts a new chunk', input: { sizes: [40, 61], maxBytes: 100 }, expected: [[0], [1]] },
  { name: 'a full chunk is closed and the next item starts another', input: { sizes: [50, 50, 1], maxBytes: 100 }, expected: [[0, 1], [2]] },
  { name: 'an item bigger than maxBytes in the middle gets its own chunk', input: { sizes: [10, 500, 10], maxBytes: 100 }, expected: [[0], [1], [2]] },
  { name: 'a lone item bigger than maxBytes is still sent', input: { sizes: [500], maxBytes: 100 }, expected: [[0]] },
  { name: 'two items bigger than maxBytes get one chunk each', input: { sizes: [500, 500], maxBytes: 100 }, expected: [[0], [1]] },
  { name: 'an item bigger than maxBytes first, then small ones together', input: { sizes: [101, 1, 1], maxBytes: 100 }, expected: [[0], [1, 2]] },
  { name: 'maxCount closes a chunk even when bytes are left', input: { sizes: [1, 1, 1, 1, 1], maxBytes: 100, maxCount: 2 }, expected: [[0, 1], [2, 3], [4]] },
  { name: 'maxCount 1 gives one chunk per item', input: { sizes: [1, 2, 3], maxBytes: 100, maxCount: 1 }, expected: [[0], [1], [2]] },
  { name: 'bytes close a chunk before maxCount is reached', input: { sizes: [30, 30, 30, 30], maxBytes: 70, maxCount: 3 }, expected: [[0, 1], [2, 3]] },
  { name: 'maxCount exactly equal to the item count gives one chunk', input: { sizes: [5, 5, 5], maxBytes: 100, maxCount: 3 }, expected: [[0, 1, 2]] },
  { name: 'zero-byte items fit any limit', input: { sizes: [0, 0, 0], maxBytes: 0 }, expected: [[0, 1, 2]] },
  { name: 'maxBytes 0 puts every sized item alone', input: { sizes: [1, 1], maxBytes: 0 }, expected: [[0], [1]] },
];

for (const c of cases) {
  test(`chunkByBytes: ${c.name}`, () => {
    const input = items(c.input.sizes);
    const chunks = chunkByBytes(input, sizeOf, c.input.maxBytes, c.input.maxCount);
    assert.equal(chunks.map((chunk) => chunk.map((i) => i.id)), c.expected);
  });
}

test('chunkByBytes: does not change the input array', () => {
  const input = items([60, 60, 60]);
  const copy = [...input];
  chunkByBytes(input, sizeOf, 100);
  assert.equal(input, copy);
});

test('chunkByBytes: asks the size of each item once', () => {
  const asked = new Map<number, number>();
  const input = items([10, 95, 3, 200, 7, 7, 7]);
  chunkByBytes(input, (i) => { asked.set(i.id, (asked.get(i.id) ?? 0) + 1); return i.size; }, 100, 3);
  assert.equal([...asked.values()], input.map(() => 1));
});

// A property over many random inputs: everything comes out once, in order, within the limits,
// and no chunk is closed while the next item would still have fitted (greedy, so no more chunks
// than needed). The oracle is the rule itself, checked chunk by chunk.
test('chunkByBytes: over 2,000 seeded random inputs, no item is lost, duplicated or reordered and every limit holds', () => {
  const rand = prng(20240611);
  const int = (n: number) => Math.floor(rand() * n);
  for (let run = 0; run < 2000; run++) {
    const input = items(Array.from({ length: int(60) }, () => (rand() < 0.05 ? 150 + int(400) : int(120))));
    const maxBytes = 1 + int(300);
    const maxCount = rand() < 0.3 ? Infinity : 1 + int(10);
    const chunks = chunkByBytes(input, sizeOf, maxBytes, maxCount);
    const where = `run ${run}: maxBytes ${maxBytes}, maxCount ${maxCount}, sizes ${input.map(sizeOf).join(',')}`;

    assert.equal(chunks.flat(), input, `items lost, duplicated or reordered; ${where}`);
    for (const [k, chunk] of chunks.entries()) {
      assert.ok(chunk.length > 0, `empty chunk; ${where}`);
      const bytes = chunk.reduce((n, i) => n + i.size, 0);
      assert.ok(chunk.length <= maxCount, `chunk ${k} holds ${chunk.length} items; ${where}`);
      assert.ok(bytes <= maxBytes || chunk.length === 1, `chunk ${k} holds ${bytes} bytes in ${chunk.length} items; ${where}`);
      const next = chunks[k + 1]?.[0];
      if (next !== undefined) {
        assert.ok(bytes + next.size > maxBytes || chunk.length + 1 > maxCount, `chunk ${k} was closed although item ${next.id} fitted; ${where}`);
      }
    }
  }
});

// ---- approxRecordBytes ---------------------------------------------------------------------------
// 64 bytes of overhead per record, plus key and value bytes, plus 8 bytes and the name and value
// bytes per header (summed over the values of a repeated header).

const recordCases: { name: string; input: Parameters<typeof approxRecordBytes>[0]; expected: number }[] = [
  { name: 'a record with no key, a null value and no headers is the overhead alone', input: { value: null }, expected: 64 },
  { name: 'a null key counts nothing', input: { key: null, value: Buffer.alloc(10) }, expected: 74 },
  { name: 'string key and Buffer value count their bytes', input: { key: 'abc', value: Buffer.alloc(10) }, expected: 77 },
  { name: 'strings count UTF-8 bytes, not characters', input: { key: 'é', value: '日本' }, expected: 64 + 2 + 6 },
  { name: 'an emoji counts four bytes', input: { value: '😀' }, expected: 68 },
  { name: 'each header adds 8 plus its name and value bytes', input: { value: null, headers: { a: 'xy', bb: Buffer.alloc(5) } }, expected: 64 + (8 + 1 + 2) + (8 + 2 + 5) },
  { name: 'a header name counts UTF-8 bytes', input: { value: null, headers: { 'ключ': 'v' } }, expected: 64 + 8 + 8 + 1 },
  { name: 'a repeated header (an array, as kafkajs gives it) counts every value', input: { value: null, headers: { h: [Buffer.alloc(2), 'abc'] } }, expected: 64 + 8 + 1 + 2 + 3 },
  { name: 'a header without a value counts its name only', input: { value: null, headers: { h: undefined } }, expected: 64 + 8 + 1 },
  { name: 'an empty value counts nothing beyond the overhead', input: { key: '', value: Buffer.alloc(0) }, expected: 64 },
];

for (const c of recordCases) {
  test(`approxRecordBytes: ${c.name}`, () => {
    assert.is(approxRecordBytes(c.input), c.expected);
  });
}

test('approxRecordBytes: a 1 MiB value is never under-counted', () => {
  const value = Buffer.alloc(1024 * 1024);
  assert.ok(approxRecordBytes({ key: 'k', value, headers: { 'sqs.message_id': 'm' } }) >= value.length + 1 + 'sqs.message_id'.length + 1);
});

test.run();
