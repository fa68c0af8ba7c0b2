// Writes batches of rows: one multi-row INSERT ... ON CONFLICT DO NOTHING in one transaction.
// A batch that Postgres rejects because of some row is split in halves until the offending rows
// are alone; they are handed back so the caller can dead-letter them while the rest lands.
import { pgp, isRowError, type Db } from '../lib/db.js';
import { qualifiedTable } from './migrate.js';
import { ROW_COLUMNS, type UserLoginRow } from './rows.js';

export interface WriteResult<T> {
  inserted: number;
  duplicates: number;
  rejected: { item: T; error: Error }[];
}

export function createWriter(db: Db, schema: string) {
  // Compiled once: the column set drives pgp's SQL generation for every batch.
  const columns = new pgp.helpers.ColumnSet(
    ROW_COLUMNS.map((name) => (name === 'create_date' ? { name, cast: 'date' } : { name })),
    { table: qualifiedTable(schema) },
  );

  async function insert(rows: UserLoginRow[]): Promise<number> {
    const sql = `${pgp.helpers.insert(rows, columns)} ON CONFLICT (event_id) DO NOTHING`;
    return db.tx((t) => t.result(sql, undefined, (r) => r.rowCount ?? 0));
  }

  return async function write<T>(items: T[], rowOf: (item: T) => UserLoginRow): Promise<WriteResult<T>> {
    const result: WriteResult<T> = { inserted: 0, duplicates: 0, rejected: [] };
    async function attempt(part: T[]): Promise<void> {
      if (part.length === 0) return;
      try {
        const inserted = await insert(part.map(rowOf));
        result.inserted += inserted;
        result.duplicates += part.length - inserted;
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
