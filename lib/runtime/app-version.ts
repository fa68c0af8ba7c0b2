// App versions as the clients send them ("0.96", "3.7", "2.3.0") and as user_logins stores them:
// one integer, major*1_000_000 + minor*1_000 + patch, so that versions sort as numbers. The SQL
// function app_version_text() in sink/sql does what decodeAppVersion does, in Postgres.
//
// Accepted text: one to three parts separated by '.', each part one to three ASCII digits (so
// 0-999). Leading zeros are allowed and mean nothing ("2.03" is 2.3.0, "007" is 7.0.0); missing
// parts are 0 ("3.7" is 3.7.0). Nothing else: no sign, exponent, prefix, suffix or whitespace.

/** The largest encoded version, 999.999.999; fits a Postgres integer. */
export const MAX_ENCODED_APP_VERSION = 999_999_999;

/** Longest accepted text: "999.999.999". */
const MAX_TEXT_LENGTH = 11;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** [major, minor, patch], or null when the text is not a version. */
export function parseAppVersion(text: string): [number, number, number] | null {
  const n = text.length;
  if (n === 0 || n > MAX_TEXT_LENGTH) return null;
  const parts: [number, number, number] = [0, 0, 0];
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      if (++digits > 3) return null;
      value = value * 10 + (c - ZERO);
    } else if (c === DOT) {
      if (digits === 0 || part === 2) return null;
      parts[part++] = value;
      digits = 0;
      value = 0;
    } else {
      return null;
    }
  }
  if (digits === 0) return null;
  parts[part] = value;
  return parts;
}

/** The stored integer of a version text; throws a RangeError when the text is not a version. */
export function encodeAppVersion(text: string): number {
  const parts = parseAppVersion(text);
  if (parts === null) throw new RangeError('app version must be one to three dot-separated integers 0-999');
  return parts[0] * 1_000_000 + parts[1] * 1_000 + parts[2];
}

/** "major.minor.patch" of a stored integer; throws a RangeError outside 0..999_999_999. */
export function decodeAppVersion(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_ENCODED_APP_VERSION) {
    throw new RangeError(`encoded app version must be a whole number from 0 to ${MAX_ENCODED_APP_VERSION}`);
  }
  return `${Math.floor(n / 1_000_000)}.${Math.floor(n / 1_000) % 1_000}.${n % 1_000}`;
}
