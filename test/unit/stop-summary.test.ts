// The processor's and sink's stop lines are read from the Prometheus counters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMetrics } from '../../lib/observability/metrics.js';
import { counterTotal, processorSummary, sinkSummary, type CounterData } from '../../lib/observability/stop-summary.js';

const series = (...s: [number, Record<string, string | number>][]): CounterData => ({ values: s.map(([value, labels]) => ({ value, labels })) });

const cases: { name: string; data: CounterData; labels?: Record<string, string>; want: number }[] = [
  { name: 'no series', data: series(), want: 0 },
  { name: 'no series, asked for a label', data: series(), labels: { outcome: 'clean' }, want: 0 },
  { name: 'one unlabelled series', data: series([5, {}]), want: 5 },
  { name: 'every series when no labels are asked for', data: series([2, { outcome: 'clean' }], [3, { outcome: 'dead_letter' }]), want: 5 },
  { name: 'the series with the label', data: series([2, { outcome: 'clean' }], [3, { outcome: 'dead_letter' }]), labels: { outcome: 'dead_letter' }, want: 3 },
  { name: 'several series sharing the label', data: series([2, { code: 'x', topic: 'a' }], [4, { code: 'x', topic: 'b' }], [8, { code: 'y', topic: 'a' }]), labels: { code: 'x' }, want: 6 },
  { name: 'all asked labels must match', data: series([2, { code: 'x', topic: 'a' }], [4, { code: 'x', topic: 'b' }]), labels: { code: 'x', topic: 'b' }, want: 4 },
  { name: 'a label value nobody has', data: series([2, { outcome: 'clean' }]), labels: { outcome: 'nope' }, want: 0 },
  { name: 'a label name nobody has', data: series([2, { outcome: 'clean' }]), labels: { result: 'clean' }, want: 0 },
  { name: 'a series without the asked label', data: series([2, {}]), labels: { outcome: 'undefined' }, want: 0 },
  { name: 'a numeric label value', data: series([7, { partition: 0 }], [1, { partition: 1 }]), labels: { partition: '0' }, want: 7 },
  { name: 'a label named like an Object property', data: series([7, { outcome: 'clean' }]), labels: { constructor: 'clean' }, want: 0 },
  { name: 'a value that is not finite', data: series([Number.NaN, { outcome: 'clean' }], [Infinity, { outcome: 'clean' }], [1, { outcome: 'clean' }]), labels: { outcome: 'clean' }, want: 1 },
];
for (const c of cases) {
  test(`counterTotal: ${c.name}`, () => {
    assert.is(counterTotal(c.data, c.labels), c.want);
  });
}

test('a fresh registry stops with every total at 0', async () => {
  const m = createMetrics();
  assert.equal(await processorSummary(m), { clean: 0, dead: 0, duplicates: 0, transactions: 0, partitionsLost: 0 });
  assert.equal(await sinkSummary(m), { inserted: 0, duplicates: 0, rejected: 0, undecodable: 0 });
});

test('the processor stop line counts records by outcome, committed transactions only, and partitions lost to a fence', async () => {
  const m = createMetrics();
  m.processorRecords.inc({ outcome: 'clean' }, 93);
  m.processorRecords.inc({ outcome: 'dead_letter' }, 7);
  m.processorRecords.inc({ outcome: 'duplicate' }, 2);
  m.processorTransactions.inc({ result: 'committed' }, 8);
  m.processorTransactions.inc({ result: 'aborted' });
  m.processorTransactions.inc({ result: 'unknown' });
  m.processorTransactions.inc({ result: 'fenced' }, 3);
  // The sink's counters are not the processor's.
  m.sinkRows.inc({ result: 'inserted' }, 50);
  assert.equal(await processorSummary(m), { clean: 93, dead: 7, duplicates: 2, transactions: 8, partitionsLost: 3 });
});

test('the sink stop line counts rows by result and the clean records it could not decode', async () => {
  const m = createMetrics();
  m.sinkRows.inc({ result: 'inserted' }, 90);
  m.sinkRows.inc({ result: 'duplicate' }, 3);
  m.sinkRows.inc({ result: 'rejected' }, 1);
  m.deadLetters.inc({ code: 'invalid_avro' }, 4);
  // The processor's dead letters are not undecodable records.
  m.deadLetters.inc({ code: 'invalid_json' }, 6);
  m.processorRecords.inc({ outcome: 'clean' }, 11);
  assert.equal(await sinkSummary(m), { inserted: 90, duplicates: 3, rejected: 1, undecodable: 4 });
});

test.run();
