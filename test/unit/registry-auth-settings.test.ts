// The registry's authentication settings (lib/registry/settings.ts) and the token endpoint's
// answers (lib/auth/oauth-token.ts): tables of cases, hostile ones included.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings } from '../../lib/runtime/config.js';
import { registrySettings } from '../../lib/registry/settings.js';
import { registryOptionsFrom } from '../../lib/registry/client.js';
import { DEFAULT_LIFETIME_S, parseTokenResponse, refreshDueAt } from '../../lib/auth/oauth-token.js';
import { makePemFixtures } from './pem-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'loginpipe-registry-settings-'));
const caFile = makePemFixtures().cert;
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, 'svc:pa:ss\n');

function problems(env: Record<string, string>): string[] {
  try {
    loadSettings(registrySettings, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

const HTTPS = 'https://registry.example.com/apis/ccompat/v7';
const settingCases: { name: string; env: Record<string, string>; expected: RegExp[] }[] = [
  { name: 'nothing set: no auth, the local registry', env: {}, expected: [] },
  { name: 'Basic auth over https', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'KEY:se:cret' }, expected: [] },
  { name: 'user info without a colon', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'justakey' }, expected: [/^SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: must be user:password/] },
  { name: 'user info with an empty user', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: ':s3cret' }, expected: [/must be user:password/] },
  { name: 'user info and its file both set', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'a:b', SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE: secretFile }, expected: [/both set/] },
  { name: 'a bearer token with a space inside', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_BEARER_TOKEN: 'Bearer abc' }, expected: [/^SCHEMA_REGISTRY_BEARER_TOKEN: must be a single token/] },
  { name: 'a bearer token with a line break inside', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_BEARER_TOKEN: 'abc\r\nX-Evil: 1' }, expected: [/single token/] },
  { name: 'two ways to authenticate', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'a:b', SCHEMA_REGISTRY_BEARER_TOKEN: 't' }, expected: [/SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO and SCHEMA_REGISTRY_BEARER_TOKEN .* set one/] },
  { name: 'a token URL without client id and secret', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_OAUTH_TOKEN_URL: 'https://idp.example.com/token' }, expected: [/needs SCHEMA_REGISTRY_OAUTH_CLIENT_ID \(or SCHEMA_REGISTRY_OAUTH_CLIENT_ID_FILE\) and SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET/] },
  { name: 'a client secret without a token URL', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: 's' }, expected: [/need SCHEMA_REGISTRY_OAUTH_TOKEN_URL/] },
  { name: 'a token URL that is not http(s)', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_OAUTH_TOKEN_URL: 'file:///etc/passwd', SCHEMA_REGISTRY_OAUTH_CLIENT_ID: 'i', SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: 's' }, expected: [/^SCHEMA_REGISTRY_OAUTH_TOKEN_URL: must be an http\(s\) URL/] },
  { name: 'credentials over plain http to another host', env: { SCHEMA_REGISTRY_URL: 'http://registry.example.com', SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'a:b' }, expected: [/plain http:\/\/ .* in clear/] },
  { name: 'credentials over plain http to this machine', env: { SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'a:b' }, expected: [] },
  { name: 'a token URL over plain http to another host', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_OAUTH_TOKEN_URL: 'http://idp.example.com/token', SCHEMA_REGISTRY_OAUTH_CLIENT_ID: 'i', SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: 's' }, expected: [/^SCHEMA_REGISTRY_OAUTH_TOKEN_URL: is plain http:\/\/ to another machine/] },
  { name: 'a token URL over plain http to a private address', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_OAUTH_TOKEN_URL: 'http://10.0.0.7:8080/token', SCHEMA_REGISTRY_OAUTH_CLIENT_ID: 'i', SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: 's' }, expected: [/^SCHEMA_REGISTRY_OAUTH_TOKEN_URL: is plain http:\/\//] },
  { name: 'a token URL over plain http to a name that starts like loopback', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_OAUTH_TOKEN_URL: 'http://127.0.0.1.evil.example/token', SCHEMA_REGISTRY_OAUTH_CLIENT_ID: 'i', SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: 's' }, expected: [/^SCHEMA_REGISTRY_OAUTH_TOKEN_URL: is plain http:\/\//] },
  { name: 'a token URL over plain http to 127.0.0.1', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_OAUTH_TOKEN_URL: 'http://127.0.0.1:9999/token', SCHEMA_REGISTRY_OAUTH_CLIENT_ID: 'i', SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: 's' }, expected: [] },
  { name: 'a token URL over plain http to [::1]', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_OAUTH_TOKEN_URL: 'http://[::1]:9999/token', SCHEMA_REGISTRY_OAUTH_CLIENT_ID: 'i', SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: 's' }, expected: [] },
  { name: 'credentials inside the registry URL', env: { SCHEMA_REGISTRY_URL: 'https://svc:se:cret@registry.example.com/apis/ccompat/v7' }, expected: [/^SCHEMA_REGISTRY_URL: holds credentials/] },
  { name: 'only a user name inside the registry URL', env: { SCHEMA_REGISTRY_URL: 'https://se:cret@registry.example.com' }, expected: [/^SCHEMA_REGISTRY_URL: holds credentials/] },
  { name: 'credentials inside a registry URL that is not http(s)', env: { SCHEMA_REGISTRY_URL: 'ftp://svc:se:cret@registry.example.com' }, expected: [/^SCHEMA_REGISTRY_URL: holds credentials/] },
  { name: 'an @ in the registry URL\'s path is no credential', env: { SCHEMA_REGISTRY_URL: 'https://registry.example.com/a@b' }, expected: [] },
  { name: 'a CA file for an http registry', env: { SCHEMA_REGISTRY_SSL_CA_FILE: caFile }, expected: [/SCHEMA_REGISTRY_SSL_CA_FILE is set but SCHEMA_REGISTRY_URL is not https/] },
  { name: 'a CA file that holds no certificate', env: { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_SSL_CA_FILE: secretFile }, expected: [/holds no PEM certificate/] },
];

