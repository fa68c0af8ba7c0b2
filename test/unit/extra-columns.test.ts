// A sink whose clean schema adds fields finds each field's column, with the column's own type,
// or stops naming the field: a new sink before the migration, or a column old sinks cannot fill.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matchColumns } from '../../sink/extra-columns.js';
import { withExtraValues, toRow } from '../../sink/rows.js';
import type { ExtraField } from '../../lib/records/clean-schema.js';
import type { UserLogin } from '../../lib/records/user-login.js';

const OS: ExtraField = { name: 'os_version', kind: 'string', maxLength: 64 };
const ROOTED: ExtraField = { name: 'rooted', kind: 'boolean' };
const TABLE = [
  { name: 'event_id', type: 'character varying(128)', notNull: true },
  { name: 'os_version', type: 'character varying(64)', notNull: false },
  { name: 'rooted', type: 'boolean', notNull: false },
  { name: 'required_col', type: 'text', notNull: true },
];

const cases: { name: string; fields: ExtraField[]; expected?: unknown; error?: RegExp }[] = [
  { name: 'no added fields need no columns', fields: [], expected: [] },
  { name: 'each added field gets its column\'s type, in the schema\'s order', fields: [ROOTED, OS], expected: [{ name: 'rooted', type: 'boolean' }, { name: 'os_version', type: 'character varying(64)' }] },
  { name: 'a field without a column stops the sink, naming both and the fix', fields: [OS, { name: 'os_build', kind: 'string' }], error: /adds field os_build but s1\.user_logins has no column os_build: add it first/ },
  { name: 'a NOT NULL column stops the sink: old sinks could not insert', fields: [{ name: 'required_col', kind: 'string' }], error: /column required_col of s1\.user_logins is NOT NULL/ },
  { name: 'a field named after a column loginpipe fills is refused', fields: [{ name: 'create_date', kind: 'string' }], error: /field create_date, which is the name of a column loginpipe fills itself/ },
];

for (const c of cases) {
  test(c.name, () => {
    try {
      const got = matchColumns('s1', c.fields, TABLE);
      assert.ok(c.error === undefined, 'expected an error');
      assert.equal(got, c.expected);
    } catch (err) {
      if (c.error === undefined) throw err;
      assert.match((err as Error).message, c.error);
    }
  });
}

const RECORD: UserLogin = {
  event_id: 'e-1', user_id: 'u-1', device_type: null, masked_ip: 'a', masked_device_id: 'b', locale: null, app_version: null,
  login_time: Date.UTC(2026, 0, 2), sealed_ip: null, sealed_device_id: null, mask_key_id: null,
};

test('withExtraValues: the added fields\' values join the row; a field the record lacks is null', () => {
  const record = { ...RECORD, os_version: '17.1', ignored: 'x' } as UserLogin;
  assert.equal(withExtraValues(toRow(record), record, [OS, ROOTED]), { ...toRow(RECORD), os_version: '17.1', rooted: null });
});

test.run();
