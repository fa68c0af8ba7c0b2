// Fields beyond the built-in ones: those the clean schema adds (CLEAN_SCHEMA_FILE) are checked and
// copied; those nobody declared are dropped, never an error. Expected values come from the rules in
// processor/validate.ts's opening comment.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateLogin } from '../../processor/validate.js';
import type { ExtraField, ExtraValues } from '../../lib/records/clean-schema.js';

const BASE = { user_id: 'u-1', ip: '10.0.0.1', device_id: 'd-1' };
const EVENT = { userId: 'u-1', ip: '10.0.0.1', deviceId: 'd-1', deviceType: null, locale: null, appVersion: null };
const body = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...BASE, ...fields }), 'utf8');
const raw = (text: string) => Buffer.from(text, 'utf8');

const OS: ExtraField = { name: 'os_version', kind: 'string', maxLength: 8 };
const ALL: ExtraField[] = [
  OS,
  { name: 'rooted', kind: 'boolean' },
  { name: 'screen_width', kind: 'int' },
  { name: 'boot_ms', kind: 'long' },
  { name: 'battery', kind: 'double' },
];
const NULLS = { os_version: null, rooted: null, screen_width: null, boot_ms: null, battery: null };

const accepted: { name: string; input: Buffer; extras: ExtraField[]; extra?: ExtraValues }[] = [
  { name: 'without added fields, an unknown field is dropped and no extra values appear', input: body({ os_version: '14', screen: { w: 1 } }), extras: [] },
  { name: 'an unknown field of any type is dropped, also beside added fields', input: body({ os_version: '14', tags: [1, 'a'], nested: { deep: [{}] } }), extras: [OS], extra: { os_version: '14' } },
  { name: 'an added field absent is null', input: body({}), extras: ALL, extra: NULLS },
  { name: 'an added field null is null', input: body({ os_version: null, rooted: null, screen_width: null, boot_ms: null, battery: null }), extras: ALL, extra: NULLS },
  { name: 'each kind takes its JSON value', input: body({ os_version: '17.1', rooted: false, screen_width: -2147483648, boot_ms: 9007199254740991, battery: 0.5 }), extras: ALL, extra: { os_version: '17.1', rooted: false, screen_width: -2147483648, boot_ms: 9007199254740991, battery: 0.5 } },
  { name: 'an int field takes 1.0, which JSON cannot tell from 1', input: body({ screen_width: 1.0 }), extras: [ALL[2]!], extra: { screen_width: 1 } },
  { name: 'a double field takes an integer', input: body({ battery: 3 }), extras: [ALL[4]!], extra: { battery: 3 } },
  { name: 'a blank added string is null, as a blank optional field is', input: body({ os_version: ' \t' }), extras: [OS], extra: { os_version: null } },
  { name: 'an added string is counted in code points against its maxLength', input: body({ os_version: '\u{1f600}'.repeat(8) }), extras: [OS], extra: { os_version: '\u{1f600}'.repeat(8) } },
  { name: 'an added string without maxLength has no limit of its own', input: body({ note: 'x'.repeat(10_000) }), extras: [{ name: 'note', kind: 'string' }], extra: { note: 'x'.repeat(10_000) } },
  { name: 'with a duplicate key the last one wins for an added field too', input: raw('{"user_id":"u-1","ip":"10.0.0.1","device_id":"d-1","os_version":"1","os_version":"2"}'), extras: [OS], extra: { os_version: '2' } },
  { name: 'a field named like an Object.prototype member is read only as an own property', input: body({}), extras: [{ name: 'constructor', kind: 'string' }, { name: 'tostring', kind: 'string' }], extra: { constructor: null, tostring: null } },
];

for (const c of accepted) {
  test(c.name, () => {
    const v = validateLogin(c.input, c.extras);
    assert.equal(v, { ok: true, event: c.extra === undefined ? EVENT : { ...EVENT, extra: c.extra } });
  });
}

