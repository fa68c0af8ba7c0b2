// Throwaway certificates and keys for the settings tests, made with openssl at test time (a
// committed private key would look like a leaked one, and would expire).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PemFixtures {
  dir: string;
  /** A self-signed certificate and its key. */
  cert: string;
  key: string;
  /** A second, unrelated certificate and key. */
  otherCert: string;
  otherKey: string;
  /** The first key, encrypted with a passphrase. */
  encryptedKey: string;
  /** A file that looks like a certificate but whose body is garbage. */
  brokenCert: string;
  /** Two certificates in one file, as a CA bundle is. */
  bundle: string;
  /** Reads a fixture back, for comparing with what the parser returned. */
  read(path: string): string;
  /** Writes a file of the given content in the fixtures folder. */
  write(name: string, content: string | Buffer): string;
}

export function makePemFixtures(): PemFixtures {
  const dir = mkdtempSync(join(tmpdir(), 'loginpipe-pem-'));
  const pair = (name: string) => {
    const cert = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'ignore' });
    return { cert, key };
  };
  const a = pair('a');
  const b = pair('b');
  const encryptedKey = join(dir, 'a-encrypted.key');
  execFileSync('openssl', ['pkey', '-in', a.key, '-aes256', '-passout', 'pass:not-a-secret', '-out', encryptedKey], { stdio: 'ignore' });
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const read = (path: string) => readFileSync(path, 'utf8');
  return {
    dir,
    cert: a.cert,
    key: a.key,
    otherCert: b.cert,
    otherKey: b.key,
    encryptedKey,
    brokenCert: write('broken.crt', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n'),
    bundle: write('bundle.crt', read(a.cert) + read(b.cert)),
    read,
    write,
  };
}
