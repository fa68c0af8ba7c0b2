// One pg-promise root per process (it warns, rightly, about more), one pool per connection URL.
import { createHash } from 'node:crypto';
import pgPromise from 'pg-promise';
import { pgConnection, type DatabaseTarget } from './connection.js';

export const pgp = pgPromise({ capSQL: true });
export type Db = ReturnType<typeof pgp>;

const pools = new Map<string, Db>();

/**
 * A pool for the database: a bare URL (tests, tools), or the parsed DATABASE_* settings, whose
 * sslmode, password and CA file apply (see lib/postgres/connection.ts).
 */
export function openDb(target: string | DatabaseTarget, poolSize: number): Db {
  const t = typeof target === 'string' ? { databaseUrl: target } : target;
  // The URL still holds its sslmode here: two targets differing only in it get two pools.
  const key = createHash('sha256').update(JSON.stringify([t.databaseUrl, t.databasePassword ?? '', t.databaseSslCa ?? '', poolSize])).digest('hex');
  let db = pools.get(key);
  if (!db) {
    const { connectionString, ssl } = pgConnection(t);
    db = pgp({ connectionString, ssl, max: poolSize, application_name: 'loginpipe', connectionTimeoutMillis: 5_000 });
    pools.set(key, db);
  }
  return db;
}

/** Ends one pool; openDb makes a new one if the same target is asked for again. */
export async function closeDb(db: Db): Promise<void> {
  for (const [key, open] of pools) if (open === db) pools.delete(key);
  await db.$pool.end();
}

/** Closes every pool, so a process can exit without waiting for idle connections to time out. */
export function closeAllDbs(): void {
  pools.clear();
  pgp.end();
}

// SQLSTATE classes are two digits, or one of the few lettered ones (F0, HV, P0, XX); Node's socket
// error codes (EPIPE, ECONNRESET...) are never of that form.
const SQLSTATE = /^([0-9]{2}|F0|HV|P0|XX)[0-9A-Z]{3}$/;

/** Postgres errors worth retrying: the connection, the server shutting down or overloaded. */
export function isTransientDbError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  // No SQLSTATE means the server never judged the statement: a socket error (ECONNREFUSED,
  // ECONNRESET, EPIPE...), DNS or a timeout. All of those can pass.
  if (typeof code !== 'string' || !SQLSTATE.test(code)) return true;
  return code.startsWith('08') || code.startsWith('53') || code.startsWith('57') || code === '40001' || code === '40P01';
}

/** Errors that one row of the batch caused (bad data, a constraint), as opposed to the server. */
export function isRowError(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
