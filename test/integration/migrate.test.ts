// `loginpipe migrate` against the real Postgres: creates, upgrades, and is safe to repeat; with
// --roles, the roles of least privilege, each refused what is not its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { loadMigrations, migrate } from '../../sink/migrate.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROW_COLUMNS, ROW_TYPES } from '../../sink/rows.js';
import { createWriter } from '../../sink/writer.js';
import type { Db } from '../../lib/postgres/db.js';
import { ROOT } from '../../lib/runtime/paths.js';
import { asRole, DATABASE_URL, db } from './harness.js';
import { dropSchema, freshSchema, userLoginColumns, userLoginDeclarations, withSchema } from './user-logins-table.js';

const PREFIX = 't_mig';

test('migrate creates user_logins with the assignment columns plus event_id as primary key, and the PII columns', () => withSchema(PREFIX, async (schema) => {
  assert.equal(await migrate(db, schema), loadMigrations().map((m) => m.name));
  const cols = await userLoginColumns(schema);
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
}));

test('the migrations make exactly the columns the sink writes', () => withSchema(PREFIX, async (schema) => {
  await migrate(db, schema);
  const cols = (await userLoginColumns(schema)).map((c) => c.column_name);
  assert.equal([...cols].sort(), [...ROW_COLUMNS].sort());
}));

test('migrate run twice applies nothing the second time', () => withSchema(PREFIX, async (schema) => {
  await migrate(db, schema);
  assert.equal(await migrate(db, schema), []);
}));

test('concurrent migrations wait for each other and both succeed', () => withSchema(PREFIX, async (schema) => {
  const results = await Promise.all([migrate(db, schema), migrate(db, schema), migrate(db, schema)]);
  assert.is(results.flat().length, loadMigrations().length, 'each migration ran exactly once');
}));

const versions: [number, string][] = [[2003000, '2.3.0'], [96000, '0.96.0'], [3007000, '3.7.0'], [0, '0.0.0'], [999999999, '999.999.999']];
for (const [n, text] of versions) {
  test(`app_version_text(${n}) is ${text}`, () => withSchema(PREFIX, async (schema) => {
    await migrate(db, schema);
    const r = await db.one('SELECT $1:name.app_version_text($2) AS v', [schema, n]);
    assert.is(r.v, text);
  }));
}

test('a table made by the original assignment is upgraded in place, keeping its rows', () => withSchema(PREFIX, async (schema) => {
  await db.none('CREATE SCHEMA $1:name', [schema]);
  await db.none(`CREATE TABLE $1:name.user_logins (user_id varchar(128), device_type varchar(32), masked_ip varchar(256),
    masked_device_id varchar(256), locale varchar(32), app_version integer, create_date date)`, [schema]);
  await db.none(`INSERT INTO $1:name.user_logins VALUES ('u1', 'android', 'm1', 'd1', NULL, 2003000, '2024-01-02'), ('u2', 'iOS', 'm2', 'd2', 'RU', 96000, '2024-01-03')`, [schema]);
  await migrate(db, schema);
  const rows = await db.any('SELECT user_id, event_id FROM $1:name.user_logins ORDER BY user_id', [schema]);
  assert.equal(rows.map((r) => r.user_id), ['u1', 'u2']);
  assert.ok(rows.every((r) => typeof r.event_id === 'string' && r.event_id.startsWith('legacy-')), 'old rows get an event id');
  assert.is(new Set(rows.map((r) => r.event_id)).size, 2);
}));

test('the sink\'s staging table declares exactly the table\'s column types and NOT NULLs', () => withSchema(PREFIX, async (schema) => {
  await migrate(db, schema);
  const cols = await userLoginDeclarations(schema);
  assert.equal(Object.fromEntries(cols.map((c) => [c.attname, c.decl])), { ...ROW_TYPES });
}));

