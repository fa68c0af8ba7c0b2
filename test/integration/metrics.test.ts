// /metrics of each service against a known mix sent through the real stack: the counters equal
// what was sent (clean, dead letters by code, rows), the consumer lag returns to 0, the queue
// gauges see the main and the redrive queue, and the histograms count what they should.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { sendBodies } from '../../lib/sqs/client.js';
import { DEAD_LETTER_CODES } from '../../lib/records/dead-letter-codes.js';
import { migrate } from '../../sink/migrate.js';
import { HEADER_MESSAGE_ID } from '../../lib/records/headers.js';
import { createTopics, db, newWorld, produce, produceRaw, sqs, startLoginpipe, waitUntil, type LoginpipeProcess, type World } from './harness.js';
import { loginsSomeRefused, refuseLocaleXX } from './refused-rows.js';
import { rowCount } from './user-logins-table.js';

interface Sample { name: string; labels: Record<string, string>; value: number }

/** The Prometheus text format, as far as prom-client writes it. */
function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a well-formed sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m![1]!, labels, value: Number(m![3]) });
  }
  return out;
}

class Scrape {
  constructor(readonly text: string, readonly samples: Sample[]) {}
  static async of(port: number): Promise<Scrape> {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    return new Scrape(text, parseMetrics(text));
  }
  /** The one sample of `name` whose labels include `labels`. */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.all(name, labels);
    assert.is(found.length, 1, `one sample ${name}${JSON.stringify(labels)}`);
    return found[0]!.value;
  }
  all(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }
}

function healthPort(p: LoginpipeProcess, service: string): number {
  for (const l of p.lines) {
    if (!l.includes('health endpoints listening')) continue;
    const entry = JSON.parse(l) as { service: string; port: number };
    if (entry.service === service) return entry.port;
  }
  throw new Error(`${service} logged no health port`);
}

/** A redrive queue for the world's queue: a message received once and not deleted moves there. */
async function addRedriveQueue(world: World): Promise<string> {
  const dead = await sqs.send(new CreateQueueCommand({ QueueName: `q-${world.id}-redrive` }));
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dead.QueueUrl!, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await sqs.send(new SetQueueAttributesCommand({
    QueueUrl: world.queueUrl,
    Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 1 }) },
  }));
  return dead.QueueUrl!;
}

const EVENTS = 300;
const PARTITIONS = 4;

