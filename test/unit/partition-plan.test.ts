import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countAt, parsePartitionPlan, planMismatch } from '../../connector/partition-plan.js';
import { groupByPartition, partitionFor } from '../../lib/kafka/partition-sends.js';

const T = Date.parse('2026-12-10T00:00:00Z');

const valid: { input: string; expected: { count: number; fromMs: number }[] }[] = [
  { input: '6', expected: [{ count: 6, fromMs: -Infinity }] },
  { input: ' 6 ', expected: [{ count: 6, fromMs: -Infinity }] },
  { input: '6,12@2026-12-10T00:00:00Z', expected: [{ count: 6, fromMs: -Infinity }, { count: 12, fromMs: T }] },
  { input: '6, 12@2026-12-10T01:00:00+01:00', expected: [{ count: 6, fromMs: -Infinity }, { count: 12, fromMs: T }] },
  { input: '6,12@2026-12-10T00:00Z,24@2026-12-10T00:00:00.001Z', expected: [{ count: 6, fromMs: -Infinity }, { count: 12, fromMs: T }, { count: 24, fromMs: T + 1 }] },
];
for (const c of valid) {
  test(`parsePartitionPlan accepts ${JSON.stringify(c.input)}`, () => assert.equal(parsePartitionPlan(c.input), c.expected));
}

const invalid: { input: string; error: RegExp }[] = [
  { input: '', error: /must start with a partition count/ },
  { input: 'six', error: /must start with a partition count/ },
  { input: '0', error: /between 1 and 10000/ },
  { input: '99999', error: /between 1 and 10000/ },
  { input: '-6', error: /must start/ },
  { input: '6@2026-12-10T00:00:00Z', error: /must start with a partition count/ },
  { input: '6,12', error: /entry 2 must be <count>@/ },
  { input: '6,12@2026-12-10', error: /entry 2 must be/ },
  { input: '6,12@2026-12-10T00:00:00', error: /entry 2 must be/ },
  { input: '6,12@2026-13-40T00:00:00Z', error: /is not a time/ },
  { input: '6,4@2026-12-10T00:00:00Z', error: /counts must increase/ },
  { input: '6,6@2026-12-10T00:00:00Z', error: /counts must increase/ },
  { input: '6,12@2026-12-10T00:00:00Z,24@2026-12-09T00:00:00Z', error: /times must increase/ },
  { input: '6,,12@2026-12-10T00:00:00Z', error: /entry 2/ },
  { input: `6,${'9'.repeat(500)}`, error: /entry 2/ },
];
for (const c of invalid) {
  test(`parsePartitionPlan refuses ${JSON.stringify(c.input.slice(0, 40))}`, () => {
    assert.throws(() => parsePartitionPlan(c.input), c.error);
  });
}

test('a refusal never echoes more than a bounded piece of the setting', () => {
  try {
    parsePartitionPlan(`6,${'x'.repeat(10_000)}`);
    assert.unreachable();
  } catch (err) {
    assert.ok((err as Error).message.length < 200);
  }
});

const plan = parsePartitionPlan('6,12@2026-12-10T00:00:00Z,24@2027-01-01T00:00:00Z');
const counts: { name: string; sent: number | undefined; expected: number }[] = [
  { name: 'long before the first switch', sent: 0, expected: 6 },
  { name: 'one ms before the switch', sent: T - 1, expected: 6 },
  { name: 'at the switch', sent: T, expected: 12 },
  { name: 'between switches', sent: T + 86_400_000, expected: 12 },
  { name: 'after the last switch', sent: Date.parse('2030-01-01T00:00:00Z'), expected: 24 },
  { name: 'no sent time: the first count, whatever comes later', sent: undefined, expected: 6 },
  { name: 'a sent time that is not a number', sent: NaN, expected: 6 },
];
for (const c of counts) {
  test(`countAt: ${c.name} -> ${c.expected}`, () => assert.is(countAt(plan, c.sent), c.expected));
}

test('a copy of a message sent before the switch goes to the partition of its first delivery, whenever it is published', () => {
  for (let i = 0; i < 200; i++) {
    const message = { key: `msg-${i}`, value: 'x' };
    const first = partitionFor('raw', message, countAt(plan, T - 5_000));
    // The copy: same id, same sent time; published after the switch, by a connector with the new plan.
    assert.is(partitionFor('raw', message, countAt(plan, T - 5_000)), first);
    // And where a connector placed it before anyone had a plan: the topic's count then, 6.
    assert.is(groupByPartition('raw', [message], 6).keys().next().value, first);
  }
});

const mismatches: { name: string; plan: string; topic: number; problem: RegExp | undefined }[] = [
  { name: 'the topic has the plan\'s last count', plan: '6,12@2026-12-10T00:00:00Z', topic: 12, problem: undefined },
  { name: 'an increase nobody planned', plan: '6', topic: 12, problem: /has 12 partitions, but PLAN places messages on 6: .*processed twice.*RAW_PARTITION_PLAN to "6,12@<a time/ },
  { name: 'a plan ahead of the topic', plan: '6,12@2026-12-10T00:00:00Z', topic: 6, problem: /add the partitions first \(kafka-topics.sh --alter --topic raw --partitions 12\)/ },
];
for (const c of mismatches) {
  test(`planMismatch: ${c.name}`, () => {
    const problem = planMismatch(parsePartitionPlan(c.plan), 'raw', c.topic, 'PLAN');
    if (c.problem === undefined) assert.is(problem, undefined);
    else assert.match(problem ?? '', c.problem);
  });
}

test.run();
