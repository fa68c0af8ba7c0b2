// Whether user_logins can hold a clean record, checked before it joins a batch. A record the
// processor wrote is always storable; one written by another producer, or by an older processor
// with looser rules, may not be, and no such record may stop the sink or swallow other rows:
// - event_id empty or only whitespace: as a primary key it would take the place of every later
//   empty one, so they would vanish as "duplicates";
// - a string longer than its column (in characters, as Postgres counts them);
// - a NUL character (U+0000), which Postgres text cannot store;
// - app_version that is not one to three dot-separated integers 0-999;
// - login_time that is not a date from year 1 on.
// Reasons name the field and the rule, never the value.
import { parseAppVersion } from '../lib/runtime/app-version.js';
import type { UserLogin } from '../lib/records/user-login.js';
import { ROW_SOURCES, ROW_TYPES, type UserLoginRow } from './rows.js';

/** Each text column's length limit, read from its declared type ("character varying(128)"). */
const TEXT_LIMITS: readonly { field: keyof UserLogin; limit: number }[] = (Object.keys(ROW_TYPES) as (keyof UserLoginRow)[]).flatMap((column) => {
  const m = /^character varying\((\d+)\)/.exec(ROW_TYPES[column]);
  return m ? [{ field: ROW_SOURCES[column], limit: Number(m[1]) }] : [];
});

const TEXT_FIELDS: readonly (keyof UserLogin)[] = ['event_id', 'user_id', 'device_type', 'masked_ip', 'masked_device_id', 'locale', 'app_version', 'mask_key_id'];

/** Why the record cannot be a row, or undefined when it can. */
export function unstorableReason(r: UserLogin): string | undefined {
  if (typeof r.event_id !== 'string' || r.event_id.trim() === '') return 'event_id is empty';
  for (const field of TEXT_FIELDS) {
    const v = r[field];
    if (typeof v === 'string' && v.includes('\u0000')) return `${field} contains a NUL character (U+0000)`;
  }
  for (const { field, limit } of TEXT_LIMITS) {
    const v = r[field];
    if (typeof v === 'string' && v.length > limit && codePoints(v) > limit) return `${field} is longer than its column (${limit} characters)`;
  }
  if (r.app_version !== null && parseAppVersion(r.app_version) === null) return 'app_version is not one to three dot-separated integers 0-999';
  const year = new Date(r.login_time).getUTCFullYear();
  if (!Number.isInteger(r.login_time) || !(year >= 1)) return 'login_time is not a date from year 1 on';
  return undefined;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
