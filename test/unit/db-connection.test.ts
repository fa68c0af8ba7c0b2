// DATABASE_URL's sslmode, DATABASE_PASSWORD and DATABASE_SSL_CA_FILE, and what node-postgres is
// given. Expected TLS options follow libpq's meaning of each sslmode (lib/postgres/connection.ts); the
// password oracle is the WHATWG URL parser plus decodeURIComponent, which is how
// node-postgres reads a connection string's password.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { ConfigError, loadSettings } from '../../lib/runtime/config.js';
import { pgConnection } from '../../lib/postgres/connection.js';
import { databaseSettings } from '../../sink/config.js';
import { makePemFixtures } from './pem-fixtures.js';

const pem = makePemFixtures();
const URL_PASSWORD = 'url-Pass-42';
const BASE = 'postgres://app@db.example.com:5432/loginpipe';

interface Expected {
  /** The connection string node-postgres gets, and the TLS options (checkServerIdentity as "skip"). */
  connection?: { connectionString: string; ssl: false | { rejectUnauthorized: boolean; ca?: 'fixture'; hostname?: 'skip' } };
  problems?: RegExp[];
}

const cases: { name: string; input: Record<string, string>; expected: Expected }[] = [
  { name: 'no sslmode: plaintext', input: { DATABASE_URL: BASE }, expected: { connection: { connectionString: BASE, ssl: false } } },
  { name: 'sslmode=disable: plaintext, and the parameter is taken out', input: { DATABASE_URL: `${BASE}?sslmode=disable` }, expected: { connection: { connectionString: BASE, ssl: false } } },
  { name: 'sslmode=require without a CA: encrypted, not verified (as libpq)', input: { DATABASE_URL: `${BASE}?sslmode=require` }, expected: { connection: { connectionString: BASE, ssl: { rejectUnauthorized: false } } } },
  {
    name: 'sslmode=require with a CA: the chain is checked, not the host (as libpq with a root certificate)',
    input: { DATABASE_URL: `${BASE}?sslmode=require`, DATABASE_SSL_CA_FILE: pem.cert },
    expected: { connection: { connectionString: BASE, ssl: { rejectUnauthorized: true, ca: 'fixture', hostname: 'skip' } } },
  },
  {
    name: 'sslmode=verify-ca with a CA',
    input: { DATABASE_URL: `${BASE}?sslmode=verify-ca`, DATABASE_SSL_CA_FILE: pem.cert },
    expected: { connection: { connectionString: BASE, ssl: { rejectUnauthorized: true, ca: 'fixture', hostname: 'skip' } } },
  },
  { name: 'sslmode=verify-ca against the system roots', input: { DATABASE_URL: `${BASE}?sslmode=verify-ca` }, expected: { connection: { connectionString: BASE, ssl: { rejectUnauthorized: true, hostname: 'skip' } } } },
  {
    name: 'sslmode=verify-full with a CA: chain and host name',
    input: { DATABASE_URL: `${BASE}?sslmode=verify-full`, DATABASE_SSL_CA_FILE: pem.cert },
    expected: { connection: { connectionString: BASE, ssl: { rejectUnauthorized: true, ca: 'fixture' } } },
  },
  { name: 'sslmode=verify-full against the system roots', input: { DATABASE_URL: `${BASE}?sslmode=verify-full` }, expected: { connection: { connectionString: BASE, ssl: { rejectUnauthorized: true } } } },
  {
    name: 'other parameters stay in the URL',
    input: { DATABASE_URL: `${BASE}?application_name=x&sslmode=verify-full&connect_timeout=5` },
    expected: { connection: { connectionString: `${BASE}?application_name=x&connect_timeout=5`, ssl: { rejectUnauthorized: true } } },
  },
  {
    name: 'DATABASE_PASSWORD goes into the URL',
    input: { DATABASE_URL: BASE, DATABASE_PASSWORD: 'simple' },
    expected: { connection: { connectionString: 'postgres://app:simple@db.example.com:5432/loginpipe', ssl: false } },
  },
  { name: 'sslmode=prefer (would fall back to plaintext)', input: { DATABASE_URL: `${BASE}?sslmode=prefer` }, expected: { problems: [/^DATABASE_URL: has an sslmode loginpipe does not support; use one of disable, require, verify-ca, verify-full$/] } },
  { name: 'sslmode=allow', input: { DATABASE_URL: `${BASE}?sslmode=allow` }, expected: { problems: [/^DATABASE_URL: has an sslmode loginpipe does not support/] } },
  { name: 'sslmode=no-verify (a node-postgres invention)', input: { DATABASE_URL: `${BASE}?sslmode=no-verify` }, expected: { problems: [/^DATABASE_URL: has an sslmode loginpipe does not support/] } },
  { name: 'sslmode=VERIFY-FULL (libpq is case-sensitive too)', input: { DATABASE_URL: `${BASE}?sslmode=VERIFY-FULL` }, expected: { problems: [/^DATABASE_URL: has an sslmode loginpipe does not support/] } },
  { name: 'an empty sslmode', input: { DATABASE_URL: `${BASE}?sslmode=` }, expected: { problems: [/^DATABASE_URL: has an sslmode loginpipe does not support/] } },
  { name: 'sslmode twice', input: { DATABASE_URL: `${BASE}?sslmode=disable&sslmode=verify-full` }, expected: { problems: [/^DATABASE_URL: gives sslmode more than once$/] } },
  { name: 'sslrootcert in the URL', input: { DATABASE_URL: `${BASE}?sslmode=verify-full&sslrootcert=/etc/ca.pem` }, expected: { problems: [/^DATABASE_URL: has the parameter "sslrootcert", which loginpipe does not support; use sslmode in the URL and DATABASE_SSL_CA_FILE$/] } },
  { name: 'ssl=true in the URL', input: { DATABASE_URL: `${BASE}?ssl=true` }, expected: { problems: [/^DATABASE_URL: has the parameter "ssl"/] } },
  { name: 'uselibpqcompat in the URL', input: { DATABASE_URL: `${BASE}?uselibpqcompat=true&sslmode=require` }, expected: { problems: [/^DATABASE_URL: has the parameter "uselibpqcompat"/] } },
  { name: 'a CA file without sslmode', input: { DATABASE_URL: BASE, DATABASE_SSL_CA_FILE: pem.cert }, expected: { problems: [/^DATABASE_SSL_CA_FILE is set but DATABASE_URL asks for no TLS/] } },
  { name: 'a CA file with sslmode=disable', input: { DATABASE_URL: `${BASE}?sslmode=disable`, DATABASE_SSL_CA_FILE: pem.cert }, expected: { problems: [/^DATABASE_SSL_CA_FILE is set but DATABASE_URL asks for no TLS/] } },
  { name: 'a CA file that holds a key', input: { DATABASE_URL: `${BASE}?sslmode=verify-full`, DATABASE_SSL_CA_FILE: pem.key }, expected: { problems: [/^DATABASE_SSL_CA_FILE: .* holds no PEM certificate/] } },
  {
    name: 'a password both in the URL and in DATABASE_PASSWORD',
    input: { DATABASE_URL: `postgres://app:${URL_PASSWORD}@db/loginpipe`, DATABASE_PASSWORD: 'other-secret' },
    expected: { problems: [/^DATABASE_URL holds a password and DATABASE_PASSWORD \(or DATABASE_PASSWORD_FILE\) gives another; keep one$/] },
  },
  {
    name: 'a bad sslmode in a URL with a password never echoes the URL',
    input: { DATABASE_URL: `postgres://app:${URL_PASSWORD}@db/loginpipe?sslmode=bogus` },
    expected: { problems: [/^DATABASE_URL: has an sslmode loginpipe does not support/] },
  },
];

