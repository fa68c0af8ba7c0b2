// Writes batches of rows: one multi-row INSERT ... ON CONFLICT DO NOTHING in one transaction.
// A batch that Postgres rejects because of some row is split in halves until the offending rows
// are alone; they are handed back so the caller can dead-letter them while the rest lands.
import { pgp, isRowError, type Db } from '../lib/db.js';
import { qualifiedTable } from './migrate.js';
import { ROW_COLUMNS, type UserLoginRow } from './rows.js';

export interface WriteResult<T> {
  inserted: number;
  /** The items whose rows this write inserted (not those already there), for per-row metrics. */
  insertedItems: T[];
  duplicates: number;
  rejected: { item: T; error: Error }[];
}

export function createWriter(db: Db, schema: string) {
  // Compiled once: the column set drives pgp's SQL generation for every batch.
  const columns = new pgp.helpers.ColumnSet(
    ROW_COLUMNS.map((name) => (name === 'create_date' ? { name, cast: 'date' } : { name })),
    { table: qualifiedTable(schema) },
  );

  /** The event ids of the rows inserted: those already in the table are skipped and not returned. */
  async function insert(rows: UserLoginRow[]): Promise<Set<string>> {
    const sql = `${pgp.helpers.insert(rows, columns)} ON CONFLICT (event_id) DO NOTHING RETURNING event_id`;
    return new Set(await db.tx((t) => t.map(sql, undefined, (r: { event_id: string }) => r.event_id)));
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
