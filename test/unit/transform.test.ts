import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac } from 'node:crypto';
import { createMasker } from '../../processor/mask.js';
import { transform, type Outcome, type RawInput } from '../../processor/transform.js';
import { deadLetter } from '../../lib/records/dead-letter.js';
import type { DeadLetterCode } from '../../lib/records/dead-letter-codes.js';
import { prng } from '../../cli/sample-logins.js';

// A real masker with a fixed key; expected masks are computed here with node:crypto as the
// oracle, from canonical addresses worked out by hand (RFC 5952). Headers are Buffers, as kafkajs
// gives them.

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const mask = createMasker(KEY);
const hmac = (text: string) => createHmac('sha256', KEY).update(text, 'utf8').digest('hex');

const buf = (s: string) => Buffer.from(s, 'utf8');
const headers = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, buf(v)]));
const json = (o: unknown) => buf(JSON.stringify(o));

const EVENT = {
  user_id: '424cdd21-063a-43a7-b91b-7ca1a833afae',
  app_version: '2.3.0',
  device_type: 'android',
  ip: '199.172.111.135',
  locale: 'RU',
  device_id: '593-47-5928',
};
const ID = '7d2f3a4e-95b1-4c1e-8f0a-2b3c4d5e6f70';
const SENT = '1700000000123';
const RECORD_TS = '1699999999000';

const input = (over: Partial<RawInput> & { body?: unknown } = {}): RawInput => ({
  value: over.value !== undefined ? over.value : json(over.body ?? EVENT),
  headers: over.headers ?? headers({ 'sqs.message_id': ID, 'sqs.sent_timestamp': SENT }),
  timestamp: over.timestamp ?? RECORD_TS,
});

const CLEAN = {
  kind: 'clean' as const,
  key: EVENT.user_id,
  record: {
    event_id: ID,
    user_id: EVENT.user_id,
    device_type: 'android',
    masked_ip: hmac('199.172.111.135'),
    masked_device_id: hmac('593-47-5928'),
    locale: 'RU',
    app_version: '2.3.0',
    login_time: 1_700_000_000_123,
    sealed_ip: null,
    sealed_device_id: null,
    mask_key_id: null,
  },
};

const cleanCases: { name: string; input: RawInput; expected: Outcome }[] = [
  { name: 'a valid event becomes a masked clean record keyed by user_id', input: input(), expected: CLEAN },
  {
    name: 'login_time falls back to the record timestamp when sqs.sent_timestamp is absent',
    input: input({ headers: headers({ 'sqs.message_id': ID }) }),
    expected: { ...CLEAN, record: { ...CLEAN.record, login_time: 1_699_999_999_000 } },
  },
  {
    name: 'login_time falls back to the record timestamp when sqs.sent_timestamp is not a number',
    input: input({ headers: headers({ 'sqs.message_id': ID, 'sqs.sent_timestamp': 'yesterday' }) }),
    expected: { ...CLEAN, record: { ...CLEAN.record, login_time: 1_699_999_999_000 } },
  },
  {
    name: 'login_time falls back to the record timestamp when sqs.sent_timestamp is zero',
    input: input({ headers: headers({ 'sqs.message_id': ID, 'sqs.sent_timestamp': '0' }) }),
    expected: { ...CLEAN, record: { ...CLEAN.record, login_time: 1_699_999_999_000 } },
  },
  {
    name: 'login_time falls back to the record timestamp when sqs.sent_timestamp has a fraction or sign',
    input: input({ headers: headers({ 'sqs.message_id': ID, 'sqs.sent_timestamp': '-1700000000123' }) }),
    expected: { ...CLEAN, record: { ...CLEAN.record, login_time: 1_699_999_999_000 } },
  },
  {
    name: 'an IPv6 address with upper case and written-out zeros is masked in its canonical form',
    input: input({ body: { ...EVENT, ip: '2001:0DB8:0000:0000:0000:0000:0000:0001' } }),
    expected: { ...CLEAN, record: { ...CLEAN.record, masked_ip: hmac('2001:db8::1') } },
  },
  {
    name: 'an IPv4-mapped IPv6 address is masked as the plain IPv4 address',
    input: input({ body: { ...EVENT, ip: '::ffff:199.172.111.135' } }),
    expected: CLEAN,
  },
  {
    name: 'optional fields absent become null',
    input: input({ body: { user_id: EVENT.user_id, ip: EVENT.ip, device_id: EVENT.device_id } }),
    expected: { ...CLEAN, record: { ...CLEAN.record, device_type: null, locale: null, app_version: null } },
  },
  {
    name: 'unknown extra fields are ignored',
    input: input({ body: { ...EVENT, extra: { nested: [1, 2, 3] }, __proto__x: 1 } }),
    expected: CLEAN,
  },
  {
    name: 'header values given as strings work like Buffers',
    input: input({ headers: { 'sqs.message_id': ID, 'sqs.sent_timestamp': SENT } }),
    expected: CLEAN,
  },
  {
    name: 'a repeated header (an array, as kafkajs gives it) is read from its first value',
    input: input({ headers: { 'sqs.message_id': [buf(ID), buf('other')], 'sqs.sent_timestamp': [buf(SENT)] } }),
    expected: CLEAN,
  },
  {
    name: 'a device_id with unicode is masked over its UTF-8 bytes',
    input: input({ body: { ...EVENT, device_id: 'устройство-😀' } }),
    expected: { ...CLEAN, record: { ...CLEAN.record, masked_device_id: hmac('устройство-😀') } },
  },
];