test('each service\'s /metrics counts exactly the traffic sent through it', async () => {
  // The huge body's visibility runs out quickly, so SQS moves it to the redrive queue soon.
  const world = await newWorld('metrics', { SQS_VISIBILITY_TIMEOUT_SECONDS: '5', TOPIC_PARTITIONS: String(PARTITIONS) });
  const redriveUrl = await addRedriveQueue(world);
  const services: LoginpipeProcess[] = [];
  try {
    // A raw topic too small for one body: the connector dead-letters it as too_large.
    await createTopics(world, [{ name: 'max.message.bytes', value: '8192' }]);
    const sink = await startLoginpipe('sink', world.env);
    services.push(sink);
    const processor = await startLoginpipe('processor', world.env);
    services.push(processor);
    const connector = await startLoginpipe('connector', world.env);
    services.push(connector);
    const ports = { sink: healthPort(sink, 'sink'), processor: healthPort(processor, 'processor'), connector: healthPort(connector, 'connector') };

    const samples = createSampleLogins(4242).batch(EVENTS, 0.2);
    const huge = JSON.stringify({ user_id: 'u', ip: '10.0.0.1', device_id: 'd', pad: 'z'.repeat(20_000) });
    await sendBodies(sqs, world.queueUrl, [...samples.map((s) => s.body), huge]);
    const valid = samples.filter((s) => s.expectedCode === undefined).length;
    const byCode = new Map<string, number>();
    for (const s of samples) if (s.expectedCode) byCode.set(s.expectedCode, (byCode.get(s.expectedCode) ?? 0) + 1);
    assert.ok(byCode.size >= 4 && valid > 200, 'the mix has valid events and several kinds of malformed ones');

    // Ground truth first: every row in the table.
    await waitUntil(async () => (await rowCount(world.schema)) === valid, {
      timeoutMs: 90_000, what: `${valid} rows`, state: () => rowCount(world.schema),
    });

    // The lag gauges are sampled at most every few seconds: wait for a reading after the work.
    const lagIsZero = async (port: number, group: string, topic: string) => {
      const lags = (await Scrape.of(port)).all('loginpipe_consumer_lag', { group, topic });
      return lags.length === PARTITIONS && lags.every((l) => l.value === 0);
    };
    await waitUntil(() => lagIsZero(ports.processor, world.env.PROCESSOR_GROUP_ID!, world.env.RAW_TOPIC!), {
      timeoutMs: 60_000, what: 'the processor group\'s lag to be 0 on every partition',
      state: async () => (await Scrape.of(ports.processor)).all('loginpipe_consumer_lag'),
    });
    await waitUntil(() => lagIsZero(ports.sink, world.env.SINK_GROUP_ID!, world.env.CLEAN_TOPIC!), {
      timeoutMs: 60_000, what: 'the sink group\'s lag to be 0 on every partition',
      state: async () => (await Scrape.of(ports.sink)).all('loginpipe_consumer_lag'),
    });
    // The huge message is received once, not deleted, and moved to the redrive queue by SQS.
    await waitUntil(async () => {
      const c = await Scrape.of(ports.connector);
      const main = c.all('loginpipe_sqs_messages', { queue: 'main' }).reduce((n, s) => n + s.value, 0);
      return main === 0 && c.value('loginpipe_sqs_messages', { queue: 'redrive', state: 'visible' }) === 1;
    }, {
      timeoutMs: 60_000, what: 'the main queue empty and the huge message in the redrive queue',
      state: async () => (await Scrape.of(ports.connector)).all('loginpipe_sqs_messages'),
    });

    const c = await Scrape.of(ports.connector);
    assert.is(c.value('loginpipe_connector_messages_received_total'), EVENTS + 1, 'received: every message, once');
    assert.is(c.value('loginpipe_connector_messages_published_total'), EVENTS, 'published: all but the huge one');
    assert.is(c.value('loginpipe_connector_messages_deleted_total'), EVENTS, 'deleted: what was published');
    assert.is(c.value('loginpipe_connector_too_large_total'), 1);
    assert.is(c.value('loginpipe_dead_letters_total', { code: 'too_large' }), 1, 'the connector counts its dead letter');
    assert.is(c.value('loginpipe_sqs_messages', { queue: 'redrive', state: 'in_flight' }), 0);

    const p = await Scrape.of(ports.processor);
    assert.is(p.value('loginpipe_processor_records_total', { outcome: 'clean' }), valid);
    assert.is(p.value('loginpipe_processor_records_total', { outcome: 'dead_letter' }), EVENTS - valid);
    assert.is(p.value('loginpipe_processor_records_total', { outcome: 'duplicate' }), 0);
    for (const { code } of DEAD_LETTER_CODES) {
      assert.is(p.value('loginpipe_dead_letters_total', { code }), byCode.get(code) ?? 0, `processor dead letters with code ${code}`);
    }
    const committed = p.value('loginpipe_processor_transactions_total', { result: 'committed' });
    assert.ok(committed >= 1);
    assert.is(p.value('loginpipe_processor_batch_records_count'), committed, 'one batch-size observation per committed transaction');
    assert.is(p.value('loginpipe_processor_batch_records_sum'), EVENTS, 'the transactions carried every record once');

    const s = await Scrape.of(ports.sink);
    assert.is(s.value('loginpipe_sink_rows_total', { result: 'inserted' }), valid);
    assert.is(s.value('loginpipe_sink_rows_total', { result: 'duplicate' }), 0);
    assert.is(s.value('loginpipe_sink_rows_total', { result: 'rejected' }), 0);
    for (const { code } of DEAD_LETTER_CODES) assert.is(s.value('loginpipe_dead_letters_total', { code }), 0, `no sink dead letters (${code})`);
    assert.is(s.value('loginpipe_end_to_end_seconds_count'), valid, 'one end-to-end observation per row');
    assert.is(s.value('loginpipe_end_to_end_seconds_bucket', { le: '+Inf' }), valid);
    assert.ok(s.value('loginpipe_end_to_end_seconds_sum') > 0, 'rows took some time to arrive');
    const batches = s.value('loginpipe_sink_batch_seconds_count');
    assert.ok(batches >= 1 && batches <= valid, `${batches} batch writes for ${valid} rows`);
    const buckets = s.all('loginpipe_end_to_end_seconds_bucket').map((b) => b.value);
    assert.equal(buckets, [...buckets].sort((a, b) => a - b), 'histogram buckets are cumulative');

    for (const scrape of [c, p, s]) {
      for (const dependency of ['kafka', 'sqs', 'postgres', 'registry']) assert.is(scrape.value('loginpipe_outage', { dependency }), 0, `no ${dependency} outage`);
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds']) {
        assert.ok(scrape.all(name).length > 0, `default metric ${name}`);
      }
      assert.ok(scrape.text.includes('# HELP loginpipe_end_to_end_seconds '), 'HELP lines');
    }

    const codes = await Promise.all(services.splice(0).reverse().map((x) => x.stop()));
    assert.equal(codes, [0, 0, 0], 'every service exits 0 after SIGTERM');
  } catch (err) {
    for (const x of services) console.error(`--- ${x.kind} log tail ---\n${x.lines.slice(-15).join('\n')}\n${x.stderr.join('')}`);
    throw err;
  } finally {
    await Promise.all(services.map((x) => x.stop()));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: redriveUrl })).catch(() => {});
    await world.cleanup();
  }
});

