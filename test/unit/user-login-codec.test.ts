import { test } from 'uvu';
import * as assert from 'uvu/assert';
import avro from 'avsc';
import { subjectFor, userLoginType, USER_LOGIN_SCHEMA_TEXT, type UserLogin } from '../../lib/records/user-login.js';
import { frame, unframe } from '../../lib/records/wire-format.js';

// The codec without the registry: records through userLoginType, inside the wire format, and
// records written with other (evolved) writer schemas read through a resolver.

const MASK_A = 'a'.repeat(64);
const MASK_B = 'b'.repeat(64);

const FULL: UserLogin = {
  event_id: '4f1c2a9e-8d53-4d4b-a3c5-0b6d7f1e2a11',
  user_id: '424cdd21-063a-43a7-b91b-7ca1a833afae',
  device_type: 'android',
  masked_ip: MASK_A,
  masked_device_id: MASK_B,
  locale: 'RU',
  app_version: '2.3.0',
  login_time: 1_700_000_000_123,
  sealed_ip: null,
  sealed_device_id: null,
  mask_key_id: null,
};
/** With the fields added for sealing (bytes as Buffers, as avsc gives them back). */
const SEALED: UserLogin = { ...FULL, sealed_ip: Buffer.from([1, 0, 255, 7]), sealed_device_id: Buffer.alloc(300, 0xab), mask_key_id: '1a2b3c4d' };

// ---- an independent Avro encoder for this one schema (spec section "Binary Encoding") ------------

/** Zig-zag then variable-length base-128, least significant group first. */
function avroLong(n: number): number[] {
  let z = n >= 0 ? 2n * BigInt(n) : -2n * BigInt(n) - 1n;
  const out: number[] = [];
  do {
    const low = Number(z & 0x7fn);
    z >>= 7n;
    out.push(z > 0n ? low | 0x80 : low);
  } while (z > 0n);
  return out;
}
const avroString = (s: string) => { const b = Buffer.from(s, 'utf8'); return [...avroLong(b.length), ...b]; };
const avroNullable = (s: string | null) => (s === null ? avroLong(0) : [...avroLong(1), ...avroString(s)]);
const avroNullableBytes = (b: Buffer | null) => (b === null ? avroLong(0) : [...avroLong(1), ...avroLong(b.length), ...b]);

function oracleEncode(r: UserLogin): Buffer {
  return Buffer.from([
    ...avroString(r.event_id),
    ...avroString(r.user_id),
    ...avroNullable(r.device_type),
    ...avroString(r.masked_ip),
    ...avroString(r.masked_device_id),
    ...avroNullable(r.locale),
    ...avroNullable(r.app_version),
    ...avroLong(r.login_time),
    ...avroNullableBytes(r.sealed_ip),
    ...avroNullableBytes(r.sealed_device_id),
    ...avroNullable(r.mask_key_id),
  ]);
}

test('the oracle agrees with bytes worked out by hand for a tiny record', () => {
  const r: UserLogin = { event_id: 'a', user_id: 'b', device_type: null, masked_ip: 'c', masked_device_id: 'd', locale: null, app_version: '1', login_time: 1, sealed_ip: Buffer.from([0xff]), sealed_device_id: null, mask_key_id: 'k' };
  // "a" = len 1 (zig-zag 02) + 61; null branch = 00; branch 1 = 02; long 1 = zig-zag 02;
  // bytes [ff] in branch 1 = 02 + len 02 + ff.
  assert.is(oracleEncode(r).toString('hex'), '0261' + '0262' + '00' + '0263' + '0264' + '00' + '02' + '0231' + '02' + '0202ff' + '00' + '02026b');
  assert.is(userLoginType.toBuffer(r).toString('hex'), oracleEncode(r).toString('hex'));
});

// ---- round trips ------------------------------------------------------------------------------

