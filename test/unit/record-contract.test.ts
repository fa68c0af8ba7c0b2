// The clean record is described once, in schemas/user-login.avsc; the TypeScript type, the
// codec and the row mapping follow it. These checks fail when a field is added in one place and
// forgotten in another (the migrations are checked against the row in test/integration/migrate).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { USER_LOGIN_FIELDS, USER_LOGIN_SCHEMA_TEXT } from '../../lib/records/user-login.js';
import { ROW_COLUMNS, ROW_SOURCES } from '../../sink/rows.js';

const schema = JSON.parse(USER_LOGIN_SCHEMA_TEXT) as { fields: { name: string; type: unknown; default?: unknown }[] };

test('the record type lists exactly the schema\'s fields, in wire order', () => {
  assert.equal([...USER_LOGIN_FIELDS], schema.fields.map((f) => f.name));
});

test('every field of the clean record fills some column of user_logins', () => {
  const stored = new Set(Object.values(ROW_SOURCES));
  const forgotten = USER_LOGIN_FIELDS.filter((f) => !stored.has(f));
  assert.equal(forgotten, [], `fields with no column: ${forgotten.join(', ')}`);
});

test('every column is filled from a field the schema has', () => {
  const fields = new Set<string>(schema.fields.map((f) => f.name));
  for (const column of ROW_COLUMNS) assert.ok(fields.has(ROW_SOURCES[column]), `${column} comes from ${ROW_SOURCES[column]}, not in the schema`);
});

test('a field added after the first version is optional with a default, so old records still decode', () => {
  const FIRST_VERSION = ['event_id', 'user_id', 'device_type', 'masked_ip', 'masked_device_id', 'locale', 'app_version', 'login_time'];
  for (const f of schema.fields) {
    if (FIRST_VERSION.includes(f.name)) continue;
    assert.ok('default' in f, `${f.name} was added later and needs a default`);
  }
});

test.run();
