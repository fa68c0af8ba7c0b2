// Is a raw SQS body a login event? Either the event, with its ip in canonical form, or the first
// rule it breaks, as a dead-letter code and a message that names the field and the rule but never
// echoes a value (so neither the clear ip nor the device_id can reach a header or a log line).
//
// The rules, checked in this order so that the reported error is deterministic:
//  1. body: at most MAX_LOGIN_BODY_BYTES (too_large); no UTF-8 byte order mark and strictly valid
//     UTF-8 (invalid_encoding); arrays and objects nested at most MAX_JSON_NESTING deep, then a
//     JSON text (invalid_json); an object (not_an_object). JSON.parse keeps the last of duplicate
//     keys. A "__proto__" key is an ordinary own property to JSON.parse and is ignored like any
//     unknown field: fields are read only when they are own properties, never through the prototype.
//  2. fields, in order user_id, ip, device_id, device_type, locale, app_version; for each:
//     absent or null: missing_field if required, null if optional;
//     not a string: invalid_type (nothing is converted: the number 12345 is not "12345");
//     a NUL character: contains_nul; an unpaired surrogate (from a "\ud800" escape): invalid_encoding;
//     more characters (code points, as Postgres varchar counts them) than the limit: too_long;
//     blank (empty or only whitespace): empty_value if required, null if optional;
//     then ip must be an address (invalid_ip) and app_version a version (invalid_app_version).
//  3. the fields the clean schema adds (CLEAN_SCHEMA_FILE, lib/records/clean-schema.ts), in the
//     schema's order, all optional: absent or null is null; a JSON value that is not of the
//     field's Avro type is invalid_type (an int is an integer within 32 bits, a long one JSON can
//     carry exactly, a double a finite number); a string follows the rules of 2, with the field's
//     maxLength if it has one, and blank is null.
//  Values are never trimmed or truncated; ip alone is rewritten, to its canonical form.
//  Unknown fields (neither built in nor added by the schema) are dropped: never an error, never
//  copied to the clean record. They stay in the raw topic, and a field starts to travel once the
//  clean schema declares it; copying them blindly could carry personal data past the masking.
import { isUtf8 } from 'node:buffer';
import { parseAppVersion } from '../lib/runtime/app-version.js';
import { canonicalIp } from './canonical-ip.js';
import type { DeadLetterCode } from '../lib/records/dead-letter-codes.js';
import type { ExtraField, ExtraValue, ExtraValues } from '../lib/records/clean-schema.js';

export interface LoginEvent {
  userId: string;
  /** Canonical form (see canonical-ip.ts); IPv4-mapped IPv6 addresses as plain IPv4. */
  ip: string;
  deviceId: string;
  deviceType: string | null;
  locale: string | null;
  /** The version text as sent, validated by parseAppVersion. */
  appVersion: string | null;
  /** The values of the fields the clean schema adds, when it adds any. */
  extra?: ExtraValues;
}

export type Validation =
  | { ok: true; event: LoginEvent }
  | { ok: false; code: DeadLetterCode; field?: string; message: string };

export type Failure = Extract<Validation, { ok: false }>;

/** Largest body accepted, in bytes; larger ones are too_large. */
export const MAX_LOGIN_BODY_BYTES = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects accepted. A login is one flat object; this leaves room
 * for nested extra fields while keeping JSON.parse from spending a third of a second on a
 * megabyte of brackets (it does not recurse, so depth could not crash it, only slow it down).
 */
export const MAX_JSON_NESTING = 64;

/** Most characters (code points) of each string field; ip and app_version have their own syntax. */
export const FIELD_MAX_LENGTHS = {
  user_id: 128,
  device_id: 256,
  device_type: 32,
  locale: 32,
} as const;

/** Whitespace as JavaScript's \s sees it (Unicode White_Space, line terminators, U+FEFF). */
const BLANK = /^\s*$/;
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const hasOwn = Object.hasOwn;

