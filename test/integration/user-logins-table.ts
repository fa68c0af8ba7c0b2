// What the Postgres tests read back from a schema of their own: user_logins's columns as the
// catalogue declares them, its rows as the sink wrote them, and how many there are. The queries
// name the catalogue and the columns themselves, not sink/'s lists of them, so that a test comparing
// them with what loginpipe declares checks the real table.
import { randomUUID } from 'node:crypto';
import type { UserLoginRow } from '../../sink/rows.js';
import { db } from './harness.js';

/** A schema name no other test uses; nothing is created until the test migrates it. */
export const freshSchema = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;
export const dropSchema = (schema: string) => db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [schema]);

/** Runs `fn` on a fresh schema name and drops the schema afterwards, whether `fn` passed or not. */
export async function withSchema(prefix: string, fn: (schema: string) => Promise<void>): Promise<void> {
  const schema = freshSchema(prefix);
  try {
    await fn(schema);
  } finally {
    await dropSchema(schema);
  }
}

/** user_logins's columns from information_schema, by name. */
export async function userLoginColumns(schema: string): Promise<{ column_name: string; data_type: string; len: number | null; is_nullable: string }[]> {
  return db.any(`SELECT column_name, data_type, character_maximum_length AS len, is_nullable
    FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'user_logins' ORDER BY column_name`, [schema]);
}

/** Each column's type as Postgres prints it in a declaration, with NOT NULL where it holds. */
export async function userLoginDeclarations(schema: string): Promise<{ attname: string; decl: string }[]> {
  return db.any(`SELECT attname, format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END AS decl
    FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`, [`"${schema}".user_logins`]);
}

/**
 * Every row, by event_id, in the shape the sink was handed: create_date as the text it was given
 * (pg would turn a date into a local-midnight Date), bytea as Buffers.
 */
export async function landedRows(schema: string): Promise<UserLoginRow[]> {
  return db.any(`SELECT event_id, user_id, device_type, masked_ip, masked_device_id, locale, app_version,
    to_char(create_date, 'YYYY-MM-DD') AS create_date, sealed_ip, sealed_device_id, mask_key_id FROM $1:name.user_logins ORDER BY event_id`, [schema]);
}

export async function rowCount(schema: string): Promise<number> {
  return (await db.one('SELECT count(*)::int AS n FROM $1:name.user_logins', [schema])).n;
}
