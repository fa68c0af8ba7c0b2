// CLEAN_SCHEMA_FILE: the built-in schema plus optional fields, and nothing else.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BadValue, ConfigError, loadSettings } from '../../lib/runtime/config.js';
import { cleanSchemaSettings, parseCleanSchema } from '../../lib/records/clean-schema.js';
import { USER_LOGIN_SCHEMA_TEXT } from '../../lib/records/user-login.js';

type Json = Record<string, unknown> & { fields: Record<string, unknown>[] };
const builtIn = () => JSON.parse(USER_LOGIN_SCHEMA_TEXT) as Json;
const adding = (...fields: unknown[]) => { const s = builtIn(); s.fields.push(...(fields as Record<string, unknown>[])); return JSON.stringify(s); };
const changing = (f: (s: Json) => void) => { const s = builtIn(); f(s); return JSON.stringify(s); };

test('the built-in schema adds nothing', () => {
  const s = parseCleanSchema(USER_LOGIN_SCHEMA_TEXT);
  assert.equal(s.extraFields, []);
  assert.is(s.text, JSON.stringify(JSON.parse(USER_LOGIN_SCHEMA_TEXT)));
});

const accepted: { name: string; text: string; extra: unknown[] }[] = [
  { name: 'an optional string with maxLength', text: adding({ name: 'os_version', type: ['null', 'string'], default: null, maxLength: 64 }), extra: [{ name: 'os_version', kind: 'string', maxLength: 64 }] },
  {
    name: 'one optional field of each kind, in the file\'s order',
    text: adding(...['boolean', 'int', 'long', 'double', 'string'].map((k) => ({ name: `f_${k}`, type: ['null', k], default: null }))),
    extra: ['boolean', 'int', 'long', 'double', 'string'].map((k) => ({ name: `f_${k}`, kind: k })),
  },
  { name: 'an added field may sit between built-in ones', text: changing((s) => s.fields.splice(2, 0, { name: 'os_version', type: ['null', 'string'], default: null })), extra: [{ name: 'os_version', kind: 'string' }] },
  { name: 'a full name instead of name and namespace', text: changing((s) => { s.name = 'io.loginpipe.UserLogin'; delete s.namespace; }), extra: [] },
];

for (const c of accepted) {
  test(`accepted: ${c.name}`, () => {
    assert.equal(parseCleanSchema(c.text).extraFields, c.extra);
  });
}

const refused: { name: string; text: string; says: RegExp }[] = [
  { name: 'not JSON', text: '{"type": "record",', says: /not JSON/ },
  { name: 'not a record', text: '"string"', says: /not an Avro record/ },
  { name: 'an array', text: '[]', says: /not an Avro record/ },
  { name: 'another record name', text: changing((s) => { s.name = 'Login'; }), says: /io\.loginpipe\.Login.*not io\.loginpipe\.UserLogin/ },
  { name: 'a built-in field removed', text: changing((s) => { s.fields = s.fields.filter((f) => f.name !== 'locale'); }), says: /lacks field locale/ },
  { name: 'a built-in field retyped', text: changing((s) => { s.fields[1]!.type = ['null', 'string']; }), says: /changes the type of field user_id/ },
  { name: 'a required field added', text: adding({ name: 'os_build', type: 'string' }), says: /field os_build is not optional/ },
  { name: 'an optional field without a default', text: adding({ name: 'os_build', type: ['null', 'string'] }), says: /field os_build is not optional/ },
  { name: 'a default other than null', text: adding({ name: 'os_build', type: ['string', 'null'], default: '' }), says: /field os_build is not optional/ },
  { name: 'null second in the union', text: adding({ name: 'os_build', type: ['string', 'null'], default: null }), says: /field os_build is not optional/ },
  { name: 'a complex type', text: adding({ name: 'tags', type: ['null', { type: 'array', items: 'string' }], default: null }), says: /field tags is not optional/ },
  { name: 'bytes (no JSON form to copy)', text: adding({ name: 'blob', type: ['null', 'bytes'], default: null }), says: /field blob is not optional/ },
  { name: 'a name that is not a plain column name', text: adding({ name: 'OsVersion', type: ['null', 'string'], default: null }), says: /"OsVersion".*lower-case SQL identifier/ },
  { name: 'a quoting name', text: adding({ name: 'a"; DROP TABLE x; --', type: ['null', 'string'], default: null }), says: /lower-case SQL identifier/ },
  { name: 'a field without a name', text: adding({ type: ['null', 'string'], default: null }), says: /lower-case SQL identifier/ },
  { name: 'a field that is not an object', text: adding(null), says: /lower-case SQL identifier/ },
  { name: '__proto__ as a name', text: adding({ name: '__proto__', type: ['null', 'string'], default: null }), says: /__proto__/ },
  { name: 'maxLength on a number', text: adding({ name: 'n', type: ['null', 'int'], default: null, maxLength: 3 }), says: /field n: "maxLength"/ },
  { name: 'maxLength zero', text: adding({ name: 's', type: ['null', 'string'], default: null, maxLength: 0 }), says: /field s: "maxLength"/ },
  { name: 'maxLength as text', text: adding({ name: 's', type: ['null', 'string'], default: null, maxLength: '64' }), says: /field s: "maxLength"/ },
  { name: 'a field twice', text: adding({ name: 'x', type: ['null', 'string'], default: null }, { name: 'x', type: ['null', 'string'], default: null }), says: /not a valid Avro schema/ },
];

for (const c of refused) {
  test(`refused: ${c.name}`, () => {
    try {
      parseCleanSchema(c.text);
    } catch (err) {
      assert.instance(err, BadValue);
      assert.match((err as Error).message, c.says);
      return;
    }
    assert.unreachable('accepted');
  });
}

test('CLEAN_SCHEMA_FILE unset is the built-in schema', () => {
  assert.equal(loadSettings(cleanSchemaSettings, {}).cleanSchema.extraFields, []);
});

test('a CLEAN_SCHEMA_FILE that cannot be read stops the start, naming the setting and the path', () => {
  try {
    loadSettings(cleanSchemaSettings, { CLEAN_SCHEMA_FILE: '/nonexistent/user-login.avsc' });
    assert.unreachable('loaded');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, /CLEAN_SCHEMA_FILE: cannot read \/nonexistent\/user-login\.avsc \(ENOENT\)/);
  }
});

test.run();