const records: { name: string; input: UserLogin }[] = [
  { name: 'a full record', input: FULL },
  { name: 'a record with sealed values and a mask key id', input: SEALED },
  { name: 'empty sealed values (kept, not turned into null)', input: { ...SEALED, sealed_ip: Buffer.alloc(0), sealed_device_id: Buffer.alloc(0), mask_key_id: '' } },
  { name: 'every optional field null', input: { ...FULL, device_type: null, locale: null, app_version: null } },
  { name: 'empty strings (kept, not turned into null)', input: { ...FULL, device_type: '', locale: '', app_version: '' } },
  { name: 'unicode: Cyrillic, CJK, emoji and a combining accent', input: { ...FULL, user_id: 'пользователь-用户-😀', device_type: 'iPhone 15 Pro Max ✨', locale: 'e\u0301s-MX' } },
  { name: 'an astral-plane character alone', input: { ...FULL, user_id: '𝄞' } },
  { name: 'login_time 0 (the epoch)', input: { ...FULL, login_time: 0 } },
  { name: 'login_time before the epoch', input: { ...FULL, login_time: -1 } },
  { name: 'login_time at the largest JavaScript Date', input: { ...FULL, login_time: 8.64e15 } },
  // avsc keeps one unit of margin below 2^53 - 1 for longs held as numbers. (Below -2^52 it
  // writes the wrong bytes, so the negative extreme tested is -10^15: nothing here is negative.)
  { name: 'login_time at the largest long avsc holds exactly (2^53 - 2)', input: { ...FULL, login_time: 2 ** 53 - 2 } },
  { name: 'a large negative login_time (-10^15)', input: { ...FULL, login_time: -1e15 } },
  { name: 'the largest login_time the processor accepts (15 digits)', input: { ...FULL, login_time: 999_999_999_999_999 } },
  { name: 'a 100,000-character user_id', input: { ...FULL, user_id: 'u'.repeat(100_000) } },
];

for (const c of records) {
  test(`userLoginType encodes ${c.name} as the Avro spec says`, () => {
    assert.ok(userLoginType.toBuffer(c.input).equals(oracleEncode(c.input)));
  });
  test(`frame -> unframe -> fromBuffer gives back ${c.name}`, () => {
    const framed = frame(17, userLoginType.toBuffer(c.input));
    const { schemaId, body } = unframe(framed);
    assert.is(schemaId, 17);
    assert.equal({ ...(userLoginType.fromBuffer(body) as UserLogin) }, c.input);
  });
}

const invalid: { name: string; input: Record<string, unknown> }[] = [
  { name: 'a missing required field (event_id)', input: (({ event_id: _e, ...rest }) => rest)(FULL) },
  { name: 'a null in a required field (masked_ip)', input: { ...FULL, masked_ip: null } },
  { name: 'a number where a string is required', input: { ...FULL, user_id: 12345 } },
  { name: 'login_time as a decimal string', input: { ...FULL, login_time: '1700000000123' } },
  { name: 'a fractional login_time', input: { ...FULL, login_time: 1.5 } },
  { name: 'a login_time beyond the safe integers (it would be rounded)', input: { ...FULL, login_time: 2 ** 60 } },
  { name: 'a NaN login_time', input: { ...FULL, login_time: NaN } },
  { name: 'a Date object as login_time', input: { ...FULL, login_time: new Date(0) } },
];

for (const c of invalid) {
  test(`userLoginType refuses to encode ${c.name}`, () => {
    assert.is(userLoginType.isValid(c.input), false);
    assert.throws(() => userLoginType.toBuffer(c.input));
  });
}

const badBodies: { name: string; input: () => Buffer }[] = [
  { name: 'a body cut short', input: () => userLoginType.toBuffer(FULL).subarray(0, 20) },
  { name: 'a body with trailing bytes', input: () => Buffer.concat([userLoginType.toBuffer(FULL), Buffer.from([0])]) },
  { name: 'an empty body', input: () => Buffer.alloc(0) },
  { name: 'a string length longer than the body', input: () => Buffer.from([...avroLong(1000), 0x61]) },
];

for (const c of badBodies) {
  test(`userLoginType.fromBuffer rejects ${c.name}`, () => {
    assert.throws(() => userLoginType.fromBuffer(c.input()));
  });
}

// ---- evolved writer schemas, resolved into ours -------------------------------------------------
// Writer schemas are written out here by hand, as another producer version would have them.

type Field = { name: string; type: unknown; default?: unknown };
const F = {
  event_id: { name: 'event_id', type: 'string' },
  user_id: { name: 'user_id', type: 'string' },
  device_type: { name: 'device_type', type: ['null', 'string'], default: null },
  masked_ip: { name: 'masked_ip', type: 'string' },
  masked_device_id: { name: 'masked_device_id', type: 'string' },
  locale: { name: 'locale', type: ['null', 'string'], default: null },
  app_version: { name: 'app_version', type: ['null', 'string'], default: null },
  login_time: { name: 'login_time', type: { type: 'long', logicalType: 'timestamp-millis' } },
} satisfies Record<string, Field>;
const writerSchema = (fields: Field[]) => ({ type: 'record', name: 'UserLogin', namespace: 'io.loginpipe', fields });