const rejected: { name: string; input: Buffer; extras: ExtraField[]; code: string; field: string }[] = [
  { name: 'an added string field holding a number is invalid_type', input: body({ os_version: 14 }), extras: [OS], code: 'invalid_type', field: 'os_version' },
  { name: 'an added string field holding an object is invalid_type', input: body({ os_version: { major: 14 } }), extras: [OS], code: 'invalid_type', field: 'os_version' },
  { name: 'an added string over its maxLength is too_long', input: body({ os_version: '123456789' }), extras: [OS], code: 'too_long', field: 'os_version' },
  { name: 'an added string with a NUL is contains_nul', input: body({ os_version: 'a\u0000b' }), extras: [OS], code: 'contains_nul', field: 'os_version' },
  { name: 'an added string with an unpaired surrogate is invalid_encoding', input: raw('{"user_id":"u-1","ip":"10.0.0.1","device_id":"d-1","os_version":"\\ud800"}'), extras: [OS], code: 'invalid_encoding', field: 'os_version' },
  { name: 'a boolean field holding "true" is invalid_type: nothing is converted', input: body({ rooted: 'true' }), extras: [ALL[1]!], code: 'invalid_type', field: 'rooted' },
  { name: 'a boolean field holding 1 is invalid_type', input: body({ rooted: 1 }), extras: [ALL[1]!], code: 'invalid_type', field: 'rooted' },
  { name: 'an int field holding a fraction is invalid_type', input: body({ screen_width: 1.5 }), extras: [ALL[2]!], code: 'invalid_type', field: 'screen_width' },
  { name: 'an int field holding 2^31 is invalid_type', input: body({ screen_width: 2147483648 }), extras: [ALL[2]!], code: 'invalid_type', field: 'screen_width' },
  { name: 'an int field holding a numeric string is invalid_type', input: body({ screen_width: '1080' }), extras: [ALL[2]!], code: 'invalid_type', field: 'screen_width' },
  { name: 'a long field holding 2^53 (already rounded by JSON) is invalid_type', input: raw('{"user_id":"u-1","ip":"10.0.0.1","device_id":"d-1","boot_ms":9007199254740993}'), extras: [ALL[3]!], code: 'invalid_type', field: 'boot_ms' },
  { name: 'a double field holding 1e400 (Infinity to JSON.parse) is invalid_type', input: raw('{"user_id":"u-1","ip":"10.0.0.1","device_id":"d-1","battery":1e400}'), extras: [ALL[4]!], code: 'invalid_type', field: 'battery' },
  { name: 'a double field holding an array is invalid_type', input: body({ battery: [0.5] }), extras: [ALL[4]!], code: 'invalid_type', field: 'battery' },
  { name: 'added fields are checked in the schema\'s order, after the built-in ones', input: body({ rooted: 'no', os_version: 7 }), extras: ALL, code: 'invalid_type', field: 'os_version' },
  { name: 'a built-in field is checked before any added one', input: body({ device_type: 5, os_version: 7 }), extras: ALL, code: 'invalid_type', field: 'device_type' },
];

for (const c of rejected) {
  test(c.name, () => {
    const v = validateLogin(c.input, c.extras);
    assert.is(v.ok, false);
    if (v.ok) return;
    assert.is(v.code, c.code);
    assert.is(v.field, c.field);
    assert.ok(v.message.startsWith(`${c.field}: `), 'the message names the field');
  });
}

test('a message about an added field never echoes its value', () => {
  const secret = 'secret-value-123';
  for (const [extras, fields] of [[[OS], { os_version: secret }], [[ALL[2]!], { screen_width: secret }], [[ALL[1]!], { rooted: secret }]] as const) {
    const v = validateLogin(body(fields), extras);
    assert.is(v.ok, false);
    if (!v.ok) assert.not.ok(v.message.includes(secret));
  }
});

test.run();