/** `extras`: the fields the clean schema adds to the built-in ones (CLEAN_SCHEMA_FILE). */
export function validateLogin(body: Uint8Array, extras: readonly ExtraField[] = []): Validation {
  const parsed = parseJsonBody(body);
  return parsed.ok ? validateLoginValue(parsed.value, extras) : parsed;
}

/**
 * Rule 1 up to the JSON text: the body's size, encoding and nesting, then JSON.parse. Split from
 * the field rules so that an SNS envelope's body is parsed once, whether it turns out to be an
 * envelope or a login event (processor/sns-envelope.ts).
 */
export function parseJsonBody(body: Uint8Array): { ok: true; value: unknown } | Failure {
  if (body.byteLength > MAX_LOGIN_BODY_BYTES) {
    return fail('too_large', undefined, `body is ${body.byteLength} bytes, more than the ${MAX_LOGIN_BODY_BYTES} accepted`);
  }
  if (body.byteLength >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
    return fail('invalid_encoding', undefined, 'body starts with a UTF-8 byte order mark');
  }
  // isUtf8 applies the same strict rules as a fatal TextDecoder (no overlong forms, surrogates or
  // code points above U+10FFFF) without an exception to catch on the way.
  if (!isUtf8(body)) return fail('invalid_encoding', undefined, 'body is not valid UTF-8');
  if (nestsDeeperThan(body, MAX_JSON_NESTING)) {
    return fail('invalid_json', undefined, `body nests arrays or objects more than ${MAX_JSON_NESTING} deep`);
  }

  let parsed: unknown;
  try {
    // Any error at all (there should be none but SyntaxError) is a bad body, never a crash.
    parsed = JSON.parse(decoder.decode(body));
  } catch (err) {
    // The SyntaxError's own message quotes the body, so it is not passed on.
    return fail('invalid_json', undefined, err instanceof SyntaxError ? 'body is not valid JSON' : 'body could not be parsed as JSON');
  }
  return { ok: true, value: parsed };
}

/** The rules from "an object" on, over a parsed JSON text. */
export function validateLoginValue(parsed: unknown, extras: readonly ExtraField[] = []): Validation {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('not_an_object', undefined, `body is a JSON ${jsonType(parsed)}, not an object`);
  }
  const o = parsed as Record<string, unknown>;

  const userId = required(o, 'user_id', FIELD_MAX_LENGTHS.user_id);
  if (typeof userId !== 'string') return userId;

  const ipText = required(o, 'ip', Infinity);
  if (typeof ipText !== 'string') return ipText;
  const ip = canonicalIp(ipText);
  if (ip === null) return fail('invalid_ip', 'ip', 'ip: not an IPv4 or IPv6 address');

  const deviceId = required(o, 'device_id', FIELD_MAX_LENGTHS.device_id);
  if (typeof deviceId !== 'string') return deviceId;

  const deviceType = optional(o, 'device_type', FIELD_MAX_LENGTHS.device_type);
  if (isFailure(deviceType)) return deviceType;

  const locale = optional(o, 'locale', FIELD_MAX_LENGTHS.locale);
  if (isFailure(locale)) return locale;

  const appVersion = optional(o, 'app_version', Infinity);
  if (isFailure(appVersion)) return appVersion;
  if (appVersion !== null && parseAppVersion(appVersion) === null) {
    return fail('invalid_app_version', 'app_version', 'app_version: not one to three dot-separated integers 0-999');
  }

  const event: LoginEvent = { userId, ip, deviceId, deviceType, locale, appVersion };
  if (extras.length === 0) return { ok: true, event };
  const values: [string, ExtraValue][] = [];
  for (const f of extras) {
    const v = extraValue(o, f);
    if (isFailure(v)) return v;
    values.push([f.name, v]);
  }
  // fromEntries defines own properties: a field named "__proto__" stays a field.
  return { ok: true, event: { ...event, extra: Object.fromEntries(values) } };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function extraValue(o: Record<string, unknown>, f: ExtraField): ExtraValue | Failure {
  if (f.kind === 'string') return optional(o, f.name, f.maxLength ?? Infinity);
  const v = hasOwn(o, f.name) ? o[f.name] : undefined;
  if (v === undefined || v === null) return null;
  switch (f.kind) {
    case 'boolean':
      return typeof v === 'boolean' ? v : fail('invalid_type', f.name, `${f.name}: expected a boolean, got ${jsonType(v)}`);
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX
        ? v : fail('invalid_type', f.name, `${f.name}: expected an integer from ${INT32_MIN} to ${INT32_MAX}, got ${numberKind(v)}`);
    case 'long':
      // Beyond 2^53 a JSON number has already lost digits in JSON.parse: refused, not stored wrong.
      return Number.isSafeInteger(v) ? v as number : fail('invalid_type', f.name, `${f.name}: expected an integer within ±(2^53-1), got ${numberKind(v)}`);
    case 'double':
      // JSON.parse turns 1e400 into Infinity, which neither Avro's JSON nor Postgres would take back.
      return typeof v === 'number' && Number.isFinite(v) ? v : fail('invalid_type', f.name, `${f.name}: expected a finite number, got ${numberKind(v)}`);
  }
}