for (const c of cases) {
  test(`Postgres connection settings: ${c.name}`, () => {
    let caught: unknown;
    let got: ReturnType<typeof pgConnection> | undefined;
    try {
      got = pgConnection(loadSettings(databaseSettings, c.input));
    } catch (err) {
      caught = err;
    }
    if (c.expected.connection !== undefined) {
      assert.is(caught, undefined, String(caught));
      assert.is(got?.connectionString, c.expected.connection.connectionString);
      const want = c.expected.connection.ssl;
      if (want === false) {
        assert.is(got?.ssl, false);
        return;
      }
      assert.ok(got?.ssl, 'expected TLS options');
      const ssl = got!.ssl as Exclude<typeof got.ssl, false>;
      assert.is(ssl.rejectUnauthorized, want.rejectUnauthorized);
      assert.is(ssl.ca, want.ca === 'fixture' ? pem.read(pem.cert) : undefined);
      if (want.hostname === 'skip') assert.is(ssl.checkServerIdentity?.(), undefined, 'host name check should be skipped');
      else assert.is(ssl.checkServerIdentity, undefined, 'host name check must stay on');
      return;
    }
    assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
    const problems = (caught as ConfigError).problems;
    assert.is(problems.length, c.expected.problems?.length, problems.join(' | '));
    c.expected.problems?.forEach((re, i) => assert.match(problems[i] ?? '', re));
    assert.not.ok((caught as ConfigError).message.includes(URL_PASSWORD), 'a password appears in the error');
    assert.not.ok((caught as ConfigError).message.includes('other-secret'), 'a password appears in the error');
  });
}

// Characters that mean something in a URL, percent signs that look like escapes, and non-ASCII.
const hostilePasswords = ['p@ss:w/rd', '%41%42', 'a b+c', 'x?y#z&w=v', 'пароль-密码', "quote'\"back\\slash", '[]{}|^`~'];

for (const password of hostilePasswords) {
  test(`DATABASE_PASSWORD ${JSON.stringify(password)} reaches node-postgres unchanged`, () => {
    const file = pem.write('db-password', `${password}\n`);
    const { connectionString } = pgConnection(loadSettings(databaseSettings, { DATABASE_URL: `${BASE}?sslmode=verify-full`, DATABASE_PASSWORD_FILE: file }));
    const url = new URL(connectionString);
    assert.is(decodeURIComponent(url.password), password);
    assert.is(url.username, 'app');
    assert.is(url.host, 'db.example.com:5432');
    assert.is(url.pathname, '/loginpipe');
    assert.is(url.search, '');
  });
}

test('DATABASE_URL can come from a file (a URL with a password is a secret)', () => {
  const file = pem.write('db-url', `postgres://app:${URL_PASSWORD}@db/loginpipe?sslmode=verify-full\n`);
  const cfg = loadSettings(databaseSettings, { DATABASE_URL_FILE: file });
  assert.is(cfg.databaseUrl, `postgres://app:${URL_PASSWORD}@db/loginpipe?sslmode=verify-full`);
  assert.is(pgConnection(cfg).connectionString, `postgres://app:${URL_PASSWORD}@db/loginpipe`);
});

test.after(() => rmSync(pem.dir, { recursive: true, force: true }));

test.run();
