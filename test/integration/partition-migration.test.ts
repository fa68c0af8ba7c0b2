// An earlier loginpipe's table (unpartitioned, migrations 001-004) moved to the partitioned layout
// by `migrate`, on the real Postgres: no row lost or doubled, with a sink's writer writing the
// whole time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMigrations, migrate } from '../../sink/migrate.js';
import { createWriter } from '../../sink/writer.js';
import type { UserLoginRow } from '../../sink/rows.js';
import { db, waitUntil } from './harness.js';
import { withSchema } from './user-logins-table.js';

const PREFIX = 't_partmig';
const LEGACY_ROWS = 200_000;

/** The schema as loginpipe made it before partitioning: the migrations before 005. */
async function earlierLoginpipe(schema: string): Promise<void> {
  await db.tx(async (t) => {
    await t.none('CREATE SCHEMA $1:name', [schema]);
    await t.none('SET LOCAL search_path TO $1:name, pg_temp', [schema]);
    await t.none('CREATE TABLE loginpipe_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    for (const m of loadMigrations().filter((x) => x.version < 5)) {
      await t.none(m.sql);
      await t.none('INSERT INTO loginpipe_migrations(version, name) VALUES($1, $2)', [m.version, m.name]);
    }
  });
}

/** Every row's content, in one digest, and how many there are. */
const digest = (schema: string, where = 'true') => db.one(`SELECT count(*)::int AS n, md5(string_agg(concat_ws('|', event_id, user_id, device_type, masked_ip,
  masked_device_id, locale, app_version, create_date, encode(sealed_ip, 'hex'), encode(sealed_device_id, 'hex'), mask_key_id), ',' ORDER BY event_id)) AS md5
  FROM $1:name.user_logins WHERE ${where}`, [schema]);

const today = () => new Date().toISOString().slice(0, 10);
const row = (event_id: string): UserLoginRow => ({
  event_id, user_id: 'w', device_type: 'ios', masked_ip: 'm', masked_device_id: 'd', locale: null, app_version: 1000000,
  create_date: today(), sealed_ip: Buffer.from([9]), sealed_device_id: null, mask_key_id: 'k',
});

test('migrate moves a filled table of an earlier loginpipe to the partitioned layout while the sink writes: every row once', () => withSchema(PREFIX, async (schema) => {
  await earlierLoginpipe(schema);
  // Two years of logins up to today, a few dated ahead by a fast device clock, one far ahead.
  await db.none(`INSERT INTO $1:name.user_logins (event_id, user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date, sealed_ip, sealed_device_id, mask_key_id)
    SELECT 'old-' || i, 'user-' || (i % 5000), CASE WHEN i % 3 = 0 THEN NULL ELSE 'android' END, md5('ip' || i), md5('dev' || i),
           CASE WHEN i % 4 = 0 THEN 'RU' END, 2003000, (now() AT TIME ZONE 'UTC')::date - (i % 730), decode(md5('s' || i), 'hex'), NULL, 'k0'
      FROM generate_series(1, $2) AS i`, [schema, LEGACY_ROWS]);
  await db.none(`INSERT INTO $1:name.user_logins (event_id, user_id, masked_ip, masked_device_id, create_date)
    VALUES ('ahead-2', 'u', 'm', 'd', (now() AT TIME ZONE 'UTC')::date + 2), ('ahead-far', 'u', 'm', 'd', '2999-01-01')`, [schema]);
  const before = await digest(schema);
  assert.is(before.n, LEGACY_ROWS + 2);

  // The sink's writer, batch after batch, before, during and after the migration; every third
  // batch also redelivers rows of the earlier table.
  const write = createWriter(db, schema);
  let batches = 0;
  let migratedAt: number | undefined;
  const writing = (async () => {
    for (; migratedAt === undefined || batches < migratedAt + 3; batches++) {
      const rows = Array.from({ length: 200 }, (_, i) => row(`new-${batches}-${i}`));
      if (batches % 3 === 0) rows.push({ ...row('old-730'), user_id: 'redelivered' }); // dated today, as the original
      const r = await write(rows, (x) => x);
      assert.equal([r.inserted, r.rejected.length], [200, 0]);
      if (batches % 3 === 0) assert.is(r.duplicates, 1, 'a redelivered old row is a duplicate');
    }
  })();
  await waitUntil(() => batches >= 2, { timeoutMs: 30_000, what: 'the writer to write on the earlier table' });
  const startedAt = batches;
  let applied: string[] = [];
  try {
    applied = await migrate(db, schema);
  } finally {
    // The writer stops a few batches after the migration, whatever it did: left running, it would
    // outlive the schema the test drops.
    migratedAt = batches;
    await writing;
  }
  assert.equal(applied, ['005_partitioned_user_logins.sql']);
  assert.ok(startedAt >= 2 && batches >= migratedAt + 3, 'batches written before and after the migration');

  assert.equal(await digest(schema, `event_id NOT LIKE 'new-%'`), before, 'the earlier rows, each once and unchanged');
  assert.is((await digest(schema, `event_id LIKE 'new-%'`)).n, 200 * batches, 'every row the writer wrote, once');
  const where = await db.map(`SELECT event_id, tableoid::regclass::text AS p FROM $1:name.user_logins WHERE event_id IN ('ahead-2', 'ahead-far', 'old-730')
    ORDER BY 1`, [schema], (r: { event_id: string; p: string }) => `${r.event_id}:${r.p.replace(`${schema}.`, '')}`);
  const ahead = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  assert.equal(where, [`ahead-2:user_logins_p${ahead}`, 'ahead-far:user_logins_default', 'old-730:user_logins_legacy']);
}));

test('a table of an earlier loginpipe with NULL in a column the new table requires stops the migration, changing nothing', () => withSchema(PREFIX, async (schema) => {
  await earlierLoginpipe(schema);
  await db.none(`ALTER TABLE $1:name.user_logins ALTER COLUMN user_id DROP NOT NULL`, [schema]);
  await db.none(`INSERT INTO $1:name.user_logins (event_id, user_id, masked_ip, masked_device_id, create_date) VALUES ('e1', NULL, 'm', 'd', '2025-01-01')`, [schema]);
  try {
    await migrate(db, schema);
    assert.unreachable('migrated a table with a NULL user_id');
  } catch (err) {
    assert.match((err as Error).message, /user_id/);
  }
  const kind = await db.one(`SELECT relkind FROM pg_class WHERE oid = $1::regclass`, [`"${schema}".user_logins`]);
  assert.is(kind.relkind, 'r', 'still the earlier table');
  assert.is((await db.one('SELECT max(version)::int AS v FROM $1:name.loginpipe_migrations', [schema])).v, 4);
}));

test.run();
