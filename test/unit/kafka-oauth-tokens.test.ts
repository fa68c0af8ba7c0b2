// Where OAUTHBEARER tokens come from and when they are renewed: the cache (pure, with a clock of
// our own) and the MSK IAM signer wired to a credentials provider (AWS's real signer; signing is
// local arithmetic, no AWS endpoint is called).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cachedTokens, REFRESH_AT_LIFETIME_FRACTION, type OAuthToken } from '../../lib/kafka/oauth.js';
import { mskIamTokenSource } from '../../lib/kafka/msk-iam.js';

function counting(lifetimeMs: number, clock: { t: number }) {
  let n = 0;
  const source = async (): Promise<OAuthToken> => ({ value: `token-${++n}`, expiresAtMs: clock.t + lifetimeMs });
  return { source, fetched: () => n };
}

// Token lifetime 100 s, renewed at 80 %: the second fetch comes at 80 s after the first.
const cases: { name: string; askAtMs: number[]; fetches: number; last: string }[] = [
  { name: 'one ask fetches once', askAtMs: [0], fetches: 1, last: 'token-1' },
  { name: 'asks within the renewal window reuse the token', askAtMs: [0, 10_000, 79_999], fetches: 1, last: 'token-1' },
  { name: 'an ask at the renewal point fetches the next token', askAtMs: [0, 80_000], fetches: 2, last: 'token-2' },
  { name: 'an ask after expiry fetches the next token', askAtMs: [0, 250_000], fetches: 2, last: 'token-2' },
  { name: 'renewal counts from the second token too', askAtMs: [0, 80_000, 150_000, 160_000], fetches: 3, last: 'token-3' },
];
for (const c of cases) {
  test(`cachedTokens: ${c.name}`, async () => {
    const clock = { t: 0 };
    const { source, fetched } = counting(100_000, clock);
    const get = cachedTokens(source, () => clock.t);
    let last = '';
    for (const at of c.askAtMs) {
      clock.t = at;
      last = (await get()).value;
    }
    assert.is(fetched(), c.fetches);
    assert.is(last, c.last);
  });
}

test('cachedTokens: concurrent asks share one fetch', async () => {
  const clock = { t: 0 };
  const { source, fetched } = counting(100_000, clock);
  const get = cachedTokens(source, () => clock.t);
  const all = await Promise.all([get(), get(), get()]);
  assert.is(fetched(), 1);
  assert.equal(all.map((t) => t.value), ['token-1', 'token-1', 'token-1']);
});

test('cachedTokens: a failed fetch is not cached; the next ask tries again', async () => {
  let calls = 0;
  const get = cachedTokens(async () => {
    calls++;
    if (calls === 1) throw new Error('token endpoint down');
    return { value: 'ok', expiresAtMs: Date.now() + 60_000 };
  });
  await get().then(() => assert.unreachable('first fetch fails'), (err: Error) => assert.match(err.message, 'down'));
  assert.is((await get()).value, 'ok');
  assert.is(calls, 2);
});

test('the renewal fraction renews well before expiry', () => {
  assert.ok(REFRESH_AT_LIFETIME_FRACTION > 0.5 && REFRESH_AT_LIFETIME_FRACTION < 1);
});

const staticCredentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });

for (const region of ['eu-west-1', 'us-east-2']) {
  test(`mskIamTokenSource signs a kafka-cluster:Connect token for ${region} with the given credentials`, async () => {
    const before = Date.now();
    const token = await mskIamTokenSource(region, staticCredentials)();
    const url = new URL(Buffer.from(token.value, 'base64url').toString('utf8'));
    assert.is(url.hostname, `kafka.${region}.amazonaws.com`);
    assert.is(url.searchParams.get('Action'), 'kafka-cluster:Connect');
    assert.match(url.searchParams.get('X-Amz-Credential') ?? '', new RegExp(`^AKIDEXAMPLE/\\d{8}/${region}/kafka-cluster/aws4_request$`));
    // The signer's tokens live 15 minutes; the cache renews them at 80 % of that.
    const lifetime = token.expiresAtMs - before;
    assert.ok(lifetime > 10 * 60_000 && lifetime <= 16 * 60_000, `lifetime ${lifetime} ms`);
  });
}

test('mskIamTokenSource without credentials: a retriable error naming KAFKA_AWS_REGION, no secret in it', async () => {
  const source = mskIamTokenSource('eu-west-1', async () => { throw new Error('Could not load credentials from any providers'); });
  const err = await source().then(() => undefined, (e: unknown) => e as Error & { retriable?: boolean; code?: string });
  assert.ok(err, 'it fails');
  assert.match(err!.message, 'KAFKA_AWS_REGION');
  assert.is(err!.code, 'msk_iam_token_unavailable');
  assert.is(err!.retriable, true);
});

test.run();
