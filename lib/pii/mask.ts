// Masking: a keyed hash (HMAC-SHA256) of the canonical value, so that equal values still match
// each other (for counting distinct devices or addresses) while the clear values never leave the
// processor. Without the key a mask cannot be reversed by hashing every IPv4 address.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { BadValue } from '../runtime/config.js';

/** Shortest key accepted: the output size of SHA-256 (RFC 2104 section 3). */
export const MIN_HMAC_KEY_BYTES = 32;

const HOW_TO_MAKE_ONE = 'make one with `openssl rand -base64 32`';
// Only the characters of one alphabet, then at most two '=' of padding.
const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE_BASE64 = /^[A-Za-z0-9_-]*={0,2}$/;
const ASCII_WHITESPACE = /[ \t\r\n]+/g;

/**
 * The key bytes of PII_HMAC_KEY: base64, standard ("+/") or url-safe ("-_") but not both, padded
 * or not, decoding to at least 32 bytes. ASCII whitespace anywhere is ignored (a trailing newline
 * from a secret file, the line breaks of a wrapped base64 output); anything else that is not
 * canonical base64 (stray characters, wrong padding, non-zero unused bits in the last character)
 * is rejected, where Buffer.from would silently skip or accept it. Messages never echo the value.
 */
export function parseHmacKey(raw: string): Buffer {
  const compact = raw.replace(ASCII_WHITESPACE, '');
  if (compact === '') throw new BadValue(`is empty; ${HOW_TO_MAKE_ONE}`);
  const urlSafe = compact.includes('-') || compact.includes('_');
  if (!(urlSafe ? URL_SAFE_BASE64 : STANDARD_BASE64).test(compact)) {
    throw new BadValue(`is not base64 (letters, digits, "+/" or "-_", then "=" padding); ${HOW_TO_MAKE_ONE}`);
  }
  const key = Buffer.from(compact, urlSafe ? 'base64url' : 'base64');
  // Encoding the bytes again must give the text back: this catches bad padding and lengths, and
  // last characters with unused bits set, which decode to the same bytes as another text.
  const unpadded = compact.replace(/=+$/, '');
  const again = key.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '');
  const padding = compact.length - unpadded.length;
  if (again !== unpadded || (padding > 0 && compact.length % 4 !== 0)) {
    throw new BadValue(`is not valid base64 (wrong length or padding); ${HOW_TO_MAKE_ONE}`);
  }
  if (key.length < MIN_HMAC_KEY_BYTES) {
    throw new BadValue(`decodes to ${key.length} bytes, fewer than the ${MIN_HMAC_KEY_BYTES} needed; ${HOW_TO_MAKE_ONE}`);
  }
  return key;
}

/**
 * A function from a canonical value (canonicalIp's output, or the device id as given) to the
 * lowercase hex HMAC-SHA256 of its UTF-8 bytes. The key is copied: changing the buffer afterwards
 * does not change the masks.
 */
export function createMasker(key: Buffer): (canonical: string) => string {
  if (key.length < MIN_HMAC_KEY_BYTES) {
    throw new RangeError(`HMAC key must be at least ${MIN_HMAC_KEY_BYTES} bytes, got ${key.length}`);
  }
  const secret: KeyObject = createSecretKey(Buffer.from(key));
  return (canonical) => createHmac('sha256', secret).update(canonical, 'utf8').digest('hex');
}