for (const c of cleanCases) {
  test(`transform: ${c.name}`, () => {
    assert.equal(transform(c.input, mask), c.expected);
  });
}

const IPV6_SPELLINGS = ['2001:db8::1:0:0:1', '2001:0db8:0000:0000:0001:0000:0000:0001', '2001:DB8:0:0:1::1', '2001:db8:0:0:1:0:0:1'];

test('transform: one IPv6 address written four ways gives one mask, that of its RFC 5952 form', () => {
  const masks = IPV6_SPELLINGS.map((ip) => {
    const out = transform(input({ body: { ...EVENT, ip } }), mask);
    assert.is(out.kind, 'clean', ip);
    return out.kind === 'clean' ? out.record.masked_ip : '';
  });
  assert.equal(masks, IPV6_SPELLINGS.map(() => hmac('2001:db8::1:0:0:1')));
});

// ---- dead letters: codes worked out from the validator's documented rules ------------------------

const deadCases: { name: string; input: RawInput; expected: { code: DeadLetterCode; messageId: string | undefined } }[] = [
  { name: 'no sqs.message_id header -> missing_metadata', input: input({ headers: headers({ 'sqs.sent_timestamp': SENT }) }), expected: { code: 'missing_metadata', messageId: undefined } },
  { name: 'no headers at all -> missing_metadata', input: { value: json(EVENT), timestamp: RECORD_TS }, expected: { code: 'missing_metadata', messageId: undefined } },
  { name: 'an empty sqs.message_id -> missing_metadata (the empty id is reported as it was)', input: input({ headers: { 'sqs.message_id': Buffer.alloc(0), 'sqs.sent_timestamp': buf(SENT) } }), expected: { code: 'missing_metadata', messageId: '' } },
  {
    name: 'neither header nor record timestamp is a time -> missing_metadata',
    input: input({ headers: headers({ 'sqs.message_id': ID, 'sqs.sent_timestamp': 'soon' }), timestamp: '-1' }),
    expected: { code: 'missing_metadata', messageId: ID },
  },
  { name: 'a null value -> invalid_json', input: input({ value: null }), expected: { code: 'invalid_json', messageId: ID } },
  { name: 'an empty value -> invalid_json', input: input({ value: Buffer.alloc(0) }), expected: { code: 'invalid_json', messageId: ID } },
  { name: 'text that is not JSON -> invalid_json', input: input({ value: buf('not json at all') }), expected: { code: 'invalid_json', messageId: ID } },
  { name: 'a JSON array -> not_an_object', input: input({ body: [EVENT] }), expected: { code: 'not_an_object', messageId: ID } },
  { name: 'a JSON string -> not_an_object', input: input({ body: 'hello' }), expected: { code: 'not_an_object', messageId: ID } },
  { name: 'ip missing -> missing_field', input: input({ body: { ...EVENT, ip: undefined } }), expected: { code: 'missing_field', messageId: ID } },
  { name: 'device_id null -> missing_field', input: input({ body: { ...EVENT, device_id: null } }), expected: { code: 'missing_field', messageId: ID } },
  { name: 'user_id a number -> invalid_type', input: input({ body: { ...EVENT, user_id: 12345 } }), expected: { code: 'invalid_type', messageId: ID } },
  { name: 'device_id blank -> empty_value', input: input({ body: { ...EVENT, device_id: '   ' } }), expected: { code: 'empty_value', messageId: ID } },
  { name: 'locale of 33 characters -> too_long', input: input({ body: { ...EVENT, locale: 'x'.repeat(33) } }), expected: { code: 'too_long', messageId: ID } },
  { name: 'device_type with a NUL -> contains_nul', input: input({ body: { ...EVENT, device_type: 'a\u0000' } }), expected: { code: 'contains_nul', messageId: ID } },
  { name: 'ip "999.1.1.1" -> invalid_ip', input: input({ body: { ...EVENT, ip: '999.1.1.1' } }), expected: { code: 'invalid_ip', messageId: ID } },
  { name: 'app_version "2.x" -> invalid_app_version', input: input({ body: { ...EVENT, app_version: '2.x' } }), expected: { code: 'invalid_app_version', messageId: ID } },
  { name: 'bytes that are not UTF-8 -> invalid_encoding', input: input({ value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }), expected: { code: 'invalid_encoding', messageId: ID } },
  { name: 'a body over 1 MiB -> too_large', input: input({ body: { ...EVENT, pad: 'x'.repeat(1024 * 1024) } }), expected: { code: 'too_large', messageId: ID } },
];