test('loginpipe run serves all three services\' metrics on one port', async () => {
  const world = await newWorld('metrics-run');
  let run: LoginpipeProcess | undefined;
  try {
    run = await startLoginpipe('run', world.env);
    const samples = createSampleLogins(77).batch(40, 0);
    await sendBodies(sqs, world.queueUrl, samples.map((x) => x.body));
    await waitUntil(async () => (await rowCount(world.schema)) === 40, {
      timeoutMs: 60_000, what: '40 rows',
    });
    const scrape = await Scrape.of(healthPort(run, 'connector'));
    assert.is(scrape.value('loginpipe_connector_messages_published_total'), 40);
    assert.is(scrape.value('loginpipe_processor_records_total', { outcome: 'clean' }), 40);
    assert.is(scrape.value('loginpipe_sink_rows_total', { result: 'inserted' }), 40);
    await waitUntil(async () => {
      const lags = (await Scrape.of(healthPort(run!, 'connector'))).all('loginpipe_consumer_lag');
      return new Set(lags.map((l) => l.labels.group)).size === 2;
    }, { timeoutMs: 30_000, what: 'lag of both groups on the one port' });
    assert.is(await run.stop(), 0);
  } finally {
    await run?.stop();
    await world.cleanup();
  }
});

test('the sink counts rows inserted, already there and refused, and its dead letters by code', async () => {
  const world = await newWorld('metrics-sink');
  const services: LoginpipeProcess[] = [];
  try {
    await createTopics(world);
    await migrate(db, world.schema);
    // Refused: a rule only this table has. Already there: rows inserted before the sink starts.
    await refuseLocaleXX(world.schema);
    const events = loginsSomeRefused(9, 50, (i) => i % 10 === 3).map((e, i) => ({ ...e, present: i % 10 === 5 }));
    // Dated as the sink will date them (the UTC day of the sent timestamp, now): the key is
    // (event_id, create_date), and an event redelivered keeps its day.
    for (const e of events.filter((x) => x.present)) {
      await db.none(`INSERT INTO $1:name.user_logins (event_id, user_id, masked_ip, masked_device_id, create_date) VALUES ($2, 'u', 'ip', 'dev', $3)`,
        [world.schema, e.id, new Date().toISOString().slice(0, 10)]);
    }
    await produceRaw(world, events);
    // Two records on the clean topic that are not clean records.
    await produce(world.env.CLEAN_TOPIC!, ['junk-1', 'junk-2'].map((id) => ({ key: id, value: `not avro ${id}`, headers: { [HEADER_MESSAGE_ID]: id } })));

    const sink = await startLoginpipe('sink', world.env, { SINK_BATCH_SIZE: '20' });
    services.push(sink);
    services.push(await startLoginpipe('processor', world.env));
    const refused = events.filter((e) => e.refused).length;
    const present = events.filter((e) => e.present).length;
    const port = healthPort(sink, 'sink');
    await waitUntil(async () => {
      const scrape = await Scrape.of(port);
      return scrape.value('loginpipe_sink_rows_total', { result: 'inserted' }) + scrape.value('loginpipe_sink_rows_total', { result: 'duplicate' })
        + scrape.value('loginpipe_sink_rows_total', { result: 'rejected' }) === events.length
        && scrape.value('loginpipe_dead_letters_total', { code: 'invalid_avro' }) === 2;
    }, { timeoutMs: 60_000, what: 'every row and junk record counted', state: async () => (await Scrape.of(port)).all('loginpipe_sink_rows_total') });

    const s = await Scrape.of(port);
    const inserted = events.length - refused - present;
    assert.is(s.value('loginpipe_sink_rows_total', { result: 'inserted' }), inserted);
    assert.is(s.value('loginpipe_sink_rows_total', { result: 'duplicate' }), present);
    assert.is(s.value('loginpipe_sink_rows_total', { result: 'rejected' }), refused);
    assert.is(s.value('loginpipe_dead_letters_total', { code: 'rejected_by_database' }), refused);
    assert.is(s.value('loginpipe_dead_letters_total', { code: 'invalid_avro' }), 2);
    assert.is(s.value('loginpipe_end_to_end_seconds_count'), inserted, 'latency observed for inserted rows only');
    assert.is(await rowCount(world.schema), inserted + present, 'the table agrees');
  } finally {
    await Promise.all(services.map((x) => x.stop()));
    await world.cleanup();
  }
});