function numberKind(v: unknown): string {
  if (typeof v !== 'number') return jsonType(v);
  if (!Number.isFinite(v)) return 'a number too large';
  return Number.isInteger(v) ? 'an integer out of range' : 'a fraction';
}

/**
 * Whether the brackets of a JSON text open more than max levels at some point. Works on the
 * bytes: in UTF-8 the bytes of a multi-byte character are all above 0x7f, so every byte that
 * reads as a quote, backslash or bracket is one. Brackets inside strings do not count. The text
 * may be malformed; JSON.parse judges that afterwards.
 */
function nestsDeeperThan(body: Uint8Array, max: number): boolean {
  const n = body.length;
  if (n <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < n; i++) {
    const b = body[i] as number;
    if (inString) {
      if (b === 0x5c) i++; // the escaped character cannot end the string
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) return true;
    } else if (b === 0x5d || b === 0x7d) {
      depth--;
    }
  }
  return false;
}

function fail(code: DeadLetterCode, field: string | undefined, message: string): Failure {
  return field === undefined ? { ok: false, code, message } : { ok: false, code, field, message };
}

function isFailure(v: ExtraValue | Failure): v is Failure {
  return typeof v === 'object' && v !== null;
}

function required(o: Record<string, unknown>, field: string, maxLength: number): string | Failure {
  const v = hasOwn(o, field) ? o[field] : undefined;
  if (v === undefined || v === null) return fail('missing_field', field, `${field}: missing or null`);
  const problem = checkText(v, field, maxLength);
  if (problem !== undefined) return problem;
  const s = v as string;
  if (BLANK.test(s)) return fail('empty_value', field, `${field}: empty or only whitespace`);
  return s;
}

function optional(o: Record<string, unknown>, field: string, maxLength: number): string | null | Failure {
  const v = hasOwn(o, field) ? o[field] : undefined;
  if (v === undefined || v === null) return null;
  const problem = checkText(v, field, maxLength);
  if (problem !== undefined) return problem;
  const s = v as string;
  return BLANK.test(s) ? null : s;
}

/** The first problem of a field value that must be a string, or undefined. */
function checkText(v: unknown, field: string, maxLength: number): Failure | undefined {
  if (typeof v !== 'string') return fail('invalid_type', field, `${field}: expected a string, got ${jsonType(v)}`);
  // One pass: NUL characters, unpaired surrogates, and the number of code points.
  let nul = false;
  let unpaired = false;
  let codePoints = 0;
  const n = v.length;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    codePoints++;
    if (c === 0) {
      nul = true;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? v.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else unpaired = true;
    }
  }
  if (nul) return fail('contains_nul', field, `${field}: contains a NUL character (U+0000)`);
  if (unpaired) return fail('invalid_encoding', field, `${field}: contains an unpaired UTF-16 surrogate (not valid Unicode)`);
  if (codePoints > maxLength) return fail('too_long', field, `${field}: longer than ${maxLength} characters (${codePoints})`);
  return undefined;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
