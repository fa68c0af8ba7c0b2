// The one client-credentials token request (lib/auth/oauth-token.ts), with a fake HTTP port: what
// it sends for each way of client authentication, what each kind of answer becomes, and the
// lifetime rules of the registry and of Kafka. The real exchanges run against real endpoints in
// test/integration/registry-auth.test.ts and kafka-oauthbearer.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientCredentialsToken, DEFAULT_LIFETIME_S, requestToken, TokenRequestError, type ClientCredentials } from '../../lib/auth/oauth-token.js';
import { oidcTokenSource } from '../../lib/kafka/oauth.js';
import type { HttpRequest, HttpResponse, SendHttp } from '../../lib/http/request.js';
import { PipelineError } from '../../lib/runtime/errors.js';

const URL = 'https://idp.example.com/token';
const SECRET = 's3cr:et/+ &x';
const creds = (clientAuth: ClientCredentials['clientAuth']): ClientCredentials =>
  ({ tokenUrl: URL, clientId: 'svc id', clientSecret: SECRET, scope: ' registry ', clientAuth });

/** A port that records the request and gives one answer (or throws it). */
function answering(answer: HttpResponse | Error): { send: SendHttp; seen: { url: string; req: HttpRequest }[] } {
  const seen: { url: string; req: HttpRequest }[] = [];
  const send: SendHttp = async (url, req) => {
    seen.push({ url, req });
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { send, seen };
}

const ok = (body: unknown): HttpResponse => ({ status: 200, text: JSON.stringify(body) });

test('client_secret_basic: id and secret form-urlencoded in a Basic header, not in the body', async () => {
  const { send, seen } = answering(ok({ access_token: 't', token_type: 'Bearer', expires_in: 60 }));
  await requestToken(creds('basic'), { send });
  const { req } = seen[0]!;
  const basic = Buffer.from(req.headers!.authorization!.replace(/^Basic /, ''), 'base64').toString('utf8');
  assert.equal(basic.split(':').map(decodeURIComponent), ['svc id', SECRET]);
  assert.equal(Object.fromEntries(new URLSearchParams(req.body)), { grant_type: 'client_credentials', scope: 'registry' });
  assert.is(req.method, 'POST');
});

test('client_secret_post: id and secret in the form body, no Authorization header', async () => {
  const { send, seen } = answering(ok({ access_token: 't', expires_in: 60 }));
  await requestToken(creds('post'), { send });
  const { req } = seen[0]!;
  assert.is(req.headers!.authorization, undefined);
  assert.equal(Object.fromEntries(new URLSearchParams(req.body)), { grant_type: 'client_credentials', client_id: 'svc id', client_secret: SECRET, scope: 'registry' });
});

test('no scope: none is asked for', async () => {
  const { send, seen } = answering(ok({ access_token: 't' }));
  await requestToken({ ...creds('basic'), scope: '  ' }, { send });
  assert.not.ok(new URLSearchParams(seen[0]!.req.body).has('scope'));
});

test('a private CA and the timeout reach the HTTP request', async () => {
  const { send, seen } = answering(ok({ access_token: 't' }));
  await requestToken({ ...creds('post'), ca: ['PEM'] }, { send, timeoutMs: 1234 });
  assert.equal(seen[0]!.req.ca, ['PEM']);
  assert.is(seen[0]!.req.timeoutMs, 1234);
});

// What each answer becomes. The body's error_description is never shown: it may echo the secret.
const failures: { name: string; answer: HttpResponse | Error; reason: TokenRequestError['reason']; retriable: boolean; detail: TokenRequestError['detail'] }[] = [
  { name: 'no answer', answer: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), reason: 'unreachable', retriable: true, detail: {} },
  { name: '503', answer: { status: 503, text: 'down' }, reason: 'unreachable', retriable: true, detail: { status: 503 } },
  { name: '429', answer: { status: 429, text: '' }, reason: 'unreachable', retriable: true, detail: { status: 429 } },
  { name: '401 invalid_client', answer: { status: 401, text: JSON.stringify({ error: 'invalid_client', error_description: `bad secret ${SECRET}` }) }, reason: 'refused', retriable: false, detail: { status: 401, oauthError: 'invalid_client' } },
  { name: '400 invalid_scope', answer: { status: 400, text: '{"error":"invalid_scope"}' }, reason: 'refused', retriable: false, detail: { status: 400, oauthError: 'invalid_scope' } },
  { name: '400 with an error that is not a plain code', answer: { status: 400, text: JSON.stringify({ error: `no ${SECRET}` }) }, reason: 'refused', retriable: false, detail: { status: 400 } },
  { name: '403 with an HTML body', answer: { status: 403, text: '<html>forbidden</html>' }, reason: 'refused', retriable: false, detail: { status: 403 } },
  { name: '302 (a redirect is not followed)', answer: { status: 302, text: '' }, reason: 'refused', retriable: false, detail: { status: 302 } },
  { name: '200 with a body that is not JSON', answer: { status: 200, text: '<html>login</html>' }, reason: 'bad_answer', retriable: false, detail: { status: 200, problem: 'the token endpoint answered with a body that is not JSON' } },
  { name: '200 with a MAC token', answer: ok({ access_token: 't', token_type: 'mac' }), reason: 'bad_answer', retriable: false, detail: { status: 200, problem: 'the token endpoint gave a token that is not of type Bearer' } },
];
for (const f of failures) {
  test(`a token request answered with ${f.name} fails as ${f.reason}`, async () => {
    const { send } = answering(f.answer);
    const err = await requestToken(creds('basic'), { send }).then(() => assert.unreachable('it succeeded') as never, (e: unknown) => e);
    assert.instance(err, TokenRequestError);
    const e = err as TokenRequestError;
    assert.is(e.reason, f.reason);
    assert.is(e.retriable, f.retriable);
    assert.equal(e.detail, f.detail);
    assert.is(e.tokenUrl, URL);
    assert.ok(e.message.includes(URL));
    assert.not.ok(e.message.includes(SECRET), 'the secret is in the message');
    if (f.answer instanceof Error) assert.is(e.cause, f.answer);
  });
}

