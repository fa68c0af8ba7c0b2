// `loginpipe keys generate --out DIR`: a recovery key pair for sealing PII. The private key goes
// to DIR/recovery.key, readable by its owner only (created so, never widened afterwards); the
// public key to DIR/recovery.pub and to standard output. Existing files are never overwritten:
// losing a private key loses every value sealed to it.
import { closeSync, existsSync, mkdirSync, openSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { generateRawKeyPair } from '../../lib/pii/hpke.js';
import { PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, formatKey } from '../../lib/pii/keys.js';

export class KeyFileExists extends Error {}

function writeNew(path: string, text: string, mode: number): void {
  let fd: number;
  try {
    // O_EXCL: fail rather than replace; the mode applies at creation, before any byte is written.
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyFileExists(`${path} already exists; not overwriting a key`);
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Writes a fresh pair into dir and returns the public key's text. */
export function generateKeyFiles(dir: string): { publicKey: string; privatePath: string; publicPath: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = generateRawKeyPair();
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  const publicKey = formatKey(pair.publicKey);
  for (const p of [privatePath, publicPath]) if (existsSync(p)) throw new KeyFileExists(`${p} already exists; not overwriting a key`);
  writeNew(privatePath, formatKey(pair.privateKey) + '\n', 0o600);
  pair.privateKey.fill(0);
  writeNew(publicPath, publicKey + '\n', 0o644);
  return { publicKey, privatePath, publicPath };
}

export function keysCommand(sub: string | undefined, outDir: string | undefined, out: (line: string) => void, err: (line: string) => void): number {
  if (sub !== 'generate') {
    err('usage: loginpipe keys generate --out DIR');
    return 2;
  }
  if (outDir === undefined || outDir === '') {
    err('loginpipe keys generate: --out DIR is required');
    return 2;
  }
  try {
    const r = generateKeyFiles(outDir);
    err(`private key written to ${r.privatePath} (mode 600): keep it offline, away from the pipeline`);
    err(`public key written to ${r.publicPath}; set PII_RECOVERY_PUBLIC_KEY to it:`);
    out(r.publicKey);
    return 0;
  } catch (e) {
    if (e instanceof KeyFileExists) {
      err(`loginpipe keys generate: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
