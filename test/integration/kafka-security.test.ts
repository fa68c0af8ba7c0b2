// loginpipe's own Kafka client, configured only through its settings, against a second broker
// with real-cluster listeners (SASL_SSL with SCRAM-SHA-256/512 and PLAIN; SSL with client
// certificates required) and a certificate made for this run. The shared broker on 9092 is not
// touched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { loadSettings } from '../../lib/runtime/config.js';
import { kafkaSettings } from '../../lib/runtime/settings.js';
import { consumerOptions, createKafka, ensureTopics, producerOptions, withAdmin } from '../../lib/kafka/client.js';
import { createLogger } from '../../lib/observability/log.js';
import { errorMessage } from '../../lib/runtime/errors.js';
import { startSecureKafka, type SecureKafka } from '../../stack/secure-kafka.js';
import { newWorld, sqs } from '../../stack/world.js';
import { spawnLoginpipe, startLoginpipe } from '../../stack/loginpipe-process.js';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { connectError } from './refused-connection.js';
import { recordArgv, type ArgvRecorder } from './argv-recorder.js';

const USER = { name: 'loginpipe', password: `pw-${randomUUID()}` };
const dir = mkdtempSync(join(tmpdir(), 'loginpipe-secure-kafka-'));
const log = createLogger({ level: 'silent' });
let broker: SecureKafka;
let argv: ArgvRecorder;

test.before(async () => {
  argv = recordArgv(join(dir, 'argv'));
  try {
    // Not 19092-19095: docker-compose.yml publishes Redpanda on 19092.
    broker = await startSecureKafka({ dir: join(dir, 'broker'), ports: { saslSsl: 29092, controller: 29093, mtls: 29094 }, users: [USER] });
  } finally {
    argv.restore();
  }
});

test.after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A client made the way every service makes one: settings from the environment, then createKafka. */
function clientFrom(env: Record<string, string>, retry?: { retries: number }): Kafka {
  return createKafka(loadSettings(kafkaSettings, { KAFKA_CLIENT_ID: 'kafka-security-test', ...env }), log, 'test', { retry });
}

/** For connections that must fail: a refused handshake is refused again, so no retries. */
const refusedClientFrom = (env: Record<string, string>) => clientFrom(env, { retries: 0 });

function saslEnv(mechanism: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: broker.saslSslAddress,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: broker.caFile,
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: USER.name,
    KAFKA_SASL_PASSWORD: USER.password,
    ...extra,
  };
}

/** The first `count` values of a topic, read in a consumer group of its own. */
async function readValues(kafka: Kafka, topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer(consumerOptions(`group-${topic}-${randomUUID().slice(0, 8)}`, 10_000));
  const seen: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value?.toString('utf8') ?? '');
          if (seen.length >= count) resolve();
        },
      });
    });
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`read ${seen.length} of ${count} records from ${topic}`)), 60_000).unref());
    await Promise.race([done, deadline]);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** Creates a topic, writes values with the services' idempotent producer, reads them back in a group. */
async function roundTrip(kafka: Kafka, label: string, transactional = false): Promise<string[]> {
  const topic = `secure.${label}.${randomUUID().slice(0, 8)}`;
  await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions: 2, replicationFactor: 1 }]));
  const values = ['one', 'two', 'three'].map((v) => `${label}-${v}`);
  const producer = kafka.producer(producerOptions(transactional ? { transactionalId: `tx-${topic}` } : {}));
  await producer.connect();
  try {
    if (transactional) {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: values.map((value) => ({ key: value, value })) });
      await tx.commit();
    } else {
      await producer.send({ topic, messages: values.map((value) => ({ key: value, value })) });
    }
  } finally {
    await producer.disconnect();
  }
  const seen = await readValues(kafka, topic, values.length);
  assert.equal([...seen].sort(), [...values].sort());
  return seen;
}

for (const mechanism of ['scram-sha-256', 'SCRAM-SHA-512', 'plain']) {
  test(`SASL_SSL with ${mechanism}: produce and consume through createKafka`, async () => {
    await roundTrip(clientFrom(saslEnv(mechanism)), mechanism.toLowerCase());
  });
}

test('SASL_SSL with the password read from KAFKA_SASL_PASSWORD_FILE, and a transaction (as the processor writes)', async () => {
  const file = join(dir, 'sasl-password');
  writeFileSync(file, `${USER.password}\n`, { mode: 0o600 });
  const env = saslEnv('scram-sha-512', { KAFKA_SASL_PASSWORD_FILE: file });
  delete env.KAFKA_SASL_PASSWORD;
  await roundTrip(clientFrom(env), 'password-file', true);
});

for (const mechanism of ['scram-sha-256', 'scram-sha-512', 'plain']) {
  test(`a wrong password with ${mechanism} fails at connect with an authentication error that hides the password`, async () => {
    const wrong = `wrong-${randomUUID()}`;
    const err = await connectError(refusedClientFrom(saslEnv(mechanism, { KAFKA_SASL_PASSWORD: wrong })));
    assert.is(err.name, 'KafkaJSSASLAuthenticationError', `${err.name}: ${err.message}`);
    assert.match(err.message, /authentication failed|invalid username or password/i);
    assert.not.ok(err.message.includes(wrong), 'the password is in the error');
  });
}

