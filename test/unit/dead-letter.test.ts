import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetter, type DeadLetterSource } from '../../lib/records/dead-letter.js';
import type { DeadLetterCode } from '../../lib/records/dead-letter-codes.js';

// The dead-letter record keeps the rejected bytes and the original headers, and adds headers that
// say why and where from. Expected headers are written out by hand.

const buf = (s: string) => Buffer.from(s, 'utf8');
type Header = Buffer | string | (Buffer | string)[];
const text = (v: Header | undefined): unknown => (v === undefined ? undefined : Array.isArray(v) ? v.map(text) : Buffer.isBuffer(v) ? v.toString('hex') : `text:${v}`);
/** Headers as comparable values: Buffers as hex, strings marked as text. */
const comparable = (h: Record<string, Header>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, text(v)]));

const SOURCE: DeadLetterSource = {
  topic: 'logins.raw',
  partition: 4,
  offset: '1234',
  key: buf('key-1'),
  value: buf('{"user_id":'),
  headers: { 'sqs.message_id': buf('m-1'), 'sqs.sent_timestamp': buf('1700000000123') },
};

interface Case {
  name: string;
  input: { source: DeadLetterSource; code: DeadLetterCode; message: string; messageId: string | undefined };
  expected: { value: Buffer | null; key: Buffer | null; headers: Record<string, string | undefined> };
}

const cases: Case[] = [
  {
    name: 'a malformed body keeps its bytes and headers and gains error and source headers',
    input: { source: SOURCE, code: 'invalid_json', message: 'body is not valid JSON', messageId: 'm-1' },
    expected: {
      value: buf('{"user_id":'),
      key: buf('key-1'),
      headers: {
        'sqs.message_id': 'text:m-1',
        'sqs.sent_timestamp': buf('1700000000123').toString('hex'),
        'error.code': 'text:invalid_json',
        'error.message': 'text:body is not valid JSON',
        'source.topic': 'text:logins.raw',
        'source.partition': 'text:4',
        'source.offset': 'text:1234',
      },
    },
  },
  {
    name: 'bytes that are not UTF-8 are kept exactly',
    input: { source: { ...SOURCE, value: Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0x00]) }, code: 'invalid_encoding', message: 'body is not valid UTF-8', messageId: 'm-1' },
    expected: {
      value: Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0x00]),
      key: buf('key-1'),
      headers: {
        'sqs.message_id': 'text:m-1',
        'sqs.sent_timestamp': buf('1700000000123').toString('hex'),
        'error.code': 'text:invalid_encoding',
        'error.message': 'text:body is not valid UTF-8',
        'source.topic': 'text:logins.raw',
        'source.partition': 'text:4',
        'source.offset': 'text:1234',
      },
    },
  },
  {
    name: 'a null value stays null and a null key stays null',
    input: { source: { ...SOURCE, key: null, value: null }, code: 'invalid_json', message: 'record has no value', messageId: 'm-1' },
    expected: {
      value: null,
      key: null,
      headers: {
        'sqs.message_id': 'text:m-1',
        'sqs.sent_timestamp': buf('1700000000123').toString('hex'),
        'error.code': 'text:invalid_json',
        'error.message': 'text:record has no value',
        'source.topic': 'text:logins.raw',
        'source.partition': 'text:4',
        'source.offset': 'text:1234',
      },
    },
  },
  {
    name: 'an empty value stays an empty value, not null',
    input: { source: { ...SOURCE, value: Buffer.alloc(0) }, code: 'invalid_json', message: 'm', messageId: 'm-1' },
    expected: {
      value: Buffer.alloc(0),
      key: buf('key-1'),
      headers: {
        'sqs.message_id': 'text:m-1',
        'sqs.sent_timestamp': buf('1700000000123').toString('hex'),
        'error.code': 'text:invalid_json',
        'error.message': 'text:m',
        'source.topic': 'text:logins.raw',
        'source.partition': 'text:4',
        'source.offset': 'text:1234',
      },
    },
  },
  {
    name: 'with no message id and no id header, no sqs.message_id header is made up',
    input: { source: { ...SOURCE, headers: {} }, code: 'missing_metadata', message: 'header sqs.message_id is missing', messageId: undefined },
    expected: {
      value: buf('{"user_id":'),
      key: buf('key-1'),
      headers: {
        'error.code': 'text:missing_metadata',
        'error.message': 'text:header sqs.message_id is missing',
        'source.topic': 'text:logins.raw',
        'source.partition': 'text:4',
        'source.offset': 'text:1234',
      },
    },
  },
  {
    name: 'a record with no headers at all still gets the error and source headers',
    input: { source: { topic: 'logins.clean', partition: 0, offset: '0', key: null, value: buf('x') }, code: 'invalid_avro', message: 'not a loginpipe clean record', messageId: undefined },
    expected: {
      value: buf('x'),
      key: null,
      headers: {
        'error.code': 'text:invalid_avro',
        'error.message': 'text:not a loginpipe clean record',
        'source.topic': 'text:logins.clean',
        'source.partition': 'text:0',
        'source.offset': 'text:0',
      },
    },
  },
  {
    name: 'spoofed error and source headers from the producer are replaced by the real ones',
    input: {
      source: { ...SOURCE, headers: { 'error.code': buf('none'), 'source.topic': buf('elsewhere'), 'source.offset': buf('0'), 'sqs.message_id': buf('m-1') } },
      code: 'invalid_ip',
      message: 'ip: not an IPv4 or IPv6 address',
      messageId: 'm-1',
    },
    expected: {
      value: buf('{"user_id":'),
      key: buf('key-1'),
      headers: {
        'sqs.message_id': 'text:m-1',
        'error.code': 'text:invalid_ip',
        'error.message': 'text:ip: not an IPv4 or IPv6 address',
        'source.topic': 'text:logins.raw',
        'source.partition': 'text:4',
        'source.offset': 'text:1234',
      },
    },
  },
  {
    name: 'an offset beyond 2^53 is kept exactly as the text it came as',
    input: { source: { ...SOURCE, headers: {}, offset: '9007199254740993' }, code: 'rejected_by_database', message: 'Postgres refused the row', messageId: 'e-9' },
    expected: {
      value: buf('{"user_id":'),
      key: buf('key-1'),
      headers: {
        'error.code': 'text:rejected_by_database',
        'error.message': 'text:Postgres refused the row',
        'source.topic': 'text:logins.raw',
        'source.partition': 'text:4',
        'source.offset': 'text:9007199254740993',
        'sqs.message_id': 'text:e-9',
      },
    },
  },
  {
    name: 'headers of any bytes, and string headers, are kept unchanged',
    input: {
      source: { ...SOURCE, headers: { trace: Buffer.from([0x00, 0xff, 0x80]), 'x-text': 'plain', 'ключ': buf('значение') } },
      code: 'too_long',
      message: 'locale: longer than 32 characters (40)',
      messageId: 'm-1',
    },
    expected: {
      value: buf('{"user_id":'),
      key: buf('key-1'),
      headers: {
        trace: '00ff80',
        'x-text': 'text:plain',
        'ключ': buf('значение').toString('hex'),
        'error.code': 'text:too_long',
        'error.message': 'text:locale: longer than 32 characters (40)',
        'source.topic': 'text:logins.raw',
        'source.partition': 'text:4',
        'source.offset': 'text:1234',
        'sqs.message_id': 'text:m-1',
      },
    },
  },
  {
    name: 'a unicode error message is kept as written',
    input: { source: { ...SOURCE, headers: {} }, code: 'rejected_by_database', message: 'Postgres refused the row: значение слишком длинное — ✘', messageId: 'e-1' },
    expected: {
      value: buf('{"user_id":'),
      key: buf('key-1'),
      headers: {
        'error.code': 'text:rejected_by_database',
        'error.message': 'text:Postgres refused the row: значение слишком длинное — ✘',
        'source.topic': 'text:logins.raw',
        'source.partition': 'text:4',
        'source.offset': 'text:1234',
        'sqs.message_id': 'text:e-1',
      },
    },
  },
];

