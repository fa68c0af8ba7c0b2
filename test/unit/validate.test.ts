import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEAD_LETTER_CODES, isDeadLetterCode, type DeadLetterCode } from '../../lib/records/dead-letter-codes.js';
import { MAX_LOGIN_BODY_BYTES, validateLogin, type LoginEvent } from '../../processor/validate.js';

// Expected outcomes are written from the rules in the brief, not taken from running the code.

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? utf8(p) : Buffer.from(p))));

/** The example event from the brief. */
const BASE = {
  user_id: '424cdd21-063a-43a7-b91b-7ca1a833afae',
  app_version: '2.3.0',
  device_type: 'android',
  ip: '199.172.111.135',
  locale: 'RU',
  device_id: '593-47-5928',
};
const BASE_EVENT: LoginEvent = {
  userId: '424cdd21-063a-43a7-b91b-7ca1a833afae',
  ip: '199.172.111.135',
  deviceId: '593-47-5928',
  deviceType: 'android',
  locale: 'RU',
  appVersion: '2.3.0',
};

const json = (o: unknown) => utf8(JSON.stringify(o));
const withFields = (fields: Record<string, unknown>) => json({ ...BASE, ...fields });
const without = (...keys: string[]) => {
  const o: Record<string, unknown> = { ...BASE };
  for (const k of keys) delete o[k];
  return json(o);
};
/** The base event as JSON text with one field's value spliced in as raw JSON (for escapes). */
const withRaw = (key: string, rawJson: string) => {
  const o: Record<string, unknown> = { ...BASE };
  delete o[key];
  return utf8(`${JSON.stringify(o).slice(0, -1)},"${key}":${rawJson}}`);
};

const EMOJI = '\u{1f600}'; // one code point, two UTF-16 units, four UTF-8 bytes

// ---- accepted events -------------------------------------------------------------------------