test('an unknown user fails at connect with an authentication error', async () => {
  const err = await connectError(refusedClientFrom(saslEnv('scram-sha-256', { KAFKA_SASL_USERNAME: 'nobody' })));
  assert.is(err.name, 'KafkaJSSASLAuthenticationError', `${err.name}: ${err.message}`);
});

test('a CA that did not sign the broker\'s certificate fails the TLS handshake', async () => {
  // The client certificate is self-signed too, by another key: a valid CA file, the wrong one.
  const err = await connectError(refusedClientFrom(saslEnv('scram-sha-256', { KAFKA_SSL_CA_FILE: broker.clientCertFile })));
  assert.match(`${errorMessage(err)} ${String((err as { cause?: unknown }).cause ?? '')}`, /self[- ]signed certificate|unable to verify/i);
});

test('without KAFKA_SSL the SASL_SSL listener is not reachable (no silent plaintext)', async () => {
  const env = saslEnv('scram-sha-256');
  delete env.KAFKA_SSL;
  delete env.KAFKA_SSL_CA_FILE;
  const err = await connectError(refusedClientFrom(env));
  assert.match(`${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`, /closed connection|connection error/i);
});

const serverProperties = () => readFileSync(join(dir, 'broker', 'server.properties'), 'utf8');
const property = (name: string) => new RegExp(`^${name.replace(/\./g, '\\.')}=(.*)$`, 'm').exec(serverProperties())?.[1] ?? '';

test('no listener of the broker takes a plaintext client: the controller and inter-broker ones are SASL_SSL too', async () => {
  const ports = [...property('listeners').matchAll(/:(\d+)(,|$)/g)].map((m) => m[1]!);
  assert.equal(ports.sort(), ['29092', '29093', '29094']);
  assert.not.match(property('listener.security.protocol.map'), /PLAINTEXT/);
  for (const port of ports) {
    const err = await connectError(refusedClientFrom({ KAFKA_BROKERS: `127.0.0.1:${port}` }));
    assert.match(`${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`, /closed connection|connection error|timeout/i, `port ${port}`);
  }
});

test('no password reaches a command line (keytool, the storage format, the broker); the files that hold them are 0600', () => {
  const storePass = readFileSync(join(dir, 'broker', 'store.pass'), 'utf8').trim();
  const brokerPassword = /username="broker" password="([^"]+)"/.exec(property('listener.name.controller.plain.sasl.jaas.config'))?.[1] ?? '';
  assert.ok(storePass.length >= 16 && brokerPassword.length >= 16, 'the secrets were found');
  const recorded = argv.recorded();
  assert.match(recorded, /kafka\.Kafka/, 'the broker was started through the recorder');
  assert.match(recorded, /-storepass:file/, 'keytool was started through the recorder');
  for (const secret of [USER.password, storePass, brokerPassword]) assert.not.ok(recorded.includes(secret), 'a password was passed as an argument');
  for (const file of ['server.properties', 'store.pass']) assert.is(statSync(join(dir, 'broker', file)).mode & 0o777, 0o600, file);
  assert.not.ok(existsSync(join(dir, 'broker', 'format.args')), 'the argument file with the SCRAM passwords is gone');
});

test('SSL with a client certificate (KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE)', async () => {
  await roundTrip(clientFrom({
    KAFKA_BROKERS: broker.mtlsAddress,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: broker.caFile,
    KAFKA_SSL_CERT_FILE: broker.clientCertFile,
    KAFKA_SSL_KEY_FILE: broker.clientKeyFile,
  }), 'mtls');
});

test('SSL without the client certificate the listener requires is refused', async () => {
  const err = await connectError(refusedClientFrom({ KAFKA_BROKERS: broker.mtlsAddress, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: broker.caFile }));
  // The broker's TLS alert reaches the client as "bad certificate" (alert 42).
  assert.match(`${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`, /bad certificate|certificate required|closed connection/i);
});

test('the connector, configured by environment only, moves an SQS message into the raw topic over SASL_SSL, and exits 1 with a wrong password', async () => {
  const file = join(dir, 'connector-password');
  writeFileSync(file, `${USER.password}\n`, { mode: 0o600 });
  const env = saslEnv('scram-sha-512', { KAFKA_SASL_PASSWORD_FILE: file });
  delete env.KAFKA_SASL_PASSWORD;
  const world = await newWorld('secure-connector', { ...env, TOPIC_REPLICATION_FACTOR: '1' });
  try {
    const connector = await startLoginpipe('connector', world.env);
    const body = JSON.stringify({ user_id: 'u-secure', ip: '192.0.2.1', device_id: 'd-secure' });
    await sqs.send(new SendMessageCommand({ QueueUrl: world.queueUrl, MessageBody: body }));
    assert.equal(await readValues(clientFrom(saslEnv('scram-sha-256')), world.env.RAW_TOPIC!, 1), [body]);
    assert.is(await connector.stop(), 0);

    const wrong = `wrong-${randomUUID()}`;
    const refused = spawnLoginpipe('connector', { ...world.env, KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: wrong });
    assert.is(await refused.exited, 1);
    const output = [...refused.lines, ...refused.stderr].join('\n');
    assert.match(output, /SASL SCRAM SHA512 authentication failed/);
    assert.not.ok(output.includes(wrong), 'the password is in the output');
  } finally {
    await world.cleanup();
  }
});

test.run();
