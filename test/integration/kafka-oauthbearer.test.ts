// SASL/OAUTHBEARER through loginpipe's own settings, against a throwaway broker whose SASL_SSL
// listener checks tokens with Kafka's built-in unsecured validator, and a real client-credentials
// token endpoint (stack/oidc-issuer.ts) that issues the unsigned JWTs that validator takes. The
// shared broker on 9092 is not touched. Ports 19500-19504 (this range).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { loadSettings } from '../../lib/runtime/config.js';
import { kafkaSettings } from '../../lib/runtime/settings.js';
import { createKafka, ensureTopics, producerOptions, withAdmin } from '../../lib/kafka/client.js';
import { createLogger } from '../../lib/observability/log.js';
import { readTopicUntil } from '../../lib/kafka/topic-reader.js';
import { startSecureKafka, type SecureKafka } from '../../stack/secure-kafka.js';
import { startOidcIssuer, type OidcIssuer } from '../../stack/oidc-issuer.js';
import { newWorld, sqs } from '../../stack/world.js';
import { spawnLoginpipe, startLoginpipe } from '../../stack/loginpipe-process.js';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { connectError } from './refused-connection.js';

const CLIENT = { id: 'loginpipe-oauth', secret: `s-${randomUUID()}` };
const dir = mkdtempSync(join(tmpdir(), 'loginpipe-oauthbearer-'));
const log = createLogger({ level: 'silent' });
let broker: SecureKafka;
let issuer: OidcIssuer;

test.before(async () => {
  issuer = await startOidcIssuer({ port: 19504, clients: { [CLIENT.id]: CLIENT.secret }, lifetimeSeconds: 3600 });
  broker = await startSecureKafka({ dir, ports: { saslSsl: 19500, controller: 19501, mtls: 19502 }, users: [], oauthbearer: true });
});

test.after(async () => {
  await broker?.stop();
  await issuer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function oauthEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: broker.saslSslAddress,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: broker.caFile,
    KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
    KAFKA_OAUTH_TOKEN_URL: issuer.tokenUrl,
    KAFKA_OAUTH_CLIENT_ID: CLIENT.id,
    KAFKA_OAUTH_CLIENT_SECRET: CLIENT.secret,
    KAFKA_OAUTH_SCOPE: 'kafka',
    ...extra,
  };
}

function clientFrom(env: Record<string, string>, retries = 8): Kafka {
  return createKafka(loadSettings(kafkaSettings, { KAFKA_CLIENT_ID: 'oauth-test', ...env }), log, 'test', { retry: { retries } });
}

test('OAUTHBEARER with a client-credentials token: create a topic, write in a transaction, read back', async () => {
  const kafka = clientFrom(oauthEnv());
  const topic = `oauth.${randomUUID().slice(0, 8)}`;
  await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions: 2, replicationFactor: 1 }]));
  const producer = kafka.producer(producerOptions({ transactionalId: `tx-${topic}` }));
  await producer.connect();
  try {
    const tx = await producer.transaction();
    await tx.send({ topic, messages: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }] });
    await tx.commit();
  } finally {
    await producer.disconnect();
  }
  const seen = await readTopicUntil(kafka, topic, (recs) => recs.length >= 2, { timeoutMs: 30_000 });
  assert.equal(seen.map((r) => r.value?.toString('utf8')).sort(), ['one', 'two']);
  // Several connections (admin, producer, coordinator, consumer) shared one cached token... per client
  // instance; the issuer saw requests, and none per connection beyond the first of each client.
  assert.ok((issuer.issued.get(CLIENT.id) ?? 0) >= 1);
});

test('the client secret from KAFKA_OAUTH_CLIENT_SECRET_FILE', async () => {
  const file = join(dir, 'client-secret');
  writeFileSync(file, `${CLIENT.secret}\n`, { mode: 0o600 });
  const env = oauthEnv({ KAFKA_OAUTH_CLIENT_SECRET_FILE: file });
  delete env.KAFKA_OAUTH_CLIENT_SECRET;
  await withAdmin(clientFrom(env), (admin) => admin.listTopics());
});

test('a wrong client secret: the token endpoint refuses, and the error names the settings without the secret', async () => {
  const wrong = `wrong-${randomUUID()}`;
  const err = await connectError(clientFrom(oauthEnv({ KAFKA_OAUTH_CLIENT_SECRET: wrong }), 0));
  const text = `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`;
  assert.match(text, /KAFKA_OAUTH_TOKEN_URL .* refused the client: HTTP 401 invalid_client; check KAFKA_OAUTH_CLIENT_ID, KAFKA_OAUTH_CLIENT_SECRET/);
  assert.not.ok(text.includes(wrong), 'the secret is in the error');
});

test('a token the broker rejects: the error says the token was rejected and names the setting, not "invalid SASL state"', async () => {
  // A real endpoint that issues something other than an unsigned JWT: the validator refuses it.
  const other = await startOidcIssuer({ port: 0, clients: { [CLIENT.id]: CLIENT.secret }, lifetimeSeconds: -60 });
  try {
    const err = await connectError(clientFrom(oauthEnv({ KAFKA_OAUTH_TOKEN_URL: other.tokenUrl }), 0));
    const text = `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`;
    assert.match(text, /SASL OAUTHBEARER: broker 127\.0\.0\.1:19500 rejected the token \(status invalid_token\) from KAFKA_OAUTH_TOKEN_URL/);
    assert.not.match(text, /current SASL state/);
  } finally {
    await other.stop();
  }
});

test('the connector, configured by environment only, moves an SQS message into the raw topic over OAUTHBEARER, and exits 1 with a wrong secret', async () => {
  const world = await newWorld('oauth-connector', { ...oauthEnv(), TOPIC_REPLICATION_FACTOR: '1' });
  try {
    const connector = await startLoginpipe('connector', world.env);
    const body = JSON.stringify({ user_id: 'u-oauth', ip: '192.0.2.7', device_id: 'd-oauth' });
    await sqs.send(new SendMessageCommand({ QueueUrl: world.queueUrl, MessageBody: body }));
    const seen = await readTopicUntil(clientFrom(oauthEnv()), world.env.RAW_TOPIC!, (recs) => recs.length >= 1, { timeoutMs: 30_000 });
    assert.equal(seen.map((r) => r.value?.toString('utf8')), [body]);
    assert.is(await connector.stop(), 0);

    const wrong = `wrong-${randomUUID()}`;
    const refused = spawnLoginpipe('connector', { ...world.env, KAFKA_OAUTH_CLIENT_SECRET: wrong });
    assert.is(await refused.exited, 1);
    const output = [...refused.lines, ...refused.stderr].join('\n');
    assert.match(output, /refused the client: HTTP 401 invalid_client/);
    assert.not.ok(output.includes(wrong), 'the secret is in the output');
  } finally {
    await world.cleanup();
  }
});

test.run();
