// Where `dlq replay` sends a dead letter, and what the CLI prints of records: built from real
// dead letters (the builder the services use), read back with the parser tools use.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetter, parseDeadLetter, type DeadLetterSource } from '../../lib/records/dead-letter.js';
import type { DeadLetterCode } from '../../lib/records/dead-letter-codes.js';
import { countByCode, planReplay } from '../../cli/inspect/replay-plan.js';
import { cleanView, deadLetterView, plain, rawView } from '../../cli/inspect/record-view.js';

const buf = (s: string) => Buffer.from(s, 'utf8');
const TOPICS = { rawTopic: 'logins.raw', cleanTopic: 'logins.clean' };
const AT = { topic: 'logins.dlq', partition: 2, offset: '77' };

function consumed(source: DeadLetterSource, code: DeadLetterCode, withoutValue = false) {
  const r = deadLetter(source, code, 'why', 'm-1', { withoutValue });
  const headers: Record<string, Buffer | Buffer[]> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k] = Array.isArray(v) ? v.map((x) => (Buffer.isBuffer(x) ? x : buf(x))) : Buffer.isBuffer(v) ? v : buf(v);
  return parseDeadLetter({ key: r.key, value: r.value, headers, timestamp: r.timestamp }, AT);
}

const rawSource = (headers: Record<string, unknown> = { 'sqs.message_id': buf('m-1'), 'sqs.sent_timestamp': buf('1700000000123') }): DeadLetterSource =>
  ({ topic: 'logins.raw', partition: 4, offset: '1234', key: buf('m-1'), value: buf('{"ip":"1.2.3.4"}'), headers, timestamp: '1700000000123' });

const plans: { name: string; d: ReturnType<typeof consumed>; to?: string; headers?: Record<string, string[]>; why?: RegExp }[] = [
  {
    name: 'a processor dead letter goes back to the raw topic with its key, value and original headers',
    d: consumed(rawSource(), 'invalid_ip'), to: 'logins.raw',
    headers: { 'sqs.message_id': ['m-1'], 'sqs.sent_timestamp': ['1700000000123'], 'replay.of': ['logins.dlq/2/77'] },
  },
  {
    name: 'a sink dead letter goes back to the clean topic',
    d: consumed({ ...rawSource({ 'sqs.message_id': buf('m-1') }), topic: 'logins.clean', value: Buffer.from([0, 0, 0, 0, 1, 2]) }, 'rejected_by_database'), to: 'logins.clean',
    headers: { 'sqs.message_id': ['m-1'], 'replay.of': ['logins.dlq/2/77'] },
  },
  {
    name: 'an earlier replay.of is replaced, never doubled',
    d: consumed(rawSource({ 'sqs.message_id': buf('m-1'), 'replay.of': buf('logins.dlq/0/3') }), 'invalid_ip'), to: 'logins.raw',
    headers: { 'sqs.message_id': ['m-1'], 'replay.of': ['logins.dlq/2/77'] },
  },
  {
    name: 'a header carried several times stays several values',
    d: consumed(rawSource({ 'sqs.message_id': buf('m-1'), trace: [buf('a'), buf('b')] }), 'invalid_json'), to: 'logins.raw',
    headers: { 'sqs.message_id': ['m-1'], trace: ['a', 'b'], 'replay.of': ['logins.dlq/2/77'] },
  },
  { name: 'too_large has no value: reported, not replayed', d: consumed({ topic: 'sqs', key: buf('m-1'), value: null }, 'too_large', true), why: /no value/ },
  { name: 'a dead letter of another pipeline\'s topic is not replayed', d: consumed({ ...rawSource(), topic: 'other.raw' }, 'invalid_ip'), why: /"other\.raw" is neither/ },
];

for (const c of plans) {
  test(`replay: ${c.name}`, () => {
    const step = planReplay(c.d, TOPICS);
    if (c.why) {
      assert.is(step.replay, false);
      if (!step.replay) assert.match(step.why, c.why);
      return;
    }
    assert.is(step.replay, true);
    if (!step.replay) return;
    assert.is(step.topic, c.to);
    assert.equal(step.value, c.d.value);
    assert.equal(step.key, c.d.key);
    assert.equal(Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, v.map((b) => b.toString('utf8'))])), c.headers);
    assert.not.ok('error.code' in step.headers || 'source.topic' in step.headers, 'the dead letter\'s own headers are not replayed');
  });
}

test('dead letters counted by code: largest first, ties by name', () => {
  assert.equal(countByCode(['b', 'a', 'c', 'a', 'b', 'a']), [{ code: 'a', count: 3 }, { code: 'b', count: 2 }, { code: 'c', count: 1 }]);
  assert.equal(countByCode(['z', 'y']), [{ code: 'y', count: 1 }, { code: 'z', count: 1 }]);
  assert.equal(countByCode([]), []);
});

const AT_VIEW = { partition: 1, offset: '9', timestamp: '1700000000123' };

test('a raw record shows no value unless asked', () => {
  const hidden = rawView(AT_VIEW, 'm-1', buf('{"ip":"10.1.2.3"}'), false);
  assert.not.ok(hidden.line.includes('10.1.2.3') || JSON.stringify(hidden.json).includes('10.1.2.3'));
  assert.ok(hidden.line.includes('17 bytes'));
  assert.ok(rawView(AT_VIEW, 'm-1', buf('{"ip":"10.1.2.3"}'), true).line.includes('10.1.2.3'));
});

test('a dead letter shows code, message and source, and its value only when asked', () => {
  const d = consumed(rawSource(), 'invalid_ip');
  const v = deadLetterView(d, '1700000000123', undefined, false);
  for (const s of ['1/9'.replace('1/9', '2/77'), 'invalid_ip', '"why"', 'from logins.raw/4/1234', 'message_id=m-1', '16 bytes']) assert.ok(v.line.includes(s), `${s} in ${v.line}`);
  assert.not.ok(v.line.includes('1.2.3.4') || JSON.stringify(v.json).includes('1.2.3.4'));
  assert.ok(deadLetterView(d, undefined, 'logins.dlq/0/1', true).line.includes('replay.of=logins.dlq/0/1'));
  assert.ok(JSON.stringify(deadLetterView(d, undefined, undefined, true).json).includes('1.2.3.4'));
});

test('a clean record shows its masks and fields; hostile text cannot drive a terminal', () => {
  const v = cleanView(AT_VIEW, { event_id: 'm-1', user_id: 'u\u001b[2J', device_type: null, masked_ip: 'ab'.repeat(32), masked_device_id: 'cd'.repeat(32), locale: 'en', app_version: '1.2.3', login_time: 1700000000123, sealed_ip: null, sealed_device_id: null, mask_key_id: null });
  assert.ok(v.line.includes(`masked_ip=${'ab'.repeat(32)}`));
  assert.ok(v.line.includes('device_type=-'));
  assert.ok(v.line.includes('2023-11-14T22:13:20.123Z'));
  assert.not.ok(v.line.includes('\u001b'));
  assert.is(plain('plain text é'), 'plain text é');
  assert.is(plain('a\u202eb'), '"a\\u202eb"');
  assert.is(plain('a\nb'), '"a\\nb"');
});

test.run();