/** The SQLSTATE a statement fails with (none: it ran). */
async function refusedWith(target: Db, sql: string, values: unknown[] = []): Promise<string | undefined> {
  try {
    await target.any(sql, values);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

test('migrate --roles: the sink role writes batches and reads event_id, and can read or change nothing else', async () => {
  const schema = freshSchema(PREFIX);
  await asRole(schema, 'sink', 2, async (sink) => {
    assert.equal(await migrate(sink, schema), [], 'the sink sees the schema up to date without DDL');
    const write = createWriter(sink, schema);
    const row = { event_id: 'e1', user_id: 'u1', device_type: null, masked_ip: 'a'.repeat(64), masked_device_id: 'b'.repeat(64), locale: null, app_version: null,
      create_date: '2026-12-02', sealed_ip: Buffer.from([1, 2]), sealed_device_id: Buffer.from([3]), mask_key_id: 'k1' };
    const first = await write([row], (r) => r);
    assert.is(first.inserted, 1);
    assert.is((await write([row], (r) => r)).duplicates, 1, 'ON CONFLICT works with SELECT on event_id alone');
    const t = `"${schema}".user_logins`;
    assert.is(await refusedWith(sink, `SELECT event_id FROM ${t}`), undefined);
    for (const sql of [`SELECT masked_ip FROM ${t}`, `SELECT sealed_ip FROM ${t}`, `SELECT * FROM ${t}`, `UPDATE ${t} SET locale = 'X'`, `DELETE FROM ${t}`,
      `SELECT * FROM "${schema}".pii_audit`, `CREATE TABLE "${schema}".x (i int)`, `SELECT * FROM "${schema}".pii_forget('u1', true, 'r', NULL, 'me')`]) {
      assert.is(await refusedWith(sink, sql), '42501', sql);
    }
  });
});

test('migrate --roles: the PII role cannot read a sealed value except through pii_reveal_request and _fetch, which write the audit row first', async () => {
  const schema = freshSchema(PREFIX);
  await asRole(schema, 'pii', 1, async (pii, lp) => {
    await db.none(`INSERT INTO $1:name.user_logins (event_id, user_id, masked_ip, masked_device_id, create_date, sealed_ip, sealed_device_id)
      VALUES ('e1', 'u1', 'm', 'd', '2026-12-02', $2, $3)`, [schema, Buffer.from([1, 2]), Buffer.from([3])]);
    const t = `"${schema}".user_logins`;
    for (const sql of [`SELECT sealed_ip, sealed_device_id FROM ${t}`, `SELECT event_id FROM ${t}`, `UPDATE ${t} SET sealed_ip = NULL`,
      `SELECT * FROM "${schema}".pii_audit`, `INSERT INTO "${schema}".pii_audit (action, os_user, reason, event_ids, fields) VALUES ('reveal', 'x', 'y', '{}', '{}')`]) {
      assert.is(await refusedWith(pii, sql), '42501', sql);
    }
    const asked = await pii.one('SELECT * FROM $1:name.pii_reveal_request($2, $3::text[], $4, $5, $6)', [schema, 'user_id', ['u1'], 'ticket 7', 'bob', 'carol']);
    const r = await pii.one('SELECT * FROM $1:name.pii_reveal_fetch($2)', [schema, asked.audit_id]);
    assert.equal(r.event_ids, ['e1']);
    assert.equal(r.sealed_ips, [Buffer.from([1, 2])]);
    const audit = await db.one('SELECT id, action, os_user, requested_by, reason, event_ids, fields, detail FROM $1:name.pii_audit', [schema]);
    assert.is(Number(audit.id), Number(asked.audit_id));
    assert.equal([audit.action, audit.os_user, audit.requested_by, audit.reason, audit.event_ids, audit.fields], ['reveal', 'carol', 'bob', 'ticket 7', ['e1'], ['ip', 'device_id']]);
    assert.is(audit.detail.db_user, lp.roles.pii, 'the audit names the database role that asked');
    assert.is(await refusedWith(pii, 'SELECT * FROM $1:name.pii_reveal_request($2, $3::text[], $4, $5, $6)', [schema, 'user_id', ['u1'], '  ', null, 'carol']), '23514',
      'a blank reason is refused by pii_audit\'s CHECK, and nothing is handed out');
  });
});

test('a sink role meeting pending migrations stops with an error that says to run migrate as the owner', async () => {
  const schema = freshSchema(PREFIX);
  await asRole(schema, 'sink', 1, async (sink) => {
    await db.none('DELETE FROM $1:name.loginpipe_migrations WHERE version = 3', [schema]);
    try {
      await migrate(sink, schema);
      assert.unreachable('the sink role applied a migration');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'db_privileges');
      assert.match((err as Error).message, /run `loginpipe migrate` as the owner/);
    }
  });
});

test('`loginpipe migrate --roles` on a schema an earlier migrate made hands its tables and functions to the owner role', async () => {
  const schema = freshSchema(PREFIX);
  await migrate(db, schema);
  const tag = randomUUID().replace(/-/g, '').slice(0, 10);
  const roles = { DATABASE_OWNER_ROLE: `lp_owner_${tag}`, DATABASE_SINK_ROLE: `lp_sink_${tag}`, DATABASE_PII_ROLE: `lp_pii_${tag}` };
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'migrate', '--roles'], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL, DATABASE_SCHEMA: schema, ...roles }, encoding: 'utf8', timeout: 60_000,
    });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`owner ${roles.DATABASE_OWNER_ROLE}, sink ${roles.DATABASE_SINK_ROLE}`));
    const tables = await db.map(`SELECT tablename, tableowner FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [schema], (x: { tablename: string; tableowner: string }) => `${x.tablename}:${x.tableowner}`);
    assert.equal(tables, ['loginpipe_migrations', 'pii_audit', 'pii_audit_use', 'user_logins'].map((n) => `${n}:${roles.DATABASE_OWNER_ROLE}`));
    const definers = await db.map(`SELECT p.proname, p.proowner::regrole::text AS owner FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.prosecdef ORDER BY 1`, [schema], (x: { proname: string; owner: string }) => `${x.proname}:${x.owner}`);
    assert.equal(definers, ['pii_forget', 'pii_rekey_apply', 'pii_rekey_fetch', 'pii_rekey_request', 'pii_rekey_unsealed', 'pii_reveal_fetch', 'pii_reveal_request']
      .map((n) => `${n}:${roles.DATABASE_OWNER_ROLE}`));
    const sinkGrants = await db.one(`SELECT has_table_privilege($1, $2, 'INSERT') AS ins, has_table_privilege($1, $2, 'SELECT') AS sel,
      has_column_privilege($1, $2, 'event_id', 'SELECT') AS id, has_database_privilege($1, current_database(), 'TEMPORARY') AS temp`, [roles.DATABASE_SINK_ROLE, `"${schema}".user_logins`]);
    assert.equal(sinkGrants, { ins: true, sel: false, id: true, temp: true });
  } finally {
    await dropSchema(schema);
    const names = Object.values(roles);
    await db.none('DROP OWNED BY $1:name, $2:name, $3:name', names).catch(() => {});
    await db.none('DROP ROLE IF EXISTS $1:name, $2:name, $3:name', names);
  }
});

test.run();