for (const c of settingCases) {
  test(`registry settings: ${c.name}`, () => {
    const got = problems(c.env);
    assert.is(got.length, c.expected.length, got.join('\n'));
    c.expected.forEach((re, i) => assert.match(got[i]!, re));
    for (const p of got) assert.not.ok(p.includes('se:cret') || p.includes('pa:ss'), 'a secret was echoed');
  });
}

test('registry settings: the user info comes from its file, without the line break, and makes Basic auth', () => {
  const cfg = loadSettings(registrySettings, { SCHEMA_REGISTRY_URL: HTTPS, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE: secretFile, SCHEMA_REGISTRY_SSL_CA_FILE: caFile });
  const o = registryOptionsFrom(cfg);
  assert.equal(o.auth, { kind: 'basic', userInfo: 'svc:pa:ss' });
  assert.ok(o.ca?.includes('BEGIN CERTIFICATE'));
});

const tokenCases: { name: string; body: string; expected: { accessToken: string; expiresInS: number } | RegExp }[] = [
  { name: 'a usual answer', body: '{"access_token":"abc","token_type":"Bearer","expires_in":3600}', expected: { accessToken: 'abc', expiresInS: 3600 } },
  { name: 'token_type in lower case (Keycloak writes "bearer" at times)', body: '{"access_token":"abc","token_type":"bearer","expires_in":60}', expected: { accessToken: 'abc', expiresInS: 60 } },
  { name: 'expires_in as a string (some providers)', body: '{"access_token":"abc","expires_in":"300"}', expected: { accessToken: 'abc', expiresInS: 300 } },
  { name: 'no expires_in', body: '{"access_token":"abc"}', expected: { accessToken: 'abc', expiresInS: DEFAULT_LIFETIME_S } },
  { name: 'not JSON', body: '<html>login</html>', expected: /not JSON/ },
  { name: 'JSON null', body: 'null', expected: /usable access_token/ },
  { name: 'no access_token', body: '{"token_type":"Bearer"}', expected: /usable access_token/ },
  { name: 'an access_token with a line break (header injection)', body: '{"access_token":"abc\\r\\nX: y"}', expected: /usable access_token/ },
  { name: 'a MAC token', body: '{"access_token":"abc","token_type":"mac"}', expected: /not of type Bearer/ },
  { name: 'expires_in zero', body: '{"access_token":"abc","expires_in":0}', expected: /positive number/ },
  { name: 'expires_in negative', body: '{"access_token":"abc","expires_in":-5}', expected: /positive number/ },
  { name: 'expires_in not a number', body: '{"access_token":"abc","expires_in":"soon"}', expected: /positive number/ },
];

for (const c of tokenCases) {
  test(`token endpoint answer: ${c.name}`, () => {
    if (c.expected instanceof RegExp) assert.throws(() => parseTokenResponse(c.body), c.expected);
    else assert.equal(parseTokenResponse(c.body), c.expected);
  });
}

const refreshCases: [string, number, number, number][] = [
  ['a one-hour token is renewed a minute before it ends', 1_000_000, 3600, 1_000_000 + 3_540_000],
  ['a five-minute token, a minute before', 0, 300, 240_000],
  ['a five-second token, a fifth of its life before', 0, 5, 4_000],
  ['a one-second token, at 0.8 s', 0, 1, 800],
  ['a lifetime of zero is due at once', 5_000, 0, 5_000],
];
for (const [name, at, lifetime, due] of refreshCases) {
  test(`token refresh: ${name}`, () => assert.is(refreshDueAt(at, lifetime), due));
}

test.run();
