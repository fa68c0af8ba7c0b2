// loginpipe's openDb, configured only through DATABASE_URL's sslmode and DATABASE_SSL_CA_FILE,
// against the machine's Postgres with TLS turned on by this test under a CA made for this run.
//
// What it changes on the server, and why that is safe to leave: `ssl = on` with the certificate
// and key in /var/lib/postgresql/loginpipe-tls/ (kept there, never deleted, since a restarted
// server with ssl on refuses to start without them). Plaintext connections still work, so
// nobody else notices. Each run writes a new certificate and reloads; running it again is fine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, renameSync, rmSync, copyFileSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../lib/runtime/config.js';
import { closeDb, openDb } from '../../lib/postgres/db.js';
import { ROOT } from '../../lib/runtime/paths.js';
import { waitUntil } from '../../lib/runtime/wait-until.js';
import { databaseSettings } from '../../sink/config.js';
import { DATABASE_URL } from '../../stack/postgres.js';
import { generateKeyFiles } from '../../cli/pii/keys.js';

const SERVER_DIR = '/var/lib/postgresql/loginpipe-tls';
const dir = mkdtempSync(join(tmpdir(), 'loginpipe-pg-tls-'));
const f = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
const plain = openDb(DATABASE_URL, 1);

/** A CA (key + self-signed certificate) under the given name. */
function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`));
}

/** Installs a file for the postgres OS user, atomically (a reload must never see half of it). */
function install(from: string, name: string, mode: number): string {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  mkdirSync(SERVER_DIR, { recursive: true, mode: 0o700 });
  chownSync(SERVER_DIR, uid, gid);
  const staged = join(SERVER_DIR, `.${name}.${process.pid}`);
  copyFileSync(from, staged);
  chownSync(staged, uid, gid);
  chmodSync(staged, mode);
  const target = join(SERVER_DIR, name);
  renameSync(staged, target);
  return target;
}

function envFor(mode: string | undefined, ca: string | undefined): Record<string, string> {
  return {
    DATABASE_URL: mode === undefined ? DATABASE_URL : `${DATABASE_URL}?sslmode=${mode}`,
    ...(ca === undefined ? {} : { DATABASE_SSL_CA_FILE: f(`${ca}.crt`) }),
  };
}

/** Whether this connection (made the way the sink and migrate make theirs) is encrypted. */
async function sslInUse(env: Record<string, string>): Promise<boolean> {
  const db = openDb(loadSettings(databaseSettings, env), 1);
  try {
    const row = await db.one<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return row.ssl;
  } finally {
    // One pool per case: pg-promise cannot tell apart pools that differ only in TLS checks.
    await closeDb(db);
  }
}

test.before(async () => {
  try {
    await enableTls();
  } catch (err) {
    // uvu counts the tests as failed but does not print a hook's error.
    console.error('could not turn on TLS in Postgres:', err);
    throw err;
  }
});

async function enableTls(): Promise<void> {
  makeCa('ca');
  makeCa('other-ca');
  // The server's key and certificate, signed by "ca", for both names clients may dial.
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr')], { stdio: 'pipe' });
  execFileSync('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('server.ext'), '-out', f('server.crt')], { stdio: 'pipe' });
  const cert = install(f('server.crt'), 'server.crt', 0o644);
  const key = install(f('server.key'), 'server.key', 0o600);
  await plain.none('ALTER SYSTEM SET ssl_cert_file = $1', [cert]);
  await plain.none('ALTER SYSTEM SET ssl_key_file = $1', [key]);
  await plain.none('ALTER SYSTEM SET ssl = on');
  await plain.one('SELECT pg_reload_conf()');
  // The reload is asynchronous: wait until a connection verified against this run's CA works.
  await waitUntil(() => sslInUse(envFor('verify-full', 'ca')).catch(() => false), {
    timeoutMs: 20_000,
    what: 'Postgres to serve TLS with this run\'s certificate',
    state: async () => plain.any("SELECT name, setting, error FROM pg_file_settings WHERE name LIKE 'ssl%' OR error IS NOT NULL"),
  });
  await closeDb(plain); // the sslmode=disable case opens the same connection again
}

// Every pool this file opens is closed where it is used: closeAllDbs would also end the pools of
// the test files that run after this one in the same process.
test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const connecting: { name: string; mode: string | undefined; ca: string | undefined; expected: boolean }[] = [
  { name: 'sslmode=verify-full with the CA file', mode: 'verify-full', ca: 'ca', expected: true },
  { name: 'sslmode=verify-ca with the CA file', mode: 'verify-ca', ca: 'ca', expected: true },
  { name: 'sslmode=require with the CA file (the chain is checked)', mode: 'require', ca: 'ca', expected: true },
  { name: 'sslmode=require without a CA file (encrypted, unverified)', mode: 'require', ca: undefined, expected: true },
  { name: 'sslmode=disable (plaintext still allowed)', mode: 'disable', ca: undefined, expected: false },
  { name: 'no sslmode (plaintext, as before)', mode: undefined, ca: undefined, expected: false },
];

for (const c of connecting) {
  test(`openDb with ${c.name}: pg_stat_ssl says ssl is ${c.expected}`, async () => {
    assert.is(await sslInUse(envFor(c.mode, c.ca)), c.expected);
  });
}

const refused: { name: string; mode: string; ca: string | undefined }[] = [
  { name: 'sslmode=verify-full with a CA that did not sign the server\'s certificate', mode: 'verify-full', ca: 'other-ca' },
  { name: 'sslmode=verify-ca with that wrong CA', mode: 'verify-ca', ca: 'other-ca' },
  { name: 'sslmode=require with that wrong CA', mode: 'require', ca: 'other-ca' },
  { name: 'sslmode=verify-full against the system roots (a private CA is not among them)', mode: 'verify-full', ca: undefined },
];

for (const c of refused) {
  test(`openDb with ${c.name} fails with a certificate error`, async () => {
    let caught: unknown;
    try {
      await sslInUse(envFor(c.mode, c.ca));
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof Error, 'connected, but should have been refused');
    assert.match((caught as Error).message, /self[- ]signed certificate|unable to (verify|get local issuer)/i);
  });
}

test('`loginpipe migrate` connects with verify-full and the CA file, and exits 1 naming the cause with a wrong CA', () => {
  const schema = `tls_${randomUUID().slice(0, 8)}`;
  const run = (ca: string) => spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'migrate'], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', ...envFor('verify-full', ca), DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn' },
  });
  try {
    const ok = run('ca');
    assert.is(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`applied .* in schema ${schema}`));
    const bad = run('other-ca');
    assert.is(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /self[- ]signed certificate|unable to verify/i);
  } finally {
    execFileSync('psql', [DATABASE_URL, '-qc', `DROP SCHEMA IF EXISTS ${schema} CASCADE`], { stdio: 'pipe' });
  }
});

// The PII commands and status open Postgres as the sink does: with sslmode=require and a CA file
// the chain is checked, so a man in the middle cannot feed reveal forged values or use rekey as a
// mask oracle. Each is run as an operator would, against a schema that does not exist: with the
// right CA the connection is made (and the command fails later for the missing schema), with the
// wrong one it is refused for the certificate.
const piiCommands: { name: string; args: string[] }[] = [
  { name: 'reveal', args: ['reveal', '--user-id', 'u1', '--reason', 'tls test'] },
  { name: 'rekey', args: ['rekey', '--reason', 'tls test'] },
  { name: 'forget', args: ['forget', '--user-id', 'u1', '--reason', 'tls test'] },
];

const CERTIFICATE_ERROR = /self[- ]signed certificate|unable to (verify|get local issuer)/i;

function runCommand(args: string[], ca: string) {
  const keys = join(dir, `keys-${randomUUID().slice(0, 8)}`);
  const k = generateKeyFiles(keys);
  writeFileSync(join(keys, 'hmac.key'), Buffer.alloc(32, 7).toString('base64'), { mode: 0o600 });
  return spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '', ...envFor('require', ca), DATABASE_SCHEMA: `tls_absent_${randomUUID().slice(0, 8)}`, LOG_LEVEL: 'warn',
      PII_RECOVERY_PRIVATE_KEY_FILE: k.privatePath, PII_HMAC_KEY_FILE: join(keys, 'hmac.key'),
    },
  });
}

for (const c of piiCommands) {
  test(`\`loginpipe ${c.name}\` with sslmode=require checks the certificate against DATABASE_SSL_CA_FILE`, () => {
    const bad = runCommand(c.args, 'other-ca');
    assert.is.not(bad.status, 0, bad.stderr);
    assert.match(bad.stderr, CERTIFICATE_ERROR);
    const ok = runCommand(c.args, 'ca');
    assert.not.match(ok.stderr, CERTIFICATE_ERROR);
    assert.match(ok.stderr, /does not exist/);
  });
}

test('`loginpipe status` with sslmode=require checks the certificate against DATABASE_SSL_CA_FILE', () => {
  // No Kafka or SQS is needed: status reports each part it could not reach on its own.
  const rowsOf = (ca: string) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'status', '--json'], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000,
      env: { PATH: process.env.PATH ?? '', ...envFor('require', ca), DATABASE_SCHEMA: `tls_absent_${randomUUID().slice(0, 8)}`, LOG_LEVEL: 'warn', KAFKA_BROKERS: '127.0.0.1:1', SQS_ENDPOINT: 'http://127.0.0.1:1' },
    });
    return (JSON.parse(r.stdout) as { rows: { error?: string; count?: number | null } }).rows;
  };
  assert.match(rowsOf('other-ca').error ?? '', CERTIFICATE_ERROR);
  assert.equal(rowsOf('ca').count, null);
});

test.run();
