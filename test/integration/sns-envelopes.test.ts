// SNS fan-out into SQS without raw message delivery: the bodies are SNS envelopes. With the
// default SQS_BODY_FORMAT (auto) envelopes and raw events mixed in one queue all become rows; the
// clean records of envelopes carry the SNS ids as headers; a malformed envelope is dead-lettered
// as invalid_sns_envelope, and an envelope whose event breaks a rule gets that rule's code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { snsEnvelope } from '../../cli/sqs-traffic.js';
import { sendBodies } from '../../lib/sqs/client.js';
import { readTopicUntil, readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { cleanEventId } from '../faults/oracle.js';
import { db, kafka, newWorld, spawnLoginpipe, sqs, startLoginpipe, waitUntil, type LoginpipeProcess } from './harness.js';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:user-logins';

test('40 SNS-wrapped and 10 raw logins make 50 rows; malformed envelopes are dead-lettered by reason', async () => {
  const world = await newWorld('sns');
  const services: LoginpipeProcess[] = [];
  try {
    for (const kind of ['sink', 'processor', 'connector']) services.push(await startLoginpipe(kind, world.env));
    const gen = createSampleLogins(2201);
    const wrapped = Array.from({ length: 40 }, () => ({ body: gen.valid().body, snsId: randomUUID() }));
    const raw = Array.from({ length: 10 }, () => gen.valid().body);
    const badEnvelope = [
      JSON.stringify({ ...JSON.parse(snsEnvelope('{}', TOPIC_ARN)), Type: 'SubscriptionConfirmation', SubscribeURL: 'https://sns.example/confirm' }),
      JSON.stringify({ ...JSON.parse(snsEnvelope('{}', TOPIC_ARN)), Message: undefined }),
    ];
    const badEventId = randomUUID();
    const badEvent = snsEnvelope(JSON.stringify({ user_id: 'u-1', device_id: 'd-1' }), TOPIC_ARN, badEventId);

    const bodies = [...wrapped.map((w) => snsEnvelope(w.body, TOPIC_ARN, w.snsId)), ...raw, ...badEnvelope, badEvent];
    const ids = await sendBodies(sqs, world.queueUrl, bodies);
    const snsIdOf = new Map(wrapped.map((w, i) => [ids[i]!, w.snsId]));

    const table = `"${world.schema}".user_logins`;
    const rows = async () => (await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n as number;
    await waitUntil(async () => (await rows()) >= 50, { timeoutMs: 60_000, what: '50 rows', state: rows });
    await readTopicUntil(kafka, world.env.DLQ_TOPIC!, (r) => r.length >= 3, { timeoutMs: 60_000 });
    const codes = await Promise.all(services.splice(0).reverse().map((s) => s.stop()));
    assert.equal(codes, [0, 0, 0], 'every service exits 0 after SIGTERM');

    assert.is(await rows(), 50);
    const stored = await db.map(`SELECT event_id FROM ${table}`, [], (r: { event_id: string }) => r.event_id);
    assert.equal(new Set(stored), new Set(ids.slice(0, 50)), 'the SQS message id stays the event id');

    const clean = await readWholeTopic(kafka, world.env.CLEAN_TOPIC!);
    assert.is(clean.length, 50);
    for (const r of clean) {
      const id = cleanEventId(r.value)!;
      const snsId = snsIdOf.get(id);
      assert.is(r.headers['sns.message_id'], snsId, `sns.message_id of ${id}`);
      assert.is(r.headers['sns.topic_arn'], snsId === undefined ? undefined : TOPIC_ARN);
    }

    const dead = await readWholeTopic(kafka, world.env.DLQ_TOPIC!);
    const byId = new Map(dead.map((d) => [d.headers['sqs.message_id'], d]));
    assert.is(dead.length, 3);
    for (const [i, body] of badEnvelope.entries()) {
      const d = byId.get(ids[50 + i])!;
      assert.is(d.headers['error.code'], 'invalid_sns_envelope');
      assert.is(d.headers['sns.message_id'], undefined, 'a malformed envelope\'s ids are not trusted');
      assert.is(d.value?.toString('utf8'), body, 'the dead letter keeps the bytes SQS sent');
    }
    const d = byId.get(ids[52])!;
    assert.is(d.headers['error.code'], 'missing_field');
    assert.is(d.headers['sns.message_id'], badEventId);
    assert.is(d.headers['sns.topic_arn'], TOPIC_ARN);
    assert.is(d.value?.toString('utf8'), badEvent);
  } catch (err) {
    for (const s of services) console.error(`--- ${s.kind} log tail ---\n${s.lines.slice(-15).join('\n')}\n${s.stderr.join('')}`);
    throw err;
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await world.cleanup();
  }
});

test('SQS_BODY_FORMAT=raw leaves envelopes alone: they are not login events', async () => {
  const world = await newWorld('sns-raw', { SQS_BODY_FORMAT: 'raw' });
  const services: LoginpipeProcess[] = [];
  try {
    for (const kind of ['processor', 'connector']) services.push(await startLoginpipe(kind, world.env));
    const gen = createSampleLogins(2202);
    const ids = await sendBodies(sqs, world.queueUrl, [snsEnvelope(gen.valid().body), gen.valid().body]);
    await readTopicUntil(kafka, world.env.DLQ_TOPIC!, (r) => r.length >= 1, { timeoutMs: 60_000 });
    await readTopicUntil(kafka, world.env.CLEAN_TOPIC!, (r) => r.length >= 1, { timeoutMs: 60_000 });
    await Promise.all(services.splice(0).map((s) => s.stop()));
    const dead = await readWholeTopic(kafka, world.env.DLQ_TOPIC!);
    assert.is(dead[0]!.headers['sqs.message_id'], ids[0]);
    assert.is(dead[0]!.headers['error.code'], 'missing_field');
    assert.is((await readWholeTopic(kafka, world.env.CLEAN_TOPIC!)).length, 1);
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await world.cleanup();
  }
});

test('a bad SQS_BODY_FORMAT stops the processor at start, naming the setting', async () => {
  const world = await newWorld('sns-bad-setting', { SQS_BODY_FORMAT: 'json' });
  try {
    const p = spawnLoginpipe('processor', world.env);
    const code = await p.exited;
    assert.is.not(code, 0);
    assert.ok([...p.lines, ...p.stderr].join('\n').includes('SQS_BODY_FORMAT'), 'the message names the setting');
  } finally {
    await world.cleanup();
  }
});

test.run();