// The token's expiry, from the moment the request went out (the clock says 1,000,000 ms).
const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
const expiries: { name: string; body: Record<string, unknown>; jwtExpiry: boolean; expiresAtMs: number | RegExp }[] = [
  { name: 'expires_in, registry', body: { access_token: 't', expires_in: 60 }, jwtExpiry: false, expiresAtMs: 1_060_000 },
  { name: 'expires_in, Kafka', body: { access_token: jwt({ exp: 5_000 }), expires_in: 60 }, jwtExpiry: true, expiresAtMs: 1_060_000 },
  { name: 'no expires_in, registry: the default lifetime', body: { access_token: jwt({ exp: 5_000 }) }, jwtExpiry: false, expiresAtMs: 1_000_000 + DEFAULT_LIFETIME_S * 1000 },
  { name: 'no expires_in, Kafka: the JWT exp', body: { access_token: jwt({ exp: 5_000 }) }, jwtExpiry: true, expiresAtMs: 5_000_000 },
  { name: 'no expires_in and no JWT, Kafka: the default lifetime', body: { access_token: 'opaque' }, jwtExpiry: true, expiresAtMs: 1_000_000 + DEFAULT_LIFETIME_S * 1000 },
  { name: 'a negative expires_in, Kafka: the JWT exp, even one past', body: { access_token: jwt({ exp: 940 }), expires_in: -60 }, jwtExpiry: true, expiresAtMs: 940_000 },
  { name: 'a negative expires_in, registry: refused', body: { access_token: 't', expires_in: -60 }, jwtExpiry: false, expiresAtMs: /positive number/ },
];
for (const c of expiries) {
  test(`token expiry: ${c.name}`, async () => {
    const { send } = answering(ok(c.body));
    const got = requestToken(creds('basic'), { send, jwtExpiry: c.jwtExpiry, now: () => 1_000_000 });
    if (c.expiresAtMs instanceof RegExp) await got.then(() => assert.unreachable('it succeeded'), (e: Error) => assert.match(e.message, c.expiresAtMs as RegExp));
    else assert.is((await got).expiresAtMs, c.expiresAtMs);
  });
}

// Each caller words a failure in its own way, naming its own settings.
test('the registry\'s token: a refusal names the settings it is given; an outage is retriable', async () => {
  const refused = new ClientCredentialsToken({ ...creds('post'), settingsHint: 'SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET' }, { send: answering({ status: 401, text: '{"error":"invalid_client"}' }).send });
  const err = await refused.token().then(() => undefined, (e: unknown) => e as PipelineError);
  assert.is(err?.code, 'oauth_refused');
  assert.is(err?.message, `token endpoint ${URL} refused the client credentials (401 invalid_client): check SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET`);
  const down = new ClientCredentialsToken({ ...creds('post'), settingsHint: 'x' }, { send: answering(new Error('ECONNRESET')).send });
  const outage = await down.token().then(() => undefined, (e: unknown) => e as PipelineError);
  assert.is(outage?.code, 'oauth_unreachable');
  assert.is(outage?.retriable, true);
  assert.is(outage?.message, `token endpoint ${URL} did not answer`);
});

test('the registry\'s token is fetched once, reused, and fetched again after invalidate', async () => {
  let n = 0;
  const send: SendHttp = async () => ok({ access_token: `t${++n}`, expires_in: 3600 });
  const source = new ClientCredentialsToken({ ...creds('post'), settingsHint: 'x' }, { send });
  assert.equal(await Promise.all([source.token(), source.token()]), ['t1', 't1']);
  source.invalidate('t1');
  assert.is(await source.token(), 't2');
  assert.is(source.fetched, 2);
});

test('Kafka\'s token source: a refusal names KAFKA_OAUTH_*, the client is sent with Basic, the expiry kept', async () => {
  const refused = oidcTokenSource({ tokenUrl: URL, clientId: 'id', clientSecret: SECRET, scope: '' }, answering({ status: 401, text: '{"error":"invalid_client"}' }).send);
  const err = await refused().then(() => undefined, (e: unknown) => e as PipelineError);
  assert.is(err?.code, 'oauth_client_refused');
  assert.is(err?.message, `the token endpoint KAFKA_OAUTH_TOKEN_URL (${URL}) refused the client: HTTP 401 invalid_client; check KAFKA_OAUTH_CLIENT_ID, KAFKA_OAUTH_CLIENT_SECRET and KAFKA_OAUTH_SCOPE`);
  const { send, seen } = answering(ok({ access_token: jwt({ exp: 4_000_000_000 }) }));
  const token = await oidcTokenSource({ tokenUrl: URL, clientId: 'id', clientSecret: SECRET, scope: '' }, send)();
  assert.match(seen[0]!.req.headers!.authorization!, /^Basic /);
  assert.is(token.expiresAtMs, 4_000_000_000_000);
  const down = await oidcTokenSource({ tokenUrl: URL, clientId: 'id', clientSecret: SECRET, scope: '' }, answering({ status: 502, text: '' }).send)().then(() => undefined, (e: unknown) => e as PipelineError);
  assert.is(down?.code, 'oauth_token_unavailable');
  assert.is(down?.retriable, true);
});

test.run();