for (const c of deadCases) {
  test(`transform: ${c.name}`, () => {
    const out = transform(c.input, mask);
    assert.is(out.kind, 'dead');
    if (out.kind !== 'dead') return;
    assert.is(out.code, c.expected.code);
    assert.is(out.messageId, c.expected.messageId);
    assert.ok(out.message.length > 0, 'a dead letter says why');
  });
}

// ---- no dead letter ever carries the clear ip or device_id ----------------------------------------

interface Pii { ip: string; deviceId: string }

/** Hostile bodies carrying the clear ip and device_id somewhere, with the code each must get. */
const hostile: { name: string; make: (p: Pii, rand: () => number) => Buffer; code: DeadLetterCode }[] = [
  { name: 'user_id too long', make: (p) => json({ ...EVENT, ip: p.ip, device_id: p.deviceId, user_id: 'u'.repeat(129) }), code: 'too_long' },
  { name: 'device_id too long', make: (p) => json({ ...EVENT, ip: p.ip, device_id: p.deviceId + 'x'.repeat(300) }), code: 'too_long' },
  { name: 'locale made of the device id', make: (p) => json({ ...EVENT, ip: p.ip, device_id: p.deviceId, locale: p.deviceId.repeat(5) }), code: 'too_long' },
  { name: 'ip with a leading space', make: (p) => json({ ...EVENT, ip: ` ${p.ip}`, device_id: p.deviceId }), code: 'invalid_ip' },
  { name: 'ip with a prefix length', make: (p) => json({ ...EVENT, ip: `${p.ip}/24`, device_id: p.deviceId }), code: 'invalid_ip' },
  { name: 'ip in brackets', make: (p) => json({ ...EVENT, ip: `[${p.ip}]`, device_id: p.deviceId }), code: 'invalid_ip' },
  { name: 'ip with a zone id', make: (p) => json({ ...EVENT, ip: `${p.ip}%eth0`, device_id: p.deviceId }), code: 'invalid_ip' },
  { name: 'ip followed by a NUL', make: (p) => json({ ...EVENT, ip: `${p.ip}\u0000`, device_id: p.deviceId }), code: 'contains_nul' },
  { name: 'device_id followed by a NUL', make: (p) => json({ ...EVENT, ip: p.ip, device_id: `${p.deviceId}\u0000` }), code: 'contains_nul' },
  { name: 'device_type made of the device id and a NUL', make: (p) => json({ ...EVENT, ip: p.ip, device_id: p.deviceId, device_type: `${p.deviceId}\u0000` }), code: 'contains_nul' },
  { name: 'device_id with an unpaired surrogate', make: (p) => json({ ...EVENT, ip: p.ip, device_id: `${p.deviceId}\ud800` }), code: 'invalid_encoding' },
  { name: 'ip inside an array', make: (p) => json({ ...EVENT, ip: [p.ip], device_id: p.deviceId }), code: 'invalid_type' },
  { name: 'ip inside an object', make: (p) => json({ ...EVENT, ip: { v: p.ip }, device_id: p.deviceId }), code: 'invalid_type' },
  { name: 'device_id inside an array', make: (p) => json({ ...EVENT, ip: p.ip, device_id: [p.deviceId] }), code: 'invalid_type' },
  { name: 'user_id a number next to clear values', make: (p) => json({ ...EVENT, ip: p.ip, device_id: p.deviceId, user_id: 12345 }), code: 'invalid_type' },
  { name: 'the ip as app_version', make: (p) => json({ ...EVENT, ip: p.ip, device_id: p.deviceId, app_version: p.ip }), code: 'invalid_app_version' },
  { name: 'the device id as app_version', make: (p) => json({ ...EVENT, ip: p.ip, device_id: p.deviceId, app_version: p.deviceId }), code: 'invalid_app_version' },
  { name: 'user_id missing', make: (p) => json({ ip: p.ip, device_id: p.deviceId }), code: 'missing_field' },
  { name: 'the clear values used as keys', make: (p) => json({ [p.ip]: p.deviceId, [p.deviceId]: p.ip }), code: 'missing_field' },
  { name: 'user_id blank', make: (p) => json({ ...EVENT, ip: p.ip, device_id: p.deviceId, user_id: ' \t' }), code: 'empty_value' },
  { name: 'user_id with a NUL', make: (p) => json({ ...EVENT, ip: p.ip, device_id: p.deviceId, user_id: 'a\u0000' }), code: 'contains_nul' },
  { name: 'the event inside an array', make: (p) => json([{ ...EVENT, ip: p.ip, device_id: p.deviceId }]), code: 'not_an_object' },
  { name: 'the event encoded twice (a JSON string)', make: (p) => json(JSON.stringify({ ...EVENT, ip: p.ip, device_id: p.deviceId })), code: 'not_an_object' },
  { name: 'the event cut short', make: (p, rand) => { const b = json({ ...EVENT, ip: p.ip, device_id: p.deviceId }); return b.subarray(0, Math.floor(rand() * (b.length - 1))); }, code: 'invalid_json' },
  { name: 'the event with a trailing comma', make: (p) => buf(JSON.stringify({ ...EVENT, ip: p.ip, device_id: p.deviceId }).replace(/}$/, ',}')), code: 'invalid_json' },
  { name: 'the event nested 100 deep', make: (p) => buf(JSON.stringify({ ...EVENT, ip: p.ip, device_id: p.deviceId }).replace(/}$/, `,"x":${'['.repeat(100)}${']'.repeat(100)}}`)), code: 'invalid_json' },
  { name: 'the event after a byte order mark', make: (p) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json({ ...EVENT, ip: p.ip, device_id: p.deviceId })]), code: 'invalid_encoding' },
  {
    name: 'an invalid UTF-8 byte inside the device id',
    make: (p) => { const text = JSON.stringify({ ...EVENT, ip: p.ip, device_id: p.deviceId }); const at = text.indexOf(p.deviceId) + 2; return Buffer.concat([buf(text.slice(0, at)), Buffer.from([0xc0]), buf(text.slice(at))]); },
    code: 'invalid_encoding',
  },
];

