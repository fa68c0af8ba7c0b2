// The registry as production runs it: the real Apicurio on 8081 behind a TLS proxy that demands
// credentials (stack/registry-proxy.ts), with its own CA and its own OAuth token endpoint. The
// client reaches it with each kind of credential; the services, given none, wrong ones, or no
// CA, stop at start with an error that names the setting instead of waiting as for an outage.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../lib/runtime/config.js';
import { registrySettings } from '../../lib/registry/settings.js';
import { SchemaRegistry, registryOptionsFrom, isRegistrySettingError } from '../../lib/registry/client.js';
import { USER_LOGIN_SCHEMA_TEXT } from '../../lib/records/user-login.js';
import { startRegistryProxy, type RegistryProxy } from '../../stack/registry-proxy.js';
import { CCOMPAT_URL } from '../../stack/registry.js';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { createTopics, db, newWorld, produceRaw, spawnLoginpipe, startLoginpipe, waitUntil } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'loginpipe-registry-proxy-'));
let proxy: RegistryProxy;
const subjects: string[] = [];

test.before(async () => {
  proxy = await startRegistryProxy({ dir, port: 19410, tokenLifetimeS: 3 });
});
test.after(async () => {
  for (const s of subjects) await fetch(`${CCOMPAT_URL}/subjects/${encodeURIComponent(s)}`, { method: 'DELETE' }).catch(() => {});
  await proxy.stop();
  rmSync(dir, { recursive: true, force: true });
});

const schema = JSON.stringify(JSON.parse(USER_LOGIN_SCHEMA_TEXT));

function client(env: Record<string, string>): SchemaRegistry {
  return new SchemaRegistry(registryOptionsFrom(loadSettings(registrySettings, { SCHEMA_REGISTRY_URL: proxy.url, SCHEMA_REGISTRY_SSL_CA_FILE: proxy.caFile, ...env })));
}

/** Registers through the proxy and reads the schema back by id, uncached, from the real registry. */
async function roundTrip(env: Record<string, string>): Promise<void> {
  const subject = `auth-${randomUUID().slice(0, 8)}-value`;
  subjects.push(subject);
  const id = await client(env).register(subject, schema);
  const direct = (await (await fetch(`${CCOMPAT_URL}/schemas/ids/${id}`)).json()) as { schema: string };
  assert.equal(JSON.parse(direct.schema), JSON.parse(schema), 'the id is the real registry\'s');
  assert.equal(JSON.parse(await client(env).schemaById(id)), JSON.parse(schema));
}

async function refusal(env: Record<string, string>): Promise<Error> {
  try {
    await client(env).probe();
  } catch (err) {
    assert.ok(isRegistrySettingError(err), `not a setting error: ${String(err)}`);
    return err as Error;
  }
  throw new assert.Assertion({ message: 'the proxy let the request through' } as never);
}

test('Basic auth (user:password) over TLS under a private CA registers and reads schemas in the real registry', async () => {
  await roundTrip({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: proxy.userInfo });
});

test('the user:password can come from SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE', async () => {
  const file = join(dir, 'user-info');
  writeFileSync(file, `${proxy.userInfo}\n`, { mode: 0o600 });
  await roundTrip({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE: file });
});

test('a static bearer token is accepted', async () => {
  await roundTrip({ SCHEMA_REGISTRY_BEARER_TOKEN: proxy.bearerToken });
});

test('an OAuth client-credentials token is fetched, used, and renewed before it expires', async () => {
  const env = {
    SCHEMA_REGISTRY_OAUTH_TOKEN_URL: proxy.tokenUrl,
    SCHEMA_REGISTRY_OAUTH_CLIENT_ID: proxy.client.id,
    SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: proxy.client.secret,
    SCHEMA_REGISTRY_OAUTH_SCOPE: proxy.client.scope,
  };
  const options = registryOptionsFrom(loadSettings(registrySettings, { SCHEMA_REGISTRY_URL: proxy.url, SCHEMA_REGISTRY_SSL_CA_FILE: proxy.caFile, ...env }));
  const registry = new SchemaRegistry(options);
  const source = options.auth?.kind === 'oauth' ? options.auth.source : assert.unreachable('not oauth') as never;
  const refusedBefore = proxy.refusals();
  await registry.probe();
  assert.is(source.fetched, 1);
  await registry.probe();
  assert.is(source.fetched, 1, 'the token in hand is reused');
  // The proxy's tokens last 3 s; the client renews at 2.4 s, before the proxy would refuse it.
  await waitUntil(async () => { await registry.probe(); return source.fetched === 2; }, { timeoutMs: 10_000, intervalMs: 200, what: 'a second token' });
  assert.is(proxy.refusals(), refusedBefore, 'no request went out with an expired token');
  await roundTrip(env);
});

