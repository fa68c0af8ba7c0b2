// The columns of the fields the clean schema adds (CLEAN_SCHEMA_FILE): the sink stores each in the
// column of its name, with the column's own type, so it must find every one of them in the table
// before it starts. The column is the operator's migration, not loginpipe's (docs/operations.md,
// "Adding a field"); a sink started before it exists stops, naming the field and the column.
// Read from pg_catalog, which every role may read: the insert-only sink role cannot SELECT the
// table, and information_schema shows only columns a role holds privileges on.
import { PipelineError } from '../lib/runtime/errors.js';
import type { ExtraField } from '../lib/records/clean-schema.js';
import type { Db } from '../lib/postgres/db.js';
import { ROW_COLUMNS } from './rows.js';

export interface ExtraColumn {
  name: string;
  /** The column's type as Postgres writes it (format_type), for the staging table. */
  type: string;
}

interface ColumnInfo { name: string; type: string; notNull: boolean }

export async function extraColumns(db: Db, schema: string, fields: readonly ExtraField[]): Promise<ExtraColumn[]> {
  if (fields.length === 0) return [];
  const rows = await db.any<ColumnInfo>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull"
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = 'user_logins' AND a.attnum > 0 AND NOT a.attisdropped`, [schema]);
  return matchColumns(schema, fields, rows);
}

/** Pure: each added field's column, or the error that stops the sink. */
export function matchColumns(schema: string, fields: readonly ExtraField[], table: readonly ColumnInfo[]): ExtraColumn[] {
  const byName = new Map(table.map((c) => [c.name, c]));
  return fields.map((f) => {
    if ((ROW_COLUMNS as readonly string[]).includes(f.name)) {
      throw new PipelineError('schema_mismatch', `CLEAN_SCHEMA_FILE adds field ${f.name}, which is the name of a column loginpipe fills itself: rename the field`);
    }
    const c = byName.get(f.name);
    if (c === undefined) {
      throw new PipelineError('schema_mismatch', `CLEAN_SCHEMA_FILE adds field ${f.name} but ${schema}.user_logins has no column ${f.name}: add it first (ALTER TABLE ${schema}.user_logins ADD COLUMN ${f.name} <type>, see "Adding a field" in docs/operations.md)`);
    }
    if (c.notNull) {
      throw new PipelineError('schema_mismatch', `column ${f.name} of ${schema}.user_logins is NOT NULL: records without the field (and every sink of the previous version) could not be stored; make it nullable`);
    }
    return { name: c.name, type: c.type };
  });
}