const accepted: { name: string; input: Uint8Array; expected: LoginEvent }[] = [
  { name: 'the example event is accepted with its fields as given', input: json(BASE), expected: BASE_EVENT },
  {
    name: 'an IPv6 ip is kept in RFC 5952 form',
    input: withFields({ ip: '2001:0DB8:0:0:1:0:0:1' }),
    expected: { ...BASE_EVENT, ip: '2001:db8::1:0:0:1' },
  },
  {
    name: 'an IPv4-mapped IPv6 ip is kept as the plain IPv4 address',
    input: withFields({ ip: '::ffff:c0a8:0101' }),
    expected: { ...BASE_EVENT, ip: '192.168.1.1' },
  },
  {
    name: 'absent optional fields are null',
    input: without('device_type', 'locale', 'app_version'),
    expected: { ...BASE_EVENT, deviceType: null, locale: null, appVersion: null },
  },
  {
    name: 'null optional fields are null',
    input: withFields({ device_type: null, locale: null, app_version: null }),
    expected: { ...BASE_EVENT, deviceType: null, locale: null, appVersion: null },
  },
  {
    name: 'empty optional fields are null',
    input: withFields({ device_type: '', locale: '', app_version: '' }),
    expected: { ...BASE_EVENT, deviceType: null, locale: null, appVersion: null },
  },
  {
    name: 'whitespace-only optional fields are null',
    input: withFields({ device_type: ' ', locale: '\t\n', app_version: '\u3000' }),
    expected: { ...BASE_EVENT, deviceType: null, locale: null, appVersion: null },
  },
  {
    name: 'a two-part app_version is kept as text',
    input: withFields({ app_version: '0.96' }),
    expected: { ...BASE_EVENT, appVersion: '0.96' },
  },
  {
    name: 'unknown extra fields are ignored',
    input: withFields({ extra: { nested: [1, 2, 3] }, foo: 'oops', constructor: 1, toString: 'x', hasOwnProperty: 2 }),
    expected: BASE_EVENT,
  },
  {
    name: 'of duplicate keys the last one counts',
    input: utf8(`{"user_id":"first","user_id":"second","ip":"1.1.1.1","ip":"2.2.2.2","device_id":"d"}`),
    expected: { userId: 'second', ip: '2.2.2.2', deviceId: 'd', deviceType: null, locale: null, appVersion: null },
  },
  {
    name: 'a __proto__ key is ignored like any unknown field',
    input: utf8(`{"__proto__":{"locale":"XX","device_type":"evil"},${JSON.stringify(BASE).slice(1)}`),
    expected: BASE_EVENT,
  },
  {
    name: 'values are not trimmed',
    input: withFields({ user_id: ' u 1 ', device_id: '\tdev\t', locale: ' en-GB' }),
    expected: { ...BASE_EVENT, userId: ' u 1 ', deviceId: '\tdev\t', locale: ' en-GB' },
  },
  {
    name: 'non-ASCII text is kept as sent',
    input: withFields({ locale: 'русский', device_type: 'スマホ', user_id: 'ü' }),
    expected: { ...BASE_EVENT, locale: 'русский', deviceType: 'スマホ', userId: 'ü' },
  },
  {
    name: 'escaped characters and surrogate pairs decode to their characters',
    input: withRaw('locale', '"\\u00e9\\ud83d\\ude00"'),
    expected: { ...BASE_EVENT, locale: `\u00e9${EMOJI}` },
  },
  {
    name: 'user_id of exactly 128 characters is accepted',
    input: withFields({ user_id: 'u'.repeat(128) }),
    expected: { ...BASE_EVENT, userId: 'u'.repeat(128) },
  },
  {
    name: 'user_id of 128 emoji (256 UTF-16 units) is accepted: characters are code points',
    input: withFields({ user_id: EMOJI.repeat(128) }),
    expected: { ...BASE_EVENT, userId: EMOJI.repeat(128) },
  },
  {
    name: 'device_id of exactly 256 characters is accepted',
    input: withFields({ device_id: 'd'.repeat(256) }),
    expected: { ...BASE_EVENT, deviceId: 'd'.repeat(256) },
  },
  {
    name: 'device_type and locale of exactly 32 characters are accepted',
    input: withFields({ device_type: 't'.repeat(32), locale: EMOJI.repeat(32) }),
    expected: { ...BASE_EVENT, deviceType: 't'.repeat(32), locale: EMOJI.repeat(32) },
  },
  {
    name: 'pretty-printed JSON with surrounding whitespace is accepted',
    input: utf8(`\n\t ${JSON.stringify(BASE, null, 2)} \r\n`),
    expected: BASE_EVENT,
  },
  {
    name: 'an unknown field nested to the depth limit (64 with the event itself) does not matter',
    input: utf8(`{"deep":${'['.repeat(63)}${']'.repeat(63)},${JSON.stringify(BASE).slice(1)}`),
    expected: BASE_EVENT,
  },
  {
    name: 'brackets and escaped quotes inside strings do not count as nesting',
    input: utf8(`{"note":"\\\"${'[{'.repeat(1000)}\\\\",${JSON.stringify(BASE).slice(1)}`),
    expected: BASE_EVENT,
  },
  {
    name: 'a body of exactly the size limit is accepted',
    input: utf8(JSON.stringify(BASE).padEnd(MAX_LOGIN_BODY_BYTES, ' ')),
    expected: BASE_EVENT,
  },
  {
    name: 'a view into a larger buffer is read from its own offset',
    input: (() => {
      const inner = json(BASE);
      const outer = new Uint8Array(inner.length + 10).fill(0xff);
      outer.set(inner, 5);
      return outer.subarray(5, 5 + inner.length);
    })(),
    expected: BASE_EVENT,
  },
];

for (const c of accepted) {
  test(c.name, () => {
    const v = validateLogin(c.input);
    assert.equal(v, { ok: true, event: c.expected });
  });
}

// ---- rejected bodies -------------------------------------------------------------------------