test('an SQS that does not answer shows as loginpipe_outage{dependency="sqs"} 1 on the connector', async () => {
  // Nothing listens on port 1. The connector starts (SQS is first called by its pollers) and
  // rides the outage out; its /metrics says so.
  const world = await newWorld('metrics-sqs-down', { SQS_ENDPOINT: 'http://127.0.0.1:1', SQS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/nowhere' });
  let connector: LoginpipeProcess | undefined;
  try {
    connector = await startLoginpipe('connector', world.env);
    const port = healthPort(connector, 'connector');
    await waitUntil(async () => (await Scrape.of(port)).value('loginpipe_outage', { dependency: 'sqs' }) === 1, {
      timeoutMs: 30_000, what: 'the SQS outage on /metrics',
    });
    const scrape = await Scrape.of(port);
    assert.is(scrape.value('loginpipe_outage', { dependency: 'kafka' }), 0, 'Kafka is fine');
    assert.is(scrape.value('loginpipe_connector_messages_received_total'), 0);
    assert.equal(scrape.all('loginpipe_sqs_messages'), [], 'no queue depth invented');
    assert.is((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 503, 'and it is not ready');
    assert.is(await connector.stop(), 0);
  } finally {
    await connector?.stop();
    await world.cleanup();
  }
});

test.run();
