// A sink killed with SIGKILL while its upkeep makes a partition leaves no half-made partition and
// loses no row: upkeep is one transaction. The sink is the built `loginpipe sink`; it runs upkeep
// before it reaches Kafka, so Postgres is all it needs here (its Kafka address is a closed port).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { migrate } from '../../sink/migrate.js';
import { createWriter } from '../../sink/writer.js';
import { runUpkeep } from '../../sink/partitions.js';
import { ROOT } from '../../lib/runtime/paths.js';
import { DATABASE_URL, db, waitUntil } from './harness.js';
import { withSchema } from './user-logins-table.js';

const PREFIX = 't_partkill';
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const compact = (d: string) => d.replace(/-/g, '');

/** The backend of the sink's upkeep, once it waits on a lock; undefined until then. */
const blockedUpkeep = (schema: string) => db.oneOrNone<{ pid: number }>(`SELECT pid FROM pg_stat_activity
  WHERE wait_event_type = 'Lock' AND query LIKE '%user_logins_upkeep%' AND query LIKE $1`, [`%${schema}%`]);

// Postgres sees a dead client only when it next writes to it: `terminated` stands in for that
// (the upkeep is rolled back); without it the orphaned upkeep runs to its end and commits. Either
// way, nothing is half-made.
for (const terminated of [true, false]) {
  test(`kill -9 of the sink while it makes a partition: ${terminated ? 'rolled back' : 'finished by its orphaned backend'}, then a restart makes every partition once, every row once`, () => withSchema(PREFIX, async (schema) => {
    await migrate(db, schema);
    const write = createWriter(db, schema);
    const rows = [day(0), day(20), '3000-01-01'].map((d, i) => ({
      event_id: `e${i}`, user_id: 'u', device_type: null, masked_ip: 'm', masked_device_id: 'd', locale: null, app_version: null,
      create_date: d, sealed_ip: null, sealed_device_id: null, mask_key_id: null,
    }));
    await write(rows, (r) => r);

    // Holding the default partition makes the upkeep wait inside its first new partition, after
    // CREATE TABLE and before the rows of that day move over.
    const holder = await db.connect();
    let child: ReturnType<typeof spawn> | undefined;
    try {
      await holder.none('BEGIN');
      await holder.none('LOCK TABLE $1:name.user_logins_default IN ACCESS EXCLUSIVE MODE', [schema]);
      child = spawn(process.execPath, [CLI, 'sink'], {
        env: { PATH: process.env.PATH ?? '', DATABASE_URL, DATABASE_SCHEMA: schema, USER_LOGINS_PARTITIONS_AHEAD: '40', KAFKA_BROKERS: '127.0.0.1:1', LOG_LEVEL: 'error' },
        stdio: 'ignore',
      });
      await waitUntil(async () => (await blockedUpkeep(schema)) !== null, { timeoutMs: 30_000, what: 'the sink\'s upkeep to wait inside a partition' });
      const backend = (await blockedUpkeep(schema))!.pid;
      const made = await db.one(`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE 'user\\_logins\\_p%'`, [schema]);
      assert.is(made.n, 16, 'what another session sees: the 16 partitions of migrate, not the one being made');
      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
      if (terminated) await db.one('SELECT pg_terminate_backend($1)', [backend]);
      await holder.none('ROLLBACK');
      await waitUntil(async () => (await db.oneOrNone('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backend])) === null, { timeoutMs: 30_000, what: 'the sink\'s backend to end' });
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await holder.none('ROLLBACK').catch(() => {});
      holder.done();
    }

    const stray = await db.any(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE 'user_logins_%' AND NOT c.relispartition`, [schema]);
    assert.equal(stray, [], 'no table made and left unattached');
    const after = await runUpkeep(db, schema, { partitionsAhead: 40, retentionDays: 0 });
    assert.is(after.created.length, terminated ? 26 : 0, terminated ? 'the restart makes what the killed upkeep did not' : 'the orphan finished the work');
    assert.is(after.endDay, day(41));
    const parts = await db.map(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`,
      [`"${schema}".user_logins`], (r: { relname: string }) => r.relname);
    const days = Array.from({ length: 42 }, (_, i) => `user_logins_p${compact(day(i - 1))}`);
    assert.equal(parts.sort(), ['user_logins_default', ...days].sort());
    const landed = await db.map(`SELECT event_id, tableoid::regclass::text AS p FROM $1:name.user_logins ORDER BY 1`, [schema],
      (r: { event_id: string; p: string }) => `${r.event_id}:${r.p.replace(`${schema}.`, '')}`);
    assert.equal(landed, [`e0:user_logins_p${compact(day(0))}`, `e1:user_logins_p${compact(day(20))}`, 'e2:user_logins_default']);
  }));
}

test.run();
