// `loginpipe migrate` against the real Postgres: creates, upgrades, and is safe to repeat.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { loadMigrations, migrate } from '../../sink/migrate.js';
import { ROW_COLUMNS } from '../../sink/rows.js';
import { db } from './harness.js';

const freshSchema = () => `t_mig_${randomUUID().slice(0, 8)}`;
const drop = (schema: string) => db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [schema]);

test('migrate creates user_logins with the assignment columns plus event_id as primary key, and the PII columns', async () => {
  const schema = freshSchema();
  try {
    assert.equal(await migrate(db, schema), ['001_user_logins.sql', '002_pii_sealed_and_audit.sql']);
    const cols = await db.any(`SELECT column_name, data_type, character_maximum_length AS len, is_nullable
      FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'user_logins' ORDER BY column_name`, [schema]);
    assert.equal(cols.map((c) => [c.column_name, c.data_type, c.len]), [
      ['app_version', 'integer', null],
      ['create_date', 'date', null],
      ['device_type', 'character varying', 32],
      ['event_id', 'character varying', 128],
      ['locale', 'character varying', 32],
      ['mask_key_id', 'text', null],
      ['masked_device_id', 'character varying', 256],
      ['masked_ip', 'character varying', 256],
      ['sealed_device_id', 'bytea', null],
      ['sealed_ip', 'bytea', null],
      ['user_id', 'character varying', 128],
    ]);
    const pk = await db.one(`SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary`, [`"${schema}".user_logins`]);
    assert.is(pk.attname, 'event_id');
  } finally {
    await drop(schema);
  }
});

test('the migrations make exactly the columns the sink writes', async () => {
  const schema = freshSchema();
  try {
    await migrate(db, schema);
    const cols = await db.map(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'user_logins'`, [schema], (r: { column_name: string }) => r.column_name);
    assert.equal([...cols].sort(), [...ROW_COLUMNS].sort());
  } finally {
    await drop(schema);
  }
});

test('migrate run twice applies nothing the second time', async () => {
  const schema = freshSchema();
  try {
    await migrate(db, schema);
    assert.equal(await migrate(db, schema), []);
  } finally {
    await drop(schema);
  }
});

test('concurrent migrations wait for each other and both succeed', async () => {
  const schema = freshSchema();
  try {
    const results = await Promise.all([migrate(db, schema), migrate(db, schema), migrate(db, schema)]);
    assert.is(results.flat().length, loadMigrations().length, 'each migration ran exactly once');
  } finally {
    await drop(schema);
  }
});

const versions: [number, string][] = [[2003000, '2.3.0'], [96000, '0.96.0'], [3007000, '3.7.0'], [0, '0.0.0'], [999999999, '999.999.999']];
for (const [n, text] of versions) {
  test(`app_version_text(${n}) is ${text}`, async () => {
    const schema = freshSchema();
    try {
      await migrate(db, schema);
      const r = await db.one('SELECT $1:name.app_version_text($2) AS v', [schema, n]);
      assert.is(r.v, text);
    } finally {
      await drop(schema);
    }
  });
}

test('a table made by the original assignment is upgraded in place, keeping its rows', async () => {
  const schema = freshSchema();
  try {
    await db.none('CREATE SCHEMA $1:name', [schema]);
    await db.none(`CREATE TABLE $1:name.user_logins (user_id varchar(128), device_type varchar(32), masked_ip varchar(256),
      masked_device_id varchar(256), locale varchar(32), app_version integer, create_date date)`, [schema]);
    await db.none(`INSERT INTO $1:name.user_logins VALUES ('u1', 'android', 'm1', 'd1', NULL, 2003000, '2024-01-02'), ('u2', 'iOS', 'm2', 'd2', 'RU', 96000, '2024-01-03')`, [schema]);
    await migrate(db, schema);
    const rows = await db.any('SELECT user_id, event_id FROM $1:name.user_logins ORDER BY user_id', [schema]);
    assert.equal(rows.map((r) => r.user_id), ['u1', 'u2']);
    assert.ok(rows.every((r) => typeof r.event_id === 'string' && r.event_id.startsWith('legacy-')), 'old rows get an event id');
    assert.is(new Set(rows.map((r) => r.event_id)).size, 2);
  } finally {
    await drop(schema);
  }
});

test.run();
