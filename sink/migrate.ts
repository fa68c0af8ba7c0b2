// Creates or upgrades the schema. Each file in sink/sql runs once, in order, recorded in
// loginpipe_migrations; an advisory lock makes concurrent runs (several sinks starting at once)
// wait for each other instead of racing.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/paths.js';
import { pgp, type Db } from '../lib/db.js';

const SQL_DIR = join(ROOT, 'sink', 'sql');
const LOCK_KEY = 7_346_221_004; // arbitrary, fixed: "loginpipe migrations"

export interface Migration { version: number; name: string; sql: string }

export function loadMigrations(dir = SQL_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

/** Applies pending migrations in `schema`; returns the names applied (empty when up to date). */
export async function migrate(db: Db, schema: string): Promise<string[]> {
  const applied: string[] = [];
  await db.tx(async (t) => {
    await t.one('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await t.none('CREATE SCHEMA IF NOT EXISTS $1:name', [schema]);
    await t.none('SET LOCAL search_path TO $1:name', [schema]);
    await t.none(`CREATE TABLE IF NOT EXISTS loginpipe_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await t.map('SELECT version FROM loginpipe_migrations', [], (r: { version: number }) => r.version)));
    for (const m of loadMigrations()) {
      if (done.has(m.version)) continue;
      await t.none(m.sql);
      await t.none('INSERT INTO loginpipe_migrations(version, name) VALUES($1, $2)', [m.version, m.name]);
      applied.push(m.name);
    }
  });
  return applied;
}

export const qualifiedTable = (schema: string) => new pgp.helpers.TableName({ table: 'user_logins', schema });
