// Writes batches of rows. Each batch is COPYed into a temporary staging table and moved into
// user_logins by one INSERT ... SELECT ... ON CONFLICT DO NOTHING, in one transaction:
// COPY is Postgres's fastest way in (no SQL text per row to build and parse), and the INSERT keeps
// the idempotence a redelivered row needs. No conflict target: the key is (event_id,
// create_date) on the partitioned table and event_id on an earlier loginpipe's table
// (sink/sql/005_...), and the sink writes on both sides of that migration. A batch that Postgres
// rejects because of some row (in the COPY or the INSERT) is split in halves until the offending
// rows are alone; they are handed back so the caller can dead-letter them while the rest lands.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pgCopy from 'pg-copy-streams';
import { pgp, isRowError, isTransientDbError, type Db } from '../lib/postgres/db.js';
import { qualifiedTable } from './migrate.js';
import { ROW_COLUMNS, ROW_TYPES, type UserLoginRow } from './rows.js';
import { copyText, type CopyValue } from './copy-text.js';
import type { ExtraColumn } from './extra-columns.js';

export interface WriteResult<T> {
  inserted: number;
  /** The items whose rows this write inserted (not those already there), for per-row metrics. */
  insertedItems: T[];
  duplicates: number;
  rejected: { item: T; error: Error }[];
}

type Connection = Awaited<ReturnType<Db['connect']>>;
type Client = Connection['client'];

/**
 * `extra`: the columns of the fields the clean schema adds (sink/extra-columns.ts); a row holds
 * their values as properties of those names, beside the UserLoginRow ones.
 */
export function createWriter(db: Db, schema: string, extra: readonly ExtraColumn[] = []) {
  const target = qualifiedTable(schema).toString();
  // A temporary table lives in its connection's own schema, so each pooled connection has its
  // own; the name is per target schema and column set, since one pool may serve several writers.
  const shape = [schema, ...extra.map((c) => `${c.name} ${c.type}`)].join('\n');
  const stage = pgp.as.name(`user_logins_stage_${createHash('sha256').update(shape).digest('hex').slice(0, 16)}`);
  const names: readonly string[] = [...ROW_COLUMNS, ...extra.map((c) => c.name)];
  const columns = names.map((c) => pgp.as.name(c)).join(', ');
  // Added columns are staged without NOT NULL: the field is optional (lib/records/clean-schema.ts).
  const stageColumns = [
    ...ROW_COLUMNS.map((c) => `${pgp.as.name(c)} ${ROW_TYPES[c]}`),
    ...extra.map((c) => `${pgp.as.name(c.name)} ${c.type}`),
  ];
  // The target's column types and NOT NULLs (sink/rows.ts), so a too-long or missing value is
  // refused by the COPY already; CHECK and key constraints are the target's own, met by the
  // INSERT. Declared, not `LIKE user_logins`: that needs SELECT on the whole table, which the
  // insert-only sink role does not have.
  const createStage = `CREATE TEMPORARY TABLE IF NOT EXISTS ${stage} (${stageColumns.join(', ')}) ON COMMIT DELETE ROWS`;
  const copyIn = `COPY ${stage} (${columns}) FROM STDIN`;
  const moveIn = `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${stage} ON CONFLICT DO NOTHING RETURNING event_id`;
  const staged = new WeakSet<Client>();

  /** The event ids of the rows inserted: those already in the table are skipped and not returned. */
  async function insert(rows: UserLoginRow[]): Promise<Set<string>> {
    const connection: Connection = await db.connect();
    let broken = false;
    try {
      const client = connection.client;
      if (!staged.has(client)) {
        // Outside the transaction: created inside one that rolls back, the table would vanish.
        await client.query(createStage);
        staged.add(client);
      }
      await client.query('BEGIN');
      try {
        await pipeline(Readable.from([copyText(rows as unknown as Record<string, CopyValue>[], names)]), copyFrom(client, copyIn));
        const moved = await client.query<{ event_id: string }>(moveIn);
        await client.query('COMMIT');
        return new Set(moved.rows.map((r) => r.event_id));
      } catch (err) {
        await client.query('ROLLBACK').catch(() => { broken = true; });
        throw err;
      }
    } catch (err) {
      // A connection that failed under us is not given back to the pool for the next batch.
      if (isTransientDbError(err)) broken = true;
      throw err;
    } finally {
      await connection.done(broken);
    }
  }

  return async function write<T>(items: T[], rowOf: (item: T) => UserLoginRow): Promise<WriteResult<T>> {
    const result: WriteResult<T> = { inserted: 0, insertedItems: [], duplicates: 0, rejected: [] };
    async function attempt(part: T[]): Promise<void> {
      if (part.length === 0) return;
      try {
        const inserted = await insert(part.map(rowOf));
        for (const item of part) {
          // An id twice in one batch is inserted once: the first item takes it.
          if (inserted.delete(rowOf(item).event_id)) result.insertedItems.push(item);
          else result.duplicates++;
        }
        result.inserted = result.insertedItems.length;
      } catch (err) {
        if (!isRowError(err)) throw err;
        if (part.length === 1) {
          result.rejected.push({ item: part[0] as T, error: err as Error });
          return;
        }
        const mid = Math.ceil(part.length / 2);
        await attempt(part.slice(0, mid));
        await attempt(part.slice(mid));
      }
    }
    await attempt(items);
    return result;
  };
}

/** pg runs a COPY as a "submittable" query; pg-promise's client typings only know plain queries. */
function copyFrom(client: Client, sql: string): pgCopy.CopyStreamQuery {
  return (client as unknown as { query(q: pgCopy.CopyStreamQuery): pgCopy.CopyStreamQuery }).query(pgCopy.from(sql));
}