for (const c of cases) {
  test(`deadLetter: ${c.name}`, () => {
    // Copies taken before the call: the record must hold the same bytes, and the source be untouched.
    const valueBefore = c.input.source.value === null ? null : Buffer.from(c.input.source.value);
    const headersBefore = comparable((c.input.source.headers ?? {}) as Record<string, Header>);
    const out = deadLetter(c.input.source, c.input.code, c.input.message, c.input.messageId);

    if (c.expected.value === null) assert.is(out.value, null);
    else assert.ok(out.value !== null && out.value.equals(c.expected.value), `value ${out.value?.toString('hex')}`);
    if (valueBefore !== null) assert.ok(out.value?.equals(valueBefore));
    if (c.expected.key === null) assert.is(out.key, null);
    else assert.ok(out.key !== null && out.key.equals(c.expected.key));

    assert.equal(comparable(out.headers), c.expected.headers);
    assert.equal(comparable((c.input.source.headers ?? {}) as Record<string, Header>), headersBefore, 'the source headers were changed');
  });
}

test('deadLetter: a header Kafka carried several times keeps all its values', () => {
  const out = deadLetter(
    { topic: 'raw', partition: 0, offset: '1', key: null, value: Buffer.from('x'), headers: { trace: [Buffer.from('a'), Buffer.from('b')] } },
    'invalid_json', 'body is not JSON', 'id-1',
  );
  const values = out.headers.trace;
  assert.ok(Array.isArray(values), 'still a list');
  assert.equal((values as Buffer[]).map((b) => b.toString()), ['a', 'b']);
});

test('deadLetter: a header without a value (null or undefined) does not stop the dead letter', () => {
  const out = deadLetter({ ...SOURCE, headers: { empty: undefined, nothing: null, 'sqs.message_id': buf('m-1') } }, 'invalid_json', 'm', 'm-1');
  assert.equal(
    [out.headers['error.code'], out.headers['source.topic'], out.headers['source.partition'], out.headers['source.offset'], out.headers['sqs.message_id']],
    ['invalid_json', 'logins.raw', '4', '1234', 'm-1'],
  );
  for (const v of Object.values(out.headers)) assert.ok(Buffer.isBuffer(v) || typeof v === 'string');
});

test('deadLetter: a 1 MiB value is the same bytes, not a re-encoded copy', () => {
  const value = Buffer.alloc(1024 * 1024, 0xab);
  const out = deadLetter({ ...SOURCE, value }, 'too_large', 'body is too large', 'm-1');
  assert.ok(out.value !== null && out.value.length === value.length && out.value.equals(value));
});

test.run();