const rejected: { name: string; input: Uint8Array; expected: { code: DeadLetterCode; field?: string } }[] = [
  // the body as a whole
  { name: 'a body over the size limit is too_large', input: utf8(JSON.stringify(BASE).padEnd(MAX_LOGIN_BODY_BYTES + 1, ' ')), expected: { code: 'too_large' } },
  { name: 'a UTF-8 byte order mark is invalid_encoding', input: bytes([0xef, 0xbb, 0xbf], JSON.stringify(BASE)), expected: { code: 'invalid_encoding' } },
  { name: 'a lone continuation byte is invalid_encoding', input: bytes('{"user_id":"a', [0x80], '"}'), expected: { code: 'invalid_encoding' } },
  { name: 'an overlong encoding of "/" is invalid_encoding', input: bytes('{"user_id":"a', [0xc0, 0xaf], '"}'), expected: { code: 'invalid_encoding' } },
  { name: 'an encoded surrogate (CESU-8) is invalid_encoding', input: bytes('{"user_id":"', [0xed, 0xa0, 0x80], '"}'), expected: { code: 'invalid_encoding' } },
  { name: 'a code point above U+10FFFF is invalid_encoding', input: bytes('{"user_id":"', [0xf4, 0x90, 0x80, 0x80], '"}'), expected: { code: 'invalid_encoding' } },
  { name: 'a truncated multi-byte sequence is invalid_encoding', input: bytes('{"user_id":"a"}', [0xe2, 0x82]), expected: { code: 'invalid_encoding' } },
  { name: 'Latin-1 text is invalid_encoding', input: bytes('{"locale":"caf', [0xe9], '"}'), expected: { code: 'invalid_encoding' } },
  { name: 'UTF-16 text is invalid_encoding', input: Buffer.from(`\ufeff${JSON.stringify(BASE)}`, 'utf16le'), expected: { code: 'invalid_encoding' } },
  { name: 'bytes 0xff are invalid_encoding', input: Buffer.alloc(64, 0xff), expected: { code: 'invalid_encoding' } },
  { name: 'an empty body is invalid_json', input: new Uint8Array(0), expected: { code: 'invalid_json' } },
  { name: 'a whitespace-only body is invalid_json', input: utf8(' \n\t '), expected: { code: 'invalid_json' } },
  { name: 'plain text is invalid_json', input: utf8('not json at all 123'), expected: { code: 'invalid_json' } },
  { name: 'a truncated object is invalid_json', input: utf8('{"user_id": "abc", "ip": '), expected: { code: 'invalid_json' } },
  { name: 'single-quoted JSON is invalid_json', input: utf8("{'user_id': 'abc'}"), expected: { code: 'invalid_json' } },
  { name: 'a trailing comma is invalid_json', input: utf8(`${JSON.stringify(BASE).slice(0, -1)},}`), expected: { code: 'invalid_json' } },
  { name: 'a comment is invalid_json', input: utf8(`// login\n${JSON.stringify(BASE)}`), expected: { code: 'invalid_json' } },
  { name: 'NaN is invalid_json', input: utf8('{"user_id": NaN}'), expected: { code: 'invalid_json' } },
  { name: 'two JSON texts are invalid_json', input: utf8(`${JSON.stringify(BASE)}${JSON.stringify(BASE)}`), expected: { code: 'invalid_json' } },
  { name: 'a raw control character in a string is invalid_json', input: utf8('{"user_id":"a\u0001b"}'), expected: { code: 'invalid_json' } },
  { name: 'a bad escape is invalid_json', input: utf8('{"user_id":"\\x41"}'), expected: { code: 'invalid_json' } },
  { name: 'a megabyte of "[" is invalid_json, not a crash', input: utf8('['.repeat(MAX_LOGIN_BODY_BYTES)), expected: { code: 'invalid_json' } },
  { name: 'a megabyte of nested objects left open is invalid_json', input: utf8('{"a":'.repeat(MAX_LOGIN_BODY_BYTES / 5)), expected: { code: 'invalid_json' } },
  { name: 'an array is not_an_object', input: utf8(`[${JSON.stringify(BASE)}]`), expected: { code: 'not_an_object' } },
  { name: 'null is not_an_object', input: utf8('null'), expected: { code: 'not_an_object' } },
  { name: 'a number is not_an_object', input: utf8('42'), expected: { code: 'not_an_object' } },
  { name: 'a string is not_an_object', input: utf8('"{\\"user_id\\":\\"a\\"}"'), expected: { code: 'not_an_object' } },
  { name: 'true is not_an_object', input: utf8('true'), expected: { code: 'not_an_object' } },
  { name: 'half a megabyte of nested arrays is invalid_json, not a crash', input: utf8(`${'['.repeat(MAX_LOGIN_BODY_BYTES / 2)}${']'.repeat(MAX_LOGIN_BODY_BYTES / 2)}`), expected: { code: 'invalid_json' } },
  { name: 'an unknown field nested one level too deep is invalid_json', input: utf8(`{"deep":${'['.repeat(64)}${']'.repeat(64)},${JSON.stringify(BASE).slice(1)}`), expected: { code: 'invalid_json' } },
  { name: 'arrays nested 64 deep are not_an_object', input: utf8(`${'['.repeat(64)}${']'.repeat(64)}`), expected: { code: 'not_an_object' } },
  // required fields
  { name: 'the wrong message type is missing_field user_id', input: utf8('{"foo": "oops_wrong_msg_type", "bar": "123"}'), expected: { code: 'missing_field', field: 'user_id' } },
  { name: 'an empty object is missing_field user_id', input: utf8('{}'), expected: { code: 'missing_field', field: 'user_id' } },
  { name: 'no ip is missing_field ip', input: without('ip'), expected: { code: 'missing_field', field: 'ip' } },
  { name: 'no device_id is missing_field device_id', input: without('device_id'), expected: { code: 'missing_field', field: 'device_id' } },
  { name: 'a null user_id is missing_field', input: withFields({ user_id: null }), expected: { code: 'missing_field', field: 'user_id' } },
  { name: 'a null ip is missing_field', input: withFields({ ip: null }), expected: { code: 'missing_field', field: 'ip' } },
  { name: 'fields only under __proto__ are missing_field', input: utf8(`{"__proto__":${JSON.stringify(BASE)}}`), expected: { code: 'missing_field', field: 'user_id' } },
  { name: 'fields only nested in an object are missing_field', input: json({ event: BASE }), expected: { code: 'missing_field', field: 'user_id' } },
  { name: 'a field name differing in case is missing_field', input: json({ ...BASE, user_id: undefined, User_Id: 'u' }), expected: { code: 'missing_field', field: 'user_id' } },
  // types
  { name: 'a number user_id is invalid_type, not converted', input: withFields({ user_id: 12345 }), expected: { code: 'invalid_type', field: 'user_id' } },
  { name: 'an array user_id is invalid_type', input: withFields({ user_id: ['a'] }), expected: { code: 'invalid_type', field: 'user_id' } },
  { name: 'an object user_id is invalid_type', input: withFields({ user_id: { id: 'a' } }), expected: { code: 'invalid_type', field: 'user_id' } },
  { name: 'a boolean user_id is invalid_type', input: withFields({ user_id: true }), expected: { code: 'invalid_type', field: 'user_id' } },
  { name: 'a number ip is invalid_type', input: withFields({ ip: 3232235777 }), expected: { code: 'invalid_type', field: 'ip' } },
  { name: 'an array of octets as ip is invalid_type', input: withFields({ ip: [192, 168, 1, 1] }), expected: { code: 'invalid_type', field: 'ip' } },
  { name: 'a number device_id is invalid_type', input: withFields({ device_id: 593475928 }), expected: { code: 'invalid_type', field: 'device_id' } },
  { name: 'a number device_type is invalid_type', input: withFields({ device_type: 1 }), expected: { code: 'invalid_type', field: 'device_type' } },
  { name: 'a boolean locale is invalid_type', input: withFields({ locale: false }), expected: { code: 'invalid_type', field: 'locale' } },
  { name: 'a number app_version is invalid_type, not converted', input: withFields({ app_version: 3.7 }), expected: { code: 'invalid_type', field: 'app_version' } },
  { name: 'an integer app_version is invalid_type', input: withFields({ app_version: 2 }), expected: { code: 'invalid_type', field: 'app_version' } },
  // empty values
  { name: 'an empty user_id is empty_value', input: withFields({ user_id: '' }), expected: { code: 'empty_value', field: 'user_id' } },
  { name: 'a whitespace user_id is empty_value', input: withFields({ user_id: ' \t\n' }), expected: { code: 'empty_value', field: 'user_id' } },
  { name: 'an ideographic-space user_id is empty_value', input: withFields({ user_id: '\u3000' }), expected: { code: 'empty_value', field: 'user_id' } },
  { name: 'an empty ip is empty_value', input: withFields({ ip: '' }), expected: { code: 'empty_value', field: 'ip' } },
  { name: 'an empty device_id is empty_value', input: withFields({ device_id: '' }), expected: { code: 'empty_value', field: 'device_id' } },
  { name: 'a whitespace device_id is empty_value', input: withFields({ device_id: '   ' }), expected: { code: 'empty_value', field: 'device_id' } },
  // lengths
  { name: 'user_id of 129 characters is too_long', input: withFields({ user_id: 'u'.repeat(129) }), expected: { code: 'too_long', field: 'user_id' } },
  { name: 'user_id of 129 emoji is too_long', input: withFields({ user_id: EMOJI.repeat(129) }), expected: { code: 'too_long', field: 'user_id' } },
  { name: 'a whitespace user_id of 200 characters is too_long', input: withFields({ user_id: ' '.repeat(200) }), expected: { code: 'too_long', field: 'user_id' } },
  { name: 'device_id of 257 characters is too_long', input: withFields({ device_id: 'd'.repeat(257) }), expected: { code: 'too_long', field: 'device_id' } },
  { name: 'device_type of 33 characters is too_long', input: withFields({ device_type: 't'.repeat(33) }), expected: { code: 'too_long', field: 'device_type' } },
  { name: 'locale of 40 characters is too_long', input: withFields({ locale: 'x'.repeat(40) }), expected: { code: 'too_long', field: 'locale' } },
  { name: 'locale of 33 emoji is too_long', input: withFields({ locale: EMOJI.repeat(33) }), expected: { code: 'too_long', field: 'locale' } },
  { name: 'a user_id of nearly a megabyte is too_long', input: withFields({ user_id: 'u'.repeat(MAX_LOGIN_BODY_BYTES - 200) }), expected: { code: 'too_long', field: 'user_id' } },
  // NUL
  { name: 'a NUL in device_type is contains_nul', input: withFields({ device_type: 'android\u0000' }), expected: { code: 'contains_nul', field: 'device_type' } },
  { name: 'a NUL in user_id is contains_nul', input: withFields({ user_id: 'a\u0000b' }), expected: { code: 'contains_nul', field: 'user_id' } },
  { name: 'a NUL after an ip is contains_nul', input: withFields({ ip: '1.2.3.4\u0000' }), expected: { code: 'contains_nul', field: 'ip' } },
  { name: 'a NUL in device_id is contains_nul', input: withFields({ device_id: '\u0000' }), expected: { code: 'contains_nul', field: 'device_id' } },
  { name: 'a NUL in locale is contains_nul', input: withFields({ locale: 'RU\u0000' }), expected: { code: 'contains_nul', field: 'locale' } },
  { name: 'a NUL in app_version is contains_nul', input: withFields({ app_version: '1.2\u0000' }), expected: { code: 'contains_nul', field: 'app_version' } },
  { name: 'a NUL in an over-long user_id is contains_nul', input: withFields({ user_id: `${'u'.repeat(200)}\u0000` }), expected: { code: 'contains_nul', field: 'user_id' } },
  // unpaired surrogates from escapes
  { name: 'an escaped lone high surrogate in user_id is invalid_encoding', input: withRaw('user_id', '"\\ud800"'), expected: { code: 'invalid_encoding', field: 'user_id' } },
  { name: 'an escaped lone low surrogate in device_id is invalid_encoding', input: withRaw('device_id', '"a\\udc00b"'), expected: { code: 'invalid_encoding', field: 'device_id' } },
  { name: 'an escaped surrogate pair in the wrong order is invalid_encoding', input: withRaw('locale', '"\\udc00\\ud800"'), expected: { code: 'invalid_encoding', field: 'locale' } },
  { name: 'two escaped low surrogates in a row are invalid_encoding', input: withRaw('user_id', '"\\udc00\\udc00"'), expected: { code: 'invalid_encoding', field: 'user_id' } },
  { name: 'an escaped high surrogate at the end of a string is invalid_encoding', input: withRaw('device_type', `"${EMOJI}\\ud83d"`), expected: { code: 'invalid_encoding', field: 'device_type' } },
  // ip
  { name: 'an IPv4 part above 255 is invalid_ip', input: withFields({ ip: '999.1.1.1' }), expected: { code: 'invalid_ip', field: 'ip' } },
  { name: 'a host name is invalid_ip', input: withFields({ ip: 'localhost' }), expected: { code: 'invalid_ip', field: 'ip' } },
  { name: 'an ip with leading whitespace is invalid_ip', input: withFields({ ip: ' 1.2.3.4' }), expected: { code: 'invalid_ip', field: 'ip' } },
  { name: 'an ip with a leading zero is invalid_ip', input: withFields({ ip: '010.1.1.1' }), expected: { code: 'invalid_ip', field: 'ip' } },
  { name: 'an ip with a zone id is invalid_ip', input: withFields({ ip: 'fe80::1%eth0' }), expected: { code: 'invalid_ip', field: 'ip' } },
  { name: 'an ip with a port is invalid_ip', input: withFields({ ip: '[::1]:443' }), expected: { code: 'invalid_ip', field: 'ip' } },
  { name: 'a mapped ip with a bad IPv4 part is invalid_ip', input: withFields({ ip: '::ffff:999.1.1.1' }), expected: { code: 'invalid_ip', field: 'ip' } },
  { name: 'an ip of a megabyte is invalid_ip', input: withFields({ ip: '1'.repeat(MAX_LOGIN_BODY_BYTES - 200) }), expected: { code: 'invalid_ip', field: 'ip' } },
  // app_version
  { name: 'a letter in app_version is invalid_app_version', input: withFields({ app_version: '2.x' }), expected: { code: 'invalid_app_version', field: 'app_version' } },
  { name: 'four app_version parts are invalid_app_version', input: withFields({ app_version: '1.2.3.4' }), expected: { code: 'invalid_app_version', field: 'app_version' } },
  { name: 'a v prefix is invalid_app_version', input: withFields({ app_version: 'v1.2' }), expected: { code: 'invalid_app_version', field: 'app_version' } },
  { name: 'an app_version part above 999 is invalid_app_version', input: withFields({ app_version: '1000' }), expected: { code: 'invalid_app_version', field: 'app_version' } },
  { name: 'an app_version with padding is invalid_app_version', input: withFields({ app_version: ' 1.2' }), expected: { code: 'invalid_app_version', field: 'app_version' } },
  { name: 'an app_version of a megabyte is invalid_app_version', input: withFields({ app_version: '9'.repeat(MAX_LOGIN_BODY_BYTES - 200) }), expected: { code: 'invalid_app_version', field: 'app_version' } },
  // order: the first field in user_id, ip, device_id, device_type, locale, app_version decides
  { name: 'with every field wrong, user_id is reported', input: json({ user_id: 1, ip: 'x', device_id: '', device_type: 2, locale: 3, app_version: 'x' }), expected: { code: 'invalid_type', field: 'user_id' } },
  { name: 'a bad ip is reported before a missing device_id', input: json({ user_id: 'u', ip: 'x' }), expected: { code: 'invalid_ip', field: 'ip' } },
  { name: 'a missing device_id is reported before a bad device_type', input: json({ user_id: 'u', ip: '1.2.3.4', device_type: 5 }), expected: { code: 'missing_field', field: 'device_id' } },
  { name: 'a long locale is reported before a bad app_version', input: withFields({ locale: 'x'.repeat(33), app_version: 'x' }), expected: { code: 'too_long', field: 'locale' } },
  { name: 'key order in the body does not change which error is reported', input: utf8('{"app_version":"x","locale":7,"device_id":"d","ip":"1.2.3.4","user_id":"u"}'), expected: { code: 'invalid_type', field: 'locale' } },
];

