import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEAD_LETTER_CODES } from '../../lib/records/dead-letter-codes.js';
import { OutageCount, createMetrics, processMetrics, type Dependency } from '../../lib/observability/metrics.js';

// The names, types and labels the issue fixes (the dashboard and alerts depend on them), written
// out here rather than read from lib/observability/metrics.ts, so that a rename there fails this test.
const EXPECTED: { name: string; type: string; labels: string[] }[] = [
  { name: 'loginpipe_connector_messages_received_total', type: 'counter', labels: [] },
  { name: 'loginpipe_connector_messages_published_total', type: 'counter', labels: [] },
  { name: 'loginpipe_connector_messages_deleted_total', type: 'counter', labels: [] },
  { name: 'loginpipe_connector_too_large_total', type: 'counter', labels: [] },
  { name: 'loginpipe_processor_records_total', type: 'counter', labels: ['outcome'] },
  { name: 'loginpipe_dead_letters_total', type: 'counter', labels: ['code'] },
  { name: 'loginpipe_processor_transactions_total', type: 'counter', labels: ['result'] },
  { name: 'loginpipe_processor_batch_records', type: 'histogram', labels: [] },
  { name: 'loginpipe_sink_rows_total', type: 'counter', labels: ['result'] },
  { name: 'loginpipe_sink_batch_seconds', type: 'histogram', labels: [] },
  { name: 'loginpipe_sink_rows_outside_partitions_total', type: 'counter', labels: [] },
  { name: 'loginpipe_user_logins_default_rows', type: 'gauge', labels: [] },
  { name: 'loginpipe_user_logins_partitions_total', type: 'counter', labels: ['action'] },
  { name: 'loginpipe_user_logins_rows_expired_total', type: 'counter', labels: [] },
  { name: 'loginpipe_user_logins_upkeep_failures_total', type: 'counter', labels: [] },
  { name: 'loginpipe_end_to_end_seconds', type: 'histogram', labels: [] },
  { name: 'loginpipe_consumer_lag', type: 'gauge', labels: ['group', 'topic', 'partition'] },
  { name: 'loginpipe_sqs_messages', type: 'gauge', labels: ['queue', 'state'] },
  { name: 'loginpipe_outage', type: 'gauge', labels: ['dependency'] },
];

test('every metric the issue names is declared with its type, labels and help text', async () => {
  const m = createMetrics();
  const declared = new Map(m.registry.getMetricsAsArray().map((x) => [x.name, x as unknown as { type: string; help: string; labelNames: string[] }]));
  for (const e of EXPECTED) {
    const d = declared.get(e.name);
    assert.ok(d, `${e.name} is declared`);
    assert.is(d!.type, e.type, `${e.name} is a ${e.type}`);
    assert.equal([...d!.labelNames].sort(), [...e.labels].sort(), `${e.name} labels`);
    assert.ok(d!.help.length > 20, `${e.name} has help text`);
  }
  assert.is(declared.size, EXPECTED.length, 'and nothing else is declared by createMetrics');
});

test('the text format carries HELP and TYPE lines and the label values known in advance at 0', async () => {
  const text = await createMetrics().registry.metrics();
  for (const e of EXPECTED) {
    assert.ok(text.includes(`# HELP ${e.name} `), `HELP for ${e.name}`);
    assert.ok(text.includes(`# TYPE ${e.name} ${e.type}`), `TYPE for ${e.name}`);
  }
  for (const line of [
    'loginpipe_processor_records_total{outcome="clean"} 0',
    'loginpipe_processor_records_total{outcome="dead_letter"} 0',
    'loginpipe_processor_records_total{outcome="duplicate"} 0',
    'loginpipe_processor_transactions_total{result="committed"} 0',
    'loginpipe_processor_transactions_total{result="aborted"} 0',
    'loginpipe_processor_transactions_total{result="unknown"} 0',
    'loginpipe_sink_rows_total{result="inserted"} 0',
    'loginpipe_sink_rows_total{result="duplicate"} 0',
    'loginpipe_sink_rows_total{result="rejected"} 0',
    'loginpipe_user_logins_partitions_total{action="created"} 0',
    'loginpipe_user_logins_partitions_total{action="dropped"} 0',
    'loginpipe_outage{dependency="kafka"} 0',
    'loginpipe_outage{dependency="sqs"} 0',
    'loginpipe_outage{dependency="postgres"} 0',
    'loginpipe_outage{dependency="registry"} 0',
    'loginpipe_end_to_end_seconds_count 0',
    ...DEAD_LETTER_CODES.map(({ code }) => `loginpipe_dead_letters_total{code="${code}"} 0`),
  ]) {
    assert.ok(text.split('\n').includes(line), `line "${line}"`);
  }
});

test('the process registry adds the default process metrics: CPU, RSS and event-loop lag', async () => {
  const names = new Set(processMetrics().registry.getMetricsAsArray().map((x) => x.name));
  for (const n of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds']) assert.ok(names.has(n), n);
  assert.is(processMetrics(), processMetrics(), 'one registry per process');
});

test('scrape samplers run before their gauge is read, and not after being stopped', async () => {
  const m = createMetrics();
  let reads = 0;
  const stop = m.sampleOnScrape(async () => { reads++; m.consumerLag.set({ group: 'g', topic: 't', partition: '0' }, 7); });
  assert.ok((await m.registry.metrics()).includes('loginpipe_consumer_lag{group="g",topic="t",partition="0"} 7'));
  assert.is(reads, 3, 'each sampled gauge (lag, queue, outage) asks; the sampler itself keeps to its interval');
  stop();
  await m.registry.metrics();
  assert.is(reads, 3);
});

// The outage gauge: each step is [what happens, dependency, the gauge after it].
const outageCases: { name: string; steps: ['began' | 'ended', Dependency][]; expected: Partial<Record<Dependency, number>> }[] = [
  { name: 'an outage sets 1', steps: [['began', 'kafka']], expected: { kafka: 1, sqs: 0 } },
  { name: 'its end sets 0 again', steps: [['began', 'sqs'], ['ended', 'sqs']], expected: { sqs: 0 } },
  { name: 'two services down on one dependency: still 1 when only one recovers', steps: [['began', 'kafka'], ['began', 'kafka'], ['ended', 'kafka']], expected: { kafka: 1 } },
  { name: '...and 0 when both have', steps: [['began', 'kafka'], ['began', 'kafka'], ['ended', 'kafka'], ['ended', 'kafka']], expected: { kafka: 0 } },
  { name: 'an end without a beginning changes nothing', steps: [['ended', 'postgres'], ['began', 'postgres']], expected: { postgres: 1 } },
  { name: 'dependencies are independent', steps: [['began', 'postgres'], ['began', 'registry'], ['ended', 'postgres']], expected: { postgres: 0, registry: 1 } },
];

for (const c of outageCases) {
  test(`outage gauge: ${c.name}`, async () => {
    const m = createMetrics();
    for (const [step, dep] of c.steps) m.outages[step](dep);
    for (const [dep, value] of Object.entries(c.expected)) {
      assert.is((await m.outage.get()).values.find((v) => v.labels.dependency === dep)?.value, value, dep);
      assert.is(m.outages.isDown(dep as Dependency), value === 1);
    }
  });
}

test('OutageCount alone reports only changes', () => {
  const changes: string[] = [];
  const o = new OutageCount();
  o.onChange = (d, down) => changes.push(`${d}:${down ? 'down' : 'up'}`);
  o.began('kafka'); o.began('kafka'); o.ended('kafka'); o.ended('kafka'); o.ended('kafka');
  assert.equal(changes, ['kafka:down', 'kafka:up']);
});

test.run();
