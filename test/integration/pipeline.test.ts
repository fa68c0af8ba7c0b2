// The whole pipeline on the real local stack: SQS -> connector -> processor -> sink -> Postgres.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSampleLogins, type SampleLogin } from '../../cli/sample-logins.js';
import { sendBodies, queueDepth } from '../../lib/sqs/client.js';
import { readTopicUntil, readWholeTopic, type ReadRecord } from '../../lib/kafka/topic-reader.js';
import { canonicalIp, hmac, utcDay, versionNumber } from './oracles.js';
import { db, kafka, newWorld, sqs, startLoginpipe, waitUntil, type LoginpipeProcess, type World } from './harness.js';


const EVENTS = 400;
const MALFORMED_SHARE = 0.15;

async function runPipeline(label: string, processors: number) {
  const world: World = await newWorld(label);
  const services: LoginpipeProcess[] = [];
  try {
    services.push(await startLoginpipe('sink', world.env));
    for (let i = 0; i < processors; i++) {
      services.push(await startLoginpipe('processor', world.env));
    }
    services.push(await startLoginpipe('connector', world.env));

    const samples: SampleLogin[] = createSampleLogins(processors * 7919).batch(EVENTS, MALFORMED_SHARE);
    const sentFrom = Date.now();
    const ids = await sendBodies(sqs, world.queueUrl, samples.map((s) => s.body));
    const sentTo = Date.now();
    const valid = samples.map((s, i) => ({ s, id: ids[i]! })).filter(({ s }) => s.expectedCode === undefined);
    const malformed = samples.map((s, i) => ({ s, id: ids[i]! })).filter(({ s }) => s.expectedCode !== undefined);
    assert.ok(malformed.length > 20 && valid.length > 300, 'the sample mixes valid and malformed events');

    const table = `"${world.schema}".user_logins`;
    await waitUntil(async () => (await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n >= valid.length, {
      timeoutMs: 90_000, what: `${valid.length} rows`,
      state: async () => (await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n,
    });
    await readTopicUntil(kafka, world.env.DLQ_TOPIC!, (r) => r.length >= malformed.length, { timeoutMs: 60_000 });
    await waitUntil(async () => { const d = await queueDepth(sqs, world.queueUrl); return d.visible + d.inFlight === 0; }, {
      timeoutMs: 30_000, what: 'the queue to be empty', state: () => queueDepth(sqs, world.queueUrl),
    });

    // Every service stops cleanly on SIGTERM.
    const stopped = services.splice(0).reverse();
    const codes = await Promise.all(stopped.map((s) => s.stop()));
    assert.equal(codes, codes.map(() => 0), 'every service exits 0 after SIGTERM');
    const logs = stopped.flatMap((s) => [...s.lines, ...s.stderr]).join('\n');
    // Nothing writes any more: whole topics, so a duplicate could not hide past the expected count.
    const dead = await readWholeTopic(kafka, world.env.DLQ_TOPIC!);
    const clean = await readWholeTopic(kafka, world.env.CLEAN_TOPIC!);

    return { world, valid, malformed, dead, clean, table, sentFrom, sentTo, logs };
  } catch (err) {
    for (const s of services) console.error(`--- ${s.kind} log tail ---\n${s.lines.slice(-15).join('\n')}\n${s.stderr.join('')}`);
    await Promise.all(services.map((s) => s.stop()));
    await world.cleanup();
    throw err;
  }
}

async function checkOutcome(r: Awaited<ReturnType<typeof runPipeline>>) {
  const { world, valid, malformed, dead, clean, table } = r;

  // Rows: exactly the valid events, each once, with masks recomputed here.
  const rows = await db.any(`SELECT event_id, user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date::text AS create_date FROM ${table} ORDER BY event_id`);
  assert.is(rows.length, valid.length, 'one row per valid event');
  const byId = new Map(rows.map((row) => [row.event_id as string, row]));
  const days = new Set([utcDay(r.sentFrom - 1000), utcDay(r.sentTo + 1000)]);
  for (const { s, id } of valid) {
    const f = s.fields!;
    const row = byId.get(id);
    assert.ok(row, `row for event ${id}`);
    assert.equal(row, {
      event_id: id,
      user_id: f.user_id,
      device_type: f.device_type,
      masked_ip: hmac(world.hmacKey, canonicalIp(f.ip)),
      masked_device_id: hmac(world.hmacKey, f.device_id),
      locale: f.locale,
      app_version: versionNumber(f.app_version),
      create_date: row!.create_date,
    });
    assert.ok(days.has(row!.create_date), `create_date ${row!.create_date} is the UTC day the event was sent`);
  }

  // Dead letters: every malformed event, its bytes untouched, with the code its damage calls for.
  const deadById = new Map<string, ReadRecord>();
  for (const d of dead) deadById.set(d.headers['sqs.message_id']!, d);
  assert.is(dead.length, malformed.length, 'one dead letter per malformed event');
  for (const { s, id } of malformed) {
    const d = deadById.get(id);
    assert.ok(d, `dead letter for ${id}`);
    assert.is(d!.value!.toString('utf8'), s.body, 'dead letter keeps the original bytes');
    assert.is(d!.headers['error.code'], s.expectedCode, `code for ${s.body.slice(0, 60)}`);
    assert.is(d!.headers['source.topic'], world.env.RAW_TOPIC);
    assert.ok(/^\d+$/.test(d!.headers['source.partition']!) && /^\d+$/.test(d!.headers['source.offset']!), 'source partition and offset');
    assert.ok((d!.headers['error.message'] ?? '').length > 0, 'error message');
  }

  // The clean topic: one record per valid event, no event id twice, and no clear personal data.
  assert.is(clean.length, valid.length, 'one clean record per valid event');
  const cleanBytes = Buffer.concat(clean.map((c) => c.value!));
  const rowText = JSON.stringify(rows);
  assert.ok(r.logs.length > 0, 'the services logged');
  for (const { s } of valid) {
    for (const secret of [s.fields!.ip, canonicalIp(s.fields!.ip), s.fields!.device_id]) {
      assert.is(cleanBytes.indexOf(secret), -1, 'no clear ip or device_id in the clean topic');
      assert.not.ok(rowText.includes(secret), 'no clear ip or device_id in Postgres');
      assert.not.ok(r.logs.includes(`"${secret}"`), 'no clear ip or device_id in the logs');
    }
  }
  for (const c of clean) assert.is(c.value![0], 0, 'Confluent wire format magic byte');
  await world.cleanup();
}

test('one instance of each service lands every valid login once and dead-letters every malformed one', async () => {
  await checkOutcome(await runPipeline('single', 1));
});

test('two processors in one group share the raw topic with the same outcome', async () => {
  await checkOutcome(await runPipeline('pair', 2));
});

test.run();