for (const c of rejected) {
  test(c.name, () => {
    const v = validateLogin(c.input);
    assert.is(v.ok, false);
    if (v.ok) return;
    assert.is(v.code, c.expected.code, v.message);
    assert.is(v.field, c.expected.field, v.message);
    assert.type(v.message, 'string');
    if (c.expected.field !== undefined) assert.ok(v.message.startsWith(`${c.expected.field}: `), v.message);
  });
}

/** Top-level string values of a body that JSON.parse can read, for the echo check below. */
function stringValues(input: Uint8Array): string[] {
  try {
    const o = JSON.parse(Buffer.from(input).toString('utf8')) as unknown;
    if (typeof o !== 'object' || o === null) return [];
    return Object.values(o).filter((v): v is string => typeof v === 'string');
  } catch {
    return [];
  }
}

test('no rejection message echoes a value from the body', () => {
  for (const c of rejected) {
    const v = validateLogin(c.input);
    if (v.ok) continue;
    for (const value of stringValues(c.input)) {
      if (value.trim().length >= 3) assert.not.ok(v.message.includes(value), `${c.name}: ${v.message}`);
    }
  }
});

test('a rejected ip or device_id never appears in the message, whatever the rule broken', () => {
  const ip = '203.0.113.77';
  const deviceId = 'SECRET-DEVICE-771';
  const bodies = [
    json({ user_id: 1, ip, device_id: deviceId }),
    json({ user_id: 'u', ip: `${ip}\u0000`, device_id: deviceId }),
    json({ user_id: 'u', ip: ` ${ip}`, device_id: deviceId }),
    json({ user_id: 'u', ip: `${ip}.1`, device_id: deviceId }),
    json({ user_id: 'u', ip, device_id: `${deviceId}\u0000` }),
    json({ user_id: 'u', ip, device_id: deviceId.repeat(20) }),
    json({ user_id: 'u', ip, device_id: deviceId, locale: 'x'.repeat(33) }),
    json({ user_id: 'u', ip, device_id: deviceId, app_version: '2.x' }),
    json([{ ip, device_id: deviceId }]),
    utf8(`{"ip":"${ip}","device_id":"${deviceId}"`),
  ];
  for (const body of bodies) {
    const v = validateLogin(body);
    assert.is(v.ok, false);
    if (v.ok) continue;
    assert.not.ok(v.message.includes(ip) || v.message.includes('203.0.113') || v.message.includes(deviceId), v.message);
  }
});

