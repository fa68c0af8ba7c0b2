import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetter, NotADeadLetter, parseDeadLetter, type DeadLetterSource } from '../../lib/records/dead-letter.js';

// A dead letter read back must give what was rejected, why, and from where, whatever the
// producer put in its headers. Expected values are written out by hand.

const buf = (s: string) => Buffer.from(s, 'utf8');
const AT = { topic: 'logins.dlq', partition: 2, offset: '77' };
const SOURCE: DeadLetterSource = {
  topic: 'logins.raw', partition: 4, offset: '1234', key: buf('m-1'), value: buf('{"user_id":'),
  headers: { 'sqs.message_id': buf('m-1'), 'sqs.sent_timestamp': buf('1700000000123') },
};

/** What Kafka hands a consumer: every header value as a Buffer. */
function asConsumed(r: ReturnType<typeof deadLetter>) {
  const headers: Record<string, Buffer | Buffer[]> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    headers[k] = Array.isArray(v) ? v.map((x) => (Buffer.isBuffer(x) ? x : buf(x))) : Buffer.isBuffer(v) ? v : buf(v);
  }
  return { key: r.key, value: r.value, headers, timestamp: r.timestamp };
}

const roundTrips: { name: string; source: DeadLetterSource; withoutValue?: boolean; expect: { value: string | null; partition?: number; offset?: string; original: Record<string, string[]> } }[] = [
  {
    name: 'a raw record dead-lettered by the processor',
    source: SOURCE,
    expect: { value: '{"user_id":', partition: 4, offset: '1234', original: { 'sqs.message_id': ['m-1'], 'sqs.sent_timestamp': ['1700000000123'] } },
  },
  {
    name: 'a message too large for Kafka: no value, no partition or offset',
    source: { topic: 'sqs', key: buf('m-1'), value: buf('x'.repeat(10)), headers: { 'sqs.message_id': 'm-1' }, timestamp: '1700000000123' },
    withoutValue: true,
    expect: { value: null, original: { 'sqs.message_id': ['m-1'] } },
  },
  {
    name: 'a header carried twice keeps both values for a replay',
    source: { ...SOURCE, headers: { 'sqs.message_id': buf('m-1'), trace: [buf('a'), buf('b')] } },
    expect: { value: '{"user_id":', partition: 4, offset: '1234', original: { 'sqs.message_id': ['m-1'], trace: ['a', 'b'] } },
  },
  {
    name: 'spoofed error and source headers are neither kept nor read back as the original',
    source: { ...SOURCE, headers: { 'sqs.message_id': buf('m-1'), 'error.code': buf('invalid_ip'), 'source.topic': buf('elsewhere'), 'source.offset': buf('1') } },
    expect: { value: '{"user_id":', partition: 4, offset: '1234', original: { 'sqs.message_id': ['m-1'] } },
  },
];

for (const c of roundTrips) {
  test(`parseDeadLetter reads back ${c.name}`, () => {
    const dl = deadLetter(c.source, 'invalid_json', 'body is not valid JSON', 'm-1', { withoutValue: c.withoutValue });
    const p = parseDeadLetter(asConsumed(dl), AT);
    assert.equal(p.at, AT);
    assert.is(p.code, 'invalid_json');
    assert.is(p.known, true);
    assert.is(p.message, 'body is not valid JSON');
    assert.is(p.messageId, 'm-1');
    assert.is(p.source.topic, c.source.topic);
    assert.is(p.source.partition, c.expect.partition);
    assert.is(p.source.offset, c.expect.offset);
    assert.is(p.value === null ? null : p.value.toString('utf8'), c.expect.value);
    assert.equal(Object.fromEntries(Object.entries(p.originalHeaders).map(([k, v]) => [k, v.map((x) => x.toString('utf8'))])), c.expect.original);
    assert.is(p.timestamp, c.source.timestamp);
  });
}

const notDeadLetters: { name: string; headers: Record<string, unknown> | undefined; why: RegExp }[] = [
  { name: 'a record without headers', headers: undefined, why: /no error\.code header/ },
  { name: 'an empty error code', headers: { 'error.code': buf(''), 'source.topic': buf('t') }, why: /no error\.code header/ },
  { name: 'no source topic', headers: { 'error.code': buf('invalid_json') }, why: /no source\.topic header/ },
  { name: 'a partition that is not a number', headers: { 'error.code': buf('invalid_json'), 'source.topic': buf('t'), 'source.partition': buf('-1') }, why: /not a partition number/ },
  { name: 'an offset with text in it', headers: { 'error.code': buf('invalid_json'), 'source.topic': buf('t'), 'source.offset': buf('12; DROP TABLE') }, why: /not an offset/ },
];

for (const c of notDeadLetters) {
  test(`parseDeadLetter refuses ${c.name}, naming where the record is`, () => {
    try {
      parseDeadLetter({ key: null, value: buf('{}'), headers: c.headers }, AT);
      assert.unreachable('parsed');
    } catch (err) {
      assert.instance(err, NotADeadLetter);
      assert.match((err as Error).message, c.why);
      assert.match((err as Error).message, /topic logins\.dlq, partition 2, offset 77/);
    }
  });
}

test('parseDeadLetter keeps a code it does not know, marked as unknown', () => {
  const p = parseDeadLetter({ key: null, value: null, headers: { 'error.code': buf('from_the_future'), 'source.topic': buf('t') } }, AT);
  assert.is(p.code, 'from_the_future');
  assert.is(p.known, false);
});

test.run();
