import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Message, ProducerRecord } from 'kafkajs';
import { groupByPartition, sendPerPartition } from '../../lib/kafka/partition-sends.js';

// The rule: every message lands in exactly one group, the group of the partition it names or else
// of its key's partition; each group keeps the messages' order; a send() names one partition only.

const keyed = (keys: string[]): Message[] => keys.map((key, i) => ({ key, value: `v${i}` }));

const cases: { name: string; messages: Message[]; partitions: number }[] = [
  { name: 'no messages', messages: [], partitions: 6 },
  { name: 'one partition takes everything', messages: keyed(['a', 'b', 'c']), partitions: 1 },
  { name: 'SQS message ids over 6 partitions', messages: keyed(Array.from({ length: 200 }, (_, i) => `0b6f${i}-8c1e-4d2a-9b1f-${i}`)), partitions: 6 },
  { name: 'the same key twice', messages: keyed(['same', 'other', 'same']), partitions: 4 },
  { name: 'empty and odd keys', messages: keyed(['', ' ', '\u0000', 'é', '🙂', 'x'.repeat(10_000)]), partitions: 3 },
  { name: 'messages without a key', messages: [{ value: 'a' }, { key: null, value: 'b' }, { value: 'c' }], partitions: 5 },
  { name: 'a message that names its partition', messages: [{ key: 'a', value: '1', partition: 2 }, { key: 'a', value: '2' }], partitions: 3 },
];

for (const c of cases) {
  test(`groupByPartition: ${c.name}`, () => {
    const groups = groupByPartition('t', c.messages, c.partitions);
    const values = [...groups.values()].flat().map((m) => m.value);
    assert.equal([...values].sort(), c.messages.map((m) => m.value).sort(), 'each message exactly once');
    for (const [partition, group] of groups) {
      assert.ok(partition >= 0 && partition < c.partitions);
      for (const m of group) assert.is(m.partition, partition);
      const order = group.map((m) => c.messages.findIndex((o) => o.value === m.value));
      assert.equal(order, [...order].sort((a, b) => a - b), 'order kept within a partition');
    }
    const byKey = new Map<string, number>();
    for (const [partition, group] of groups) {
      for (const m of group) {
        if (typeof m.key !== 'string') continue;
        const named = c.messages.find((o) => o.value === m.value)!.partition;
        if (named !== undefined) assert.is(partition, named);
        else if (byKey.has(m.key)) assert.is(byKey.get(m.key), partition, `key ${m.key} in one partition`);
        else byKey.set(m.key, partition);
      }
    }
  });
}

test('groupByPartition: does not change the messages it is given', () => {
  const messages = keyed(['a', 'b']);
  groupByPartition('t', messages, 2);
  assert.equal(messages, keyed(['a', 'b']));
});

for (const partitions of [0, -1, 1.5, Number.NaN]) {
  test(`groupByPartition: refuses ${partitions} partitions`, () => {
    assert.throws(() => groupByPartition('t', keyed(['a']), partitions), /cannot place/);
  });
}

for (const partition of [3, -1, 99]) {
  test(`groupByPartition: refuses a message naming partition ${partition} of 3`, () => {
    assert.throws(() => groupByPartition('t', [{ key: 'a', value: 'x', partition }], 3), /partitions 0-2/);
  });
}

/** A producer that records each send() and fails the partitions it is told to. */
function recorder(failing: Set<number> = new Set()) {
  const sends: { partitions: number[]; values: string[] }[] = [];
  let settled = 0;
  return {
    sends,
    settled: () => settled,
    async send(record: ProducerRecord) {
      const partitions = [...new Set(record.messages.map((m) => m.partition!))];
      await new Promise((r) => setTimeout(r, partitions[0]! * 2));
      settled++;
      sends.push({ partitions, values: record.messages.map((m) => String(m.value)) });
      if (partitions.some((p) => failing.has(p))) throw new Error(`partition ${partitions.join(',')} failed`);
    },
  };
}

test('sendPerPartition: each send() names one partition, and every message is sent', async () => {
  const messages = keyed(Array.from({ length: 60 }, (_, i) => `id-${i}`));
  const to = recorder();
  await sendPerPartition(to, 't', messages, 6);
  for (const s of to.sends) assert.is(s.partitions.length, 1);
  assert.equal(to.sends.flatMap((s) => s.values).sort(), messages.map((m) => String(m.value)).sort());
});

test('sendPerPartition: a failed partition rejects, after the other partitions finished', async () => {
  const messages = keyed(Array.from({ length: 60 }, (_, i) => `id-${i}`));
  const groups = groupByPartition('t', messages, 6);
  const first = Math.min(...groups.keys());
  const to = recorder(new Set([first]));
  await sendPerPartition(to, 't', messages, 6).then(() => assert.unreachable('resolved'), (err: Error) => assert.match(err.message, `partition ${first} failed`));
  assert.is(to.settled(), groups.size, 'no send still in flight when it rejects');
});

test('sendPerPartition: splits a partition\'s share by bytes, still one partition per send()', async () => {
  const messages = keyed(['a', 'a', 'a', 'a']).map((m) => ({ ...m, value: 'x'.repeat(400) }));
  const to = recorder();
  await sendPerPartition(to, 't', messages, 6, 1000);
  assert.is(to.sends.length, 4 / 2);
  for (const s of to.sends) assert.is(s.partitions.length, 1);
});

test.run();