function randomPii(rand: () => number): Pii {
  const int = (n: number) => Math.floor(rand() * n);
  const hex4 = () => int(65536).toString(16);
  const ip = rand() < 0.6
    ? `${1 + int(223)}.${int(256)}.${int(256)}.${int(256)}`
    : `2001:db8:${hex4()}:${hex4()}:${hex4()}::${hex4()}`;
  const deviceId = rand() < 0.7
    ? `${100 + int(900)}-${10 + int(90)}-${1000 + int(9000)}`
    : `dev-${Array.from({ length: 16 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[int(36)]).join('')}`;
  return { ip, deviceId };
}

test('transform + deadLetter: over 200 rounds of 28 hostile bodies, no dead letter contains the clear ip or device_id', () => {
  const rand = prng(5150);
  let checked = 0;
  for (let round = 0; round < 200; round++) {
    const pii = randomPii(rand);
    const needles = [pii.ip, pii.ip.toLowerCase(), pii.ip.toUpperCase(), pii.deviceId];
    for (const h of hostile) {
      const value = h.make(pii, rand);
      const messageId = `m-${round}-${checked}`;
      const out = transform({ value, headers: headers({ 'sqs.message_id': messageId, 'sqs.sent_timestamp': SENT }), timestamp: RECORD_TS }, mask);
      const where = `${h.name} with ip ${pii.ip} and device_id ${pii.deviceId}`;
      assert.is(out.kind, 'dead', where);
      if (out.kind !== 'dead') continue;
      assert.is(out.code, h.code, where);
      const letter = deadLetter({ topic: 'logins.raw', partition: 3, offset: '42', key: buf(messageId), value, headers: headers({ 'sqs.message_id': messageId }) }, out.code, out.message, out.messageId);
      const texts = [out.message, ...Object.entries(letter.headers).flatMap(([k, v]) => [k, v.toString()])];
      for (const t of texts) {
        for (const n of needles) assert.not.ok(t.includes(n), `"${t}" contains "${n}" (${where})`);
      }
      // The value is the rejected body, verbatim, by design: it is the only place the clear values go.
      assert.ok(letter.value === value);
      checked++;
    }
  }
  assert.is(checked, 200 * hostile.length);
});

test('transform: a valid event never carries the clear ip or device_id in its clean record, over 500 seeded events', () => {
  const rand = prng(8080);
  for (let i = 0; i < 500; i++) {
    const pii = randomPii(rand);
    const out = transform(input({ body: { ...EVENT, ip: pii.ip, device_id: pii.deviceId } }), mask);
    assert.is(out.kind, 'clean', pii.ip);
    const text = JSON.stringify(out);
    for (const n of [pii.ip, pii.deviceId]) assert.not.ok(text.includes(n), `${n} in ${text}`);
  }
});

test('transform: a body over 1 MiB full of clear values is too_large and its message echoes none of them', () => {
  const ip = '203.0.113.77';
  const deviceId = '555-55-5555';
  const out = transform(input({ body: { ...EVENT, ip, device_id: deviceId, pad: `${ip} ${deviceId} `.repeat(50_000) } }), mask);
  assert.is(out.kind, 'dead');
  if (out.kind === 'dead') {
    assert.is(out.code, 'too_large');
    assert.not.ok(out.message.includes(ip) || out.message.includes(deviceId), out.message);
  }
});

test.run();
