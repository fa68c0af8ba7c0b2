// The recovery key pair as text: each key is its 32 raw X25519 bytes (RFC 7748) in standard
// base64 with padding, 44 characters, on one line. The private key file holds only that line;
// the public key file holds that line too, so `PII_RECOVERY_PUBLIC_KEY="$(cat recovery.pub)"`
// works. Messages never echo a key.
import { readFileSync, statSync } from 'node:fs';
import { BadValue } from '../runtime/config.js';
import { X25519_KEY_BYTES } from './hpke.js';

export const PRIVATE_KEY_FILE = 'recovery.key';
export const PUBLIC_KEY_FILE = 'recovery.pub';

const CANONICAL_BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

export function formatKey(raw: Uint8Array): string {
  return Buffer.from(raw).toString('base64');
}

/** The 32 bytes of a key written by formatKey; surrounding whitespace (a file's newline) is ignored. */
export function parseKeyText(text: string, what: string): Buffer {
  const compact = text.trim();
  if (compact === '') throw new BadValue(`is empty; make a ${what} with \`loginpipe keys generate --out DIR\``);
  if (!CANONICAL_BASE64_32.test(compact)) {
    throw new BadValue(`is not a ${what}: expected ${X25519_KEY_BYTES} bytes in base64 (44 characters ending in "="), as \`loginpipe keys generate\` writes`);
  }
  const raw = Buffer.from(compact, 'base64');
  if (raw.toString('base64') !== compact) throw new BadValue(`is not a ${what}: not canonical base64`);
  return raw;
}

/**
 * Reads a private key file. Refuses one that others may read (group or world permission bits),
 * as ssh does, so a key that leaked into a shared place is noticed.
 */
export function readPrivateKeyFile(path: string): Buffer {
  let text: string;
  try {
    const st = statSync(path);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new BadValue(`file ${path} may be read by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof BadValue) throw err;
    throw new BadValue(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return parseKeyText(text, 'recovery private key');
}