const evolved: { name: string; input: { fields: Field[]; record: object }; expected: UserLogin }[] = [
  {
    name: 'a writer of the first version (no sealed values, no mask key id): they read as null',
    input: {
      fields: [F.event_id, F.user_id, F.device_type, F.masked_ip, F.masked_device_id, F.locale, F.app_version, F.login_time],
      record: SEALED,
    },
    expected: FULL,
  },
  {
    name: 'a writer with an extra field (with a default) in the middle: the field is skipped',
    input: {
      fields: [F.event_id, F.user_id, { name: 'country', type: ['null', 'string'], default: null }, F.device_type, F.masked_ip, F.masked_device_id, F.locale, F.app_version, F.login_time],
      record: { ...FULL, country: 'Россия' },
    },
    expected: FULL,
  },
  {
    name: 'a writer with an extra field at the end: the field is skipped',
    input: {
      fields: [F.event_id, F.user_id, F.device_type, F.masked_ip, F.masked_device_id, F.locale, F.app_version, F.login_time, { name: 'session_ms', type: 'long', default: 0 }],
      record: { ...FULL, session_ms: 123_456_789 },
    },
    expected: FULL,
  },
  {
    name: 'an older writer without locale and app_version: the reader fills in their default null',
    input: {
      fields: [F.event_id, F.user_id, F.device_type, F.masked_ip, F.masked_device_id, F.login_time],
      record: { event_id: FULL.event_id, user_id: FULL.user_id, device_type: 'iOS', masked_ip: MASK_A, masked_device_id: MASK_B, login_time: 5 },
    },
    expected: { ...FULL, device_type: 'iOS', locale: null, app_version: null, login_time: 5 },
  },
  {
    name: 'a writer with the fields in another order',
    input: {
      fields: [F.login_time, F.app_version, F.locale, F.masked_device_id, F.masked_ip, F.device_type, F.user_id, F.event_id],
      record: FULL,
    },
    expected: FULL,
  },
  {
    name: 'a writer whose device_type is a plain string: it becomes the string branch of the union',
    input: {
      fields: [F.event_id, F.user_id, { name: 'device_type', type: 'string' }, F.masked_ip, F.masked_device_id, F.locale, F.app_version, F.login_time],
      record: FULL,
    },
    expected: FULL,
  },
  {
    name: 'a writer whose login_time is an int: it is promoted to long',
    input: {
      fields: [F.event_id, F.user_id, F.device_type, F.masked_ip, F.masked_device_id, F.locale, F.app_version, { name: 'login_time', type: 'int' }],
      record: { ...FULL, login_time: 2_000_000_000 },
    },
    expected: { ...FULL, login_time: 2_000_000_000 },
  },
];

for (const c of evolved) {
  test(`resolver: ${c.name}`, () => {
    const writer = avro.Type.forSchema(writerSchema(c.input.fields) as avro.Schema);
    const resolver = userLoginType.createResolver(writer);
    const { body } = unframe(frame(99, writer.toBuffer(c.input.record)));
    assert.equal({ ...(userLoginType.fromBuffer(body, resolver) as UserLogin) }, c.expected);
  });
}

const incompatible: { name: string; input: Field[] }[] = [
  { name: 'a writer without event_id, which our schema requires and has no default for', input: [F.user_id, F.device_type, F.masked_ip, F.masked_device_id, F.locale, F.app_version, F.login_time] },
  { name: 'a writer whose masked_ip is a number', input: [F.event_id, F.user_id, F.device_type, { name: 'masked_ip', type: 'long' }, F.masked_device_id, F.locale, F.app_version, F.login_time] },
  { name: 'a writer whose login_time is a string', input: [F.event_id, F.user_id, F.device_type, F.masked_ip, F.masked_device_id, F.locale, F.app_version, { name: 'login_time', type: 'string' }] },
];

for (const c of incompatible) {
  test(`resolver refuses ${c.name}`, () => {
    const writer = avro.Type.forSchema(writerSchema(c.input) as avro.Schema);
    assert.throws(() => userLoginType.createResolver(writer));
  });
}

// ---- the schema text and subject -----------------------------------------------------------------

test('the schema file declares the fields of UserLogin, in wire order', () => {
  const schema = JSON.parse(USER_LOGIN_SCHEMA_TEXT) as { name: string; fields: { name: string }[] };
  assert.is(schema.name, 'UserLogin');
  assert.equal(schema.fields.map((f) => f.name), ['event_id', 'user_id', 'device_type', 'masked_ip', 'masked_device_id', 'locale', 'app_version', 'login_time', 'sealed_ip', 'sealed_device_id', 'mask_key_id']);
});

const subjects: { name: string; input: string; expected: string }[] = [
  { name: 'the clean topic', input: 'logins.clean', expected: 'logins.clean-value' },
  { name: 'a topic with dashes and underscores', input: 'a_b-c', expected: 'a_b-c-value' },
];

for (const c of subjects) {
  test(`subjectFor uses the TopicNameStrategy value subject for ${c.name}`, () => {
    assert.is(subjectFor(c.input), c.expected);
  });
}

test.run();
