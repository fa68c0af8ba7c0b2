// A clean record as a user_logins row.
import { encodeAppVersion } from '../lib/runtime/app-version.js';
import type { UserLogin } from '../lib/records/user-login.js';
import type { ExtraField } from '../lib/records/clean-schema.js';

export interface UserLoginRow {
  event_id: string;
  user_id: string;
  device_type: string | null;
  masked_ip: string;
  masked_device_id: string;
  locale: string | null;
  app_version: number | null;
  create_date: string;
  sealed_ip: Buffer | null;
  sealed_device_id: Buffer | null;
  mask_key_id: string | null;
}

/**
 * Which clean-record field fills each column. Typed over every column, and a unit test checks
 * that every field of the record is stored somewhere, and an integration test that the
 * migrations make exactly these columns: a new field cannot be forgotten on the way to the table.
 */
export const ROW_SOURCES: { readonly [C in keyof UserLoginRow]: keyof UserLogin } = {
  event_id: 'event_id',
  user_id: 'user_id',
  device_type: 'device_type',
  masked_ip: 'masked_ip',
  masked_device_id: 'masked_device_id',
  locale: 'locale',
  app_version: 'app_version',
  create_date: 'login_time',
  sealed_ip: 'sealed_ip',
  sealed_device_id: 'sealed_device_id',
  mask_key_id: 'mask_key_id',
};

export const ROW_COLUMNS = Object.keys(ROW_SOURCES) as readonly (keyof UserLoginRow)[];

/**
 * Each column's type and NOT NULL as the migrations (sink/sql) make them, for the sink's staging
 * table: declared here rather than copied with `LIKE user_logins`, which would need SELECT on the
 * whole table. An integration test (migrate.test.ts) keeps the two the same.
 */
export const ROW_TYPES: { readonly [C in keyof UserLoginRow]: string } = {
  event_id: 'character varying(128) NOT NULL',
  user_id: 'character varying(128) NOT NULL',
  device_type: 'character varying(32)',
  masked_ip: 'character varying(256) NOT NULL',
  masked_device_id: 'character varying(256) NOT NULL',
  locale: 'character varying(32)',
  app_version: 'integer',
  create_date: 'date NOT NULL',
  sealed_ip: 'bytea',
  sealed_device_id: 'bytea',
  mask_key_id: 'text',
};

export function toRow(r: UserLogin): UserLoginRow {
  return {
    event_id: r.event_id,
    user_id: r.user_id,
    device_type: r.device_type,
    masked_ip: r.masked_ip,
    masked_device_id: r.masked_device_id,
    locale: r.locale,
    app_version: r.app_version === null ? null : encodeAppVersion(r.app_version),
    create_date: utcDate(r.login_time),
    // Records written before these fields existed decode with their defaults: null.
    sealed_ip: r.sealed_ip ?? null,
    sealed_device_id: r.sealed_device_id ?? null,
    mask_key_id: r.mask_key_id ?? null,
  };
}

/**
 * The row with the values of the fields the clean schema adds, as properties named after their
 * columns (the writer stores them). A record written before a field existed holds its default, null.
 */
export function withExtraValues(row: UserLoginRow, record: UserLogin, fields: readonly ExtraField[]): UserLoginRow {
  const values = record as unknown as Record<string, unknown>;
  const out = row as unknown as Record<string, unknown>;
  for (const f of fields) out[f.name] = values[f.name] ?? null;
  return row;
}

/** The UTC calendar date of a time in ms, as YYYY-MM-DD: the day of the login, not of processing. */
export function utcDate(ms: number): string {
  // Built from parts: toISOString writes years past 9999 as +0YYYYY, which Postgres refuses.
  const d = new Date(ms);
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}
