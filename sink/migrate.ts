// Creates or upgrades the schema. Each file in sink/sql runs once, in order, recorded in
// loginpipe_migrations; an advisory lock makes concurrent runs (several sinks starting at once)
// wait for each other instead of racing.
// A schema already up to date is seen by reading loginpipe_migrations alone, before any DDL: a
// sink running as the insert-only role (which may read that table and nothing else that DDL
// needs) starts; if something is pending and the role may not apply it, the error says to run
// `loginpipe migrate` as the owner.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/runtime/paths.js';
import { PipelineError } from '../lib/runtime/errors.js';
import { pgp, type Db } from '../lib/postgres/db.js';
import { prepareRoles, grantRoles, type RoleNames } from './roles.js';

const SQL_DIR = join(ROOT, 'sink', 'sql');
const LOCK_KEY = 7_346_221_004; // arbitrary, fixed: "loginpipe migrations"

export interface Migration { version: number; name: string; sql: string }

export function loadMigrations(dir = SQL_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

/** The versions recorded in the schema; none when it or its migrations table does not exist. */
async function appliedVersions(db: Db, schema: string): Promise<Set<number>> {
  try {
    return new Set(await db.map('SELECT version FROM $1:name.loginpipe_migrations', [schema], (r: { version: number }) => r.version));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '42P01' || code === '3F000') return new Set(); // no such table, no such schema
    throw err;
  }
}

/**
 * Applies pending migrations in `schema`; returns the names applied (empty when up to date).
 * With `roles`, also creates the roles and grants of least privilege (sink/roles.ts), and runs
 * the migrations as the owner role, so that the tables and the SECURITY DEFINER functions are
 * the owner's.
 */
export async function migrate(db: Db, schema: string, roles?: RoleNames): Promise<string[]> {
  const all = loadMigrations();
  if (roles === undefined) {
    const done = await appliedVersions(db, schema);
    if (all.every((m) => done.has(m.version))) return [];
  }
  const applied: string[] = [];
  try {
    await db.tx(async (t) => {
      await t.one('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      if (roles !== undefined) {
        // Makes the schema too: CREATE SCHEMA IF NOT EXISTS checks CREATE on the database even
        // when the schema is there, which the owner role need not have.
        await prepareRoles(t, schema, roles);
        await t.none('SET LOCAL ROLE $1:name', [roles.owner]);
      } else {
        await t.none('CREATE SCHEMA IF NOT EXISTS $1:name', [schema]);
      }
      // pg_temp last: the SECURITY DEFINER functions keep this path (SET search_path FROM CURRENT).
      await t.none('SET LOCAL search_path TO $1:name, pg_temp', [schema]);
      await t.none(`CREATE TABLE IF NOT EXISTS loginpipe_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await t.map('SELECT version FROM loginpipe_migrations', [], (r: { version: number }) => r.version)));
      for (const m of all) {
        if (done.has(m.version)) continue;
        await t.none(m.sql);
        await t.none('INSERT INTO loginpipe_migrations(version, name) VALUES($1, $2)', [m.version, m.name]);
        applied.push(m.name);
      }
      if (roles !== undefined) {
        await t.none('RESET ROLE');
        await grantRoles(t, schema, roles);
      }
    });
  } catch (err) {
    if ((err as { code?: string }).code === '42501' && roles === undefined) {
      throw new PipelineError('db_privileges', `schema ${schema} needs migrations that this database role may not apply: run \`loginpipe migrate\` as the owner of the schema (see "Postgres roles" in the README)`, { cause: err });
    }
    throw err;
  }
  return applied;
}

export const qualifiedTable = (schema: string) => new pgp.helpers.TableName({ table: 'user_logins', schema });
