// The capacity model: expected figures worked out by hand from the bench's CPU per event
// (connector 324, processor 31.9, sink 13.3 µs) and the assumptions in cli/capacity.ts; one replica
// carries 0.5 core, i.e. 1,543 / 15,673 / 37,593 events/s; one SQS poller 10 messages per 60 ms.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../lib/runtime/paths.js';
import { MEASURED, diskPlan, diskSize, plan, planTable } from '../../cli/capacity.js';
import { planLines } from '../../cli/plan.js';

const cases: { rate: number; replicas: [number, number, number]; partitions: [number, number]; pollers: number; usdPerDay: number }[] = [
  { rate: 1, replicas: [2, 2, 2], partitions: [6, 6], pollers: 1, usdPerDay: 0.006912 },
  { rate: 1_000, replicas: [2, 2, 2], partitions: [6, 6], pollers: 3, usdPerDay: 6.912 },
  { rate: 3_086, replicas: [2, 2, 2], partitions: [6, 6], pollers: 10, usdPerDay: 21.330432 }, // 2 connectors at exactly their capacity
  { rate: 3_087, replicas: [3, 2, 2], partitions: [6, 6], pollers: 7, usdPerDay: 21.337344 }, // one more event: a third connector
  { rate: 10_000, replicas: [7, 2, 2], partitions: [6, 6], pollers: 9, usdPerDay: 69.12 },
  { rate: 100_000, replicas: [65, 7, 3], partitions: [14, 6], pollers: 10, usdPerDay: 691.2 },
  { rate: 1_000_000, replicas: [648, 64, 27], partitions: [128, 54], pollers: 10, usdPerDay: 6912 },
];

for (const c of cases) {
  test(`plan for ${c.rate} events/s: replicas ${c.replicas.join('/')}, partitions ${c.partitions.join('/')}, ${c.pollers} pollers`, () => {
    const p = plan(c.rate);
    assert.equal([p.stages.connector.replicas, p.stages.processor.replicas, p.stages.sink.replicas], c.replicas);
    assert.equal([p.rawPartitions, p.cleanPartitions], c.partitions);
    assert.is(p.sqsPollers, c.pollers);
    assert.is(p.sqsRequestsPerMillionEvents, 200_000);
    assert.ok(Math.abs(p.sqsUsdPerMillionEvents - 0.08) < 1e-12);
    assert.ok(Math.abs(p.sqsUsdPerDay - c.usdPerDay) < 1e-9, `$${p.sqsUsdPerDay} per day`);
    assert.ok(Math.abs(p.stages.connector.coresUsed - c.rate * 324e-6) < 1e-9);
    for (const s of Object.values(p.stages)) {
      assert.ok(s.coresUsed <= s.coresRequested + 1e-9, 'the requested cores cover the cores used');
      assert.is(s.coresRequested, s.replicas * 0.5);
    }
    assert.ok(p.stages.processor.replicas <= p.rawPartitions && p.stages.sink.replicas <= p.cleanPartitions, 'never more consumers than partitions');
  });
}

for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, -Number.MIN_VALUE]) {
  test(`plan refuses ${bad} events/s`, () => {
    assert.throws(() => plan(bad), RangeError);
  });
}

test('the capacity table in docs/deploying.md is the model\'s, for 1k, 10k and 100k events/s', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'deploying.md'), 'utf8');
  for (const line of planTable([1_000, 10_000, 100_000])) assert.ok(doc.includes(line), `docs/deploying.md has the row:\n${line}`);
});

test('the model\'s measured figures are the bench figures in docs/benchmarks.md', () => {
  const readme = readFileSync(join(ROOT, 'docs', 'benchmarks.md'), 'utf8');
  const figures = readme.slice(readme.indexOf('### Figures'), readme.indexOf('### Against the targets'));
  const c = MEASURED.cpuMicrosPerEvent;
  const rss = MEASURED.peakRssMiB;
  for (const text of [
    `connector CPU ${c.connector} µs/msg`, `processor CPU µs/record ${c.processor}`, `sink CPU µs/row ${c.sink}`,
    `| connector alone, SQS backlog |`, `peak RSS MiB ${rss.connector}`, `peak RSS MiB ${rss.processor}`, `peak RSS MiB ${rss.sink}`,
  ]) assert.ok(figures.includes(text), `README "Figures" has "${text}"`);
});

// Disk: 370 bytes of heap and 240 of indexes per row, 610 in all; 86,400 rows a day per event/s.
const disks: { rate: number; perDay: number; partition: string; month: string }[] = [
  { rate: 1, perDay: 86_400, partition: '53 MB', month: '1.6 GB' }, // 52,704,000 bytes a day
  { rate: 100, perDay: 8_640_000, partition: '5.3 GB', month: '158.1 GB' },
  { rate: 1_000, perDay: 86_400_000, partition: '52.7 GB', month: '1.6 TB' },
  { rate: 0.001, perDay: 86.4, partition: '1 MB', month: '2 MB' }, // 52,704 bytes: never shown as 0 MB
];
for (const c of disks) {
  test(`disk at ${c.rate} events/s: ${c.partition} a day's partition, ${c.month} a month`, () => {
    const d = diskPlan(c.rate);
    assert.ok(Math.abs(d.rowsPerDay - c.perDay) < 1e-6);
    assert.ok(Math.abs(d.monthBytes - 30 * d.partitionBytes) < 1e-3);
    assert.is(diskSize(d.partitionBytes), c.partition);
    assert.is(diskSize(d.monthBytes), c.month);
  });
}
for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
  test(`diskPlan refuses ${bad} events/s`, () => {
    assert.throws(() => diskPlan(bad), RangeError);
  });
}

test('`loginpipe plan` says the disk of a day\'s partition and of a month', () => {
  assert.match(planLines(1_000).join('\n'), /86,400,000 rows a day, one partition of about 52\.7 GB per day and 1\.6 TB per month/);
});

test('`loginpipe plan` prints the row, the measured figures and the assumptions', () => {
  const lines = planLines(10_000);
  assert.is(lines[2], planTable([10_000])[2]);
  const text = lines.join('\n');
  assert.match(text, /Measured .*connector 324, processor 31\.9, sink 13\.3/);
  assert.match(text, /Assumed: 0\.5 core per replica/);
  assert.match(text, /\$0\.40 per million requests/);
});

test.run();