test('too_long names the limit and the length, in characters', () => {
  const v = validateLogin(withFields({ user_id: EMOJI.repeat(130) }));
  assert.equal(v, { ok: false, code: 'too_long', field: 'user_id', message: 'user_id: longer than 128 characters (130)' });
});

test('invalid_ip says the rule without the value', () => {
  const v = validateLogin(withFields({ ip: '10.0.0.256' }));
  assert.equal(v, { ok: false, code: 'invalid_ip', field: 'ip', message: 'ip: not an IPv4 or IPv6 address' });
});

test('a __proto__ key does not pollute Object.prototype', () => {
  const v = validateLogin(utf8(`{"__proto__":{"polluted":"yes","user_id":"x"},${JSON.stringify(BASE).slice(1)}`));
  assert.is(v.ok, true);
  assert.is((({}) as Record<string, unknown>).polluted, undefined);
  assert.is(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

test('a field inherited from a polluted Object.prototype is not read', () => {
  const proto = Object.prototype as Record<string, unknown>;
  proto.locale = 'XX';
  proto.user_id = 'from-prototype';
  try {
    assert.equal(validateLogin(without('locale')), { ok: true, event: { ...BASE_EVENT, locale: null } });
    const v = validateLogin(without('user_id'));
    assert.is(v.ok ? 'ok' : v.code, 'missing_field');
  } finally {
    delete proto.locale;
    delete proto.user_id;
  }
});

test('hostile bodies near the size limit are decided quickly', () => {
  const hostile = [
    utf8('['.repeat(MAX_LOGIN_BODY_BYTES)),
    utf8(`${'['.repeat(MAX_LOGIN_BODY_BYTES / 2)}${']'.repeat(MAX_LOGIN_BODY_BYTES / 2)}`),
    utf8(`{"a":${'{"a":'.repeat(MAX_LOGIN_BODY_BYTES / 5 - 1)}1${'}'.repeat(MAX_LOGIN_BODY_BYTES / 5)}`.slice(0, MAX_LOGIN_BODY_BYTES)),
    withFields({ user_id: '\u0000'.repeat(MAX_LOGIN_BODY_BYTES / 7) }),
    withRaw('device_id', `"${'\\ud800'.repeat(MAX_LOGIN_BODY_BYTES / 7)}"`),
  ];
  for (const body of hostile) {
    assert.ok(body.length <= MAX_LOGIN_BODY_BYTES, `hostile body of ${body.length} bytes is within the limit`);
    const started = process.hrtime.bigint();
    const v = validateLogin(body);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.is(v.ok, false);
    // Generous: a slow CI machine must still pass; a hang or quadratic blow-up must not.
    assert.ok(ms < 2000, `took ${ms} ms`);
  }
});

// ---- dead-letter codes -----------------------------------------------------------------------

test('the dead-letter codes are exactly the documented list', () => {
  const expected = [
    'invalid_encoding', 'invalid_json', 'not_an_object', 'missing_field', 'invalid_type', 'empty_value', 'too_long',
    'contains_nul', 'invalid_ip', 'invalid_app_version', 'invalid_sns_envelope', 'missing_metadata', 'invalid_avro', 'unstorable_record', 'rejected_by_database', 'too_large',
  ];
  assert.equal(DEAD_LETTER_CODES.map((c) => c.code), expected);
});

test('every dead-letter code has a one-line description', () => {
  for (const c of DEAD_LETTER_CODES) {
    assert.match(c.code, /^[a-z]+(_[a-z]+)*$/);
    assert.ok(c.description.length > 10 && !c.description.includes('\n'), c.code);
  }
});

test('isDeadLetterCode knows the list and nothing else', () => {
  for (const c of DEAD_LETTER_CODES) assert.ok(isDeadLetterCode(c.code));
  for (const s of ['', 'INVALID_JSON', 'invalid json', 'toString', '__proto__', 'constructor']) assert.not.ok(isDeadLetterCode(s), s);
});

test('every code validateLogin gives is on the list', () => {
  for (const c of rejected) {
    const v = validateLogin(c.input);
    if (!v.ok) assert.ok(isDeadLetterCode(v.code), v.code);
  }
});

test.run();