test('no credentials, wrong ones, or a known user without access: a setting error naming the setting', async () => {
  assert.match((await refusal({})).message, /401.*SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO, SCHEMA_REGISTRY_BEARER_TOKEN or SCHEMA_REGISTRY_OAUTH_TOKEN_URL/);
  const wrong = await refusal({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'loginpipe:not-the-password' });
  assert.match(wrong.message, /did not accept the credentials \(401.*check SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO$/);
  assert.not.ok(wrong.message.includes('not-the-password'), 'the password is not echoed');
  assert.match((await refusal({ SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: proxy.forbiddenUserInfo })).message, /refused access .*\(403.*SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO/);
  assert.match((await refusal({ SCHEMA_REGISTRY_BEARER_TOKEN: 'forged' })).message, /401.*check SCHEMA_REGISTRY_BEARER_TOKEN$/);
  const badClient = await refusal({ SCHEMA_REGISTRY_OAUTH_TOKEN_URL: proxy.tokenUrl, SCHEMA_REGISTRY_OAUTH_CLIENT_ID: proxy.client.id, SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: 'wrong' });
  assert.match(badClient.message, /refused the client credentials \(401 invalid_client\).*SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET/);
});

test('without the private CA the certificate is not trusted: a setting error naming SCHEMA_REGISTRY_SSL_CA_FILE', async () => {
  const registry = new SchemaRegistry(registryOptionsFrom(loadSettings(registrySettings, { SCHEMA_REGISTRY_URL: proxy.url, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: proxy.userInfo })));
  try {
    await registry.probe();
    assert.unreachable('an untrusted certificate was accepted');
  } catch (err) {
    assert.ok(isRegistrySettingError(err), String(err));
    assert.match((err as Error).message, /not trusted \(.+\): check SCHEMA_REGISTRY_SSL_CA_FILE/);
  }
});

test('an OAuth token endpoint whose certificate is not trusted: a setting error naming SCHEMA_REGISTRY_SSL_CA_FILE, not an outage', async () => {
  const registry = new SchemaRegistry(registryOptionsFrom(loadSettings(registrySettings, {
    SCHEMA_REGISTRY_URL: proxy.url, SCHEMA_REGISTRY_OAUTH_TOKEN_URL: proxy.tokenUrl, SCHEMA_REGISTRY_OAUTH_CLIENT_ID: proxy.client.id, SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: proxy.client.secret,
  })));
  try {
    await registry.probe();
    assert.unreachable('an untrusted certificate was accepted');
  } catch (err) {
    assert.ok(isRegistrySettingError(err), String(err));
    assert.match((err as Error).message, /token endpoint .+ certificate is not trusted \(.+\): check SCHEMA_REGISTRY_SSL_CA_FILE/);
  }
});

/** Starts a service against the proxy and expects it to stop at start, naming `setting`. */
async function stopsAtStart(kind: 'processor' | 'sink', env: Record<string, string>, setting: RegExp): Promise<void> {
  const world = await newWorld(`regauth-${kind}`, { SCHEMA_REGISTRY_URL: proxy.url, SCHEMA_REGISTRY_SSL_CA_FILE: proxy.caFile, ...env });
  try {
    await createTopics(world);
    const p = spawnLoginpipe(kind, world.env);
    const code = await Promise.race([p.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 60_000))]);
    if (code === 'still running') await p.stop();
    assert.is(code, 1, `${kind} did not stop: ${p.lines.slice(-3).join('\n')}`);
    const fatal = p.lines.find((l) => l.includes('could not start')) ?? '';
    assert.match(fatal, setting);
    assert.not.ok(p.lines.some((l) => l.includes('unreachable; backing off')), 'a refusal was taken for an outage');
  } finally {
    await world.cleanup();
  }
}

test('the processor given no registry credentials stops at start, naming the settings', async () => {
  await stopsAtStart('processor', {}, /SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO/);
});

test('the sink given a wrong password stops at start, naming SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO', async () => {
  await stopsAtStart('sink', { SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'loginpipe:wrong' }, /check SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO/);
});

test('the sink given a wrong OAuth client secret stops at start, naming it', async () => {
  await stopsAtStart('sink', { SCHEMA_REGISTRY_OAUTH_TOKEN_URL: proxy.tokenUrl, SCHEMA_REGISTRY_OAUTH_CLIENT_ID: proxy.client.id, SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET: 'wrong' },
    /SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET/);
});

test('processor and sink with Basic auth through the proxy carry a login to Postgres', async () => {
  const world = await newWorld('regauth-pipe', { SCHEMA_REGISTRY_URL: proxy.url, SCHEMA_REGISTRY_SSL_CA_FILE: proxy.caFile, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: proxy.userInfo });
  const started = [];
  try {
    await createTopics(world);
    started.push(await startLoginpipe('sink', world.env), await startLoginpipe('processor', world.env));
    const login = createSampleLogins(7).valid();
    await produceRaw(world, [{ id: 'ev-1', body: login.body }]);
    await waitUntil(async () => (await db.any('SELECT 1 FROM $1:name.user_logins', [world.schema]).catch(() => [])).length === 1, { timeoutMs: 60_000, what: 'the row' });
    const row = await db.one('SELECT user_id, event_id FROM $1:name.user_logins', [world.schema]);
    assert.is(row.event_id, 'ev-1');
    assert.is(row.user_id, (JSON.parse(login.body) as { user_id: string }).user_id);
  } finally {
    for (const p of started) await p.stop();
    await world.cleanup();
  }
});

test.run();
