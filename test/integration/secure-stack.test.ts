// The pipeline the way production runs it: `loginpipe stack up --secure` (a broker that enforces
// ACLs with KRaft's StandardAuthorizer, one SCRAM user per service granted exactly `loginpipe
// acls`, the registry behind TLS and Basic auth, the sink as an insert-only Postgres role), each
// service started from its own .stack/secure/<service>.env. Then each service's principal is
// refused what is not its own, a processor missing its TransactionalId ACL stops with an error
// that names it, and `loginpipe acls --apply` puts the ACLs back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import kafkajs, { type AclEntry, type Kafka } from 'kafkajs';
import { secureUp } from '../../stack/stack.js';
import { readEnvFile, SECURE_DIR, SECURE_NAMES, SECURE_PORTS, type SecureStack } from '../../stack/secure-stack.js';
import { connectError } from './refused-connection.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aclsNotYet, applyAcls, serviceAcls } from '../../lib/kafka/acls.js';
import { loadSettings } from '../../lib/runtime/config.js';
import { kafkaSettings, registrySettings } from '../../lib/runtime/settings.js';
import { createKafka, withAdmin } from '../../lib/kafka/client.js';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { createLogger } from '../../lib/observability/log.js';
import { causeChain, errorMessage } from '../../lib/runtime/errors.js';
import { registryOptionsFrom, SchemaRegistry } from '../../lib/registry/client.js';
import { createUserLoginDecoder } from '../../lib/records/user-login.js';
import { HEADER_MESSAGE_ID } from '../../lib/records/headers.js';
import { createSqsClient, sendBodies } from '../../lib/sqs/client.js';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { db, startLoginpipe, spawnLoginpipe, waitUntil, type LoginpipeProcess } from './harness.js';
import { runCli } from './cli-run.js';

const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

let stack: SecureStack;
const env: Record<'connector' | 'processor' | 'sink' | 'admin', Record<string, string>> = { connector: {}, processor: {}, sink: {}, admin: {} };
const silent = createLogger({ level: 'silent' });
/** A Kafka client with one of the stack's principals, made from its settings file as the services make theirs. */
const clientAs = (who: keyof typeof env, retries = 2): Kafka => createKafka(loadSettings(kafkaSettings, env[who]), silent, `secure-test-${who}`, { retry: { retries } });

/** The event id of every committed record in the clean topic, decoded through the registry behind auth. */
async function cleanEventIds(admin: Kafka): Promise<string[]> {
  const decode = createUserLoginDecoder(new SchemaRegistry(registryOptionsFrom(loadSettings(registrySettings, env.processor))));
  const ids: string[] = [];
  for (const r of await readWholeTopic(admin, SECURE_NAMES.cleanTopic)) ids.push((await decode(r.value!)).event_id);
  return ids;
}

test.before(async () => {
  try {
    ({ secure: stack } = await secureUp());
    for (const who of Object.keys(env) as (keyof typeof env)[]) env[who] = await readEnvFile(stack.envFiles[who]);
  } catch (err) {
    // uvu counts the suite's tests as failed but does not print a hook's error: say it here.
    console.error('the secure stack did not come up:', err);
    throw err;
  }
});

test('the whole pipeline runs on the secure stack, each service as its own principal, each event once', async () => {
  const services: LoginpipeProcess[] = [];
  try {
    for (const kind of ['sink', 'processor', 'connector'] as const) services.push(await startLoginpipe(kind, { ...env[kind], LOG_LEVEL: 'info' }));
    const samples = createSampleLogins(Date.now() % 100_000).batch(300, 0.1);
    const sqs = createSqsClient({ endpoint: env.connector.SQS_ENDPOINT!, region: 'us-east-1' });
    const ids = await sendBodies(sqs, stack.queueUrl, samples.map((s) => s.body)).finally(() => sqs.destroy());
    const valid = ids.filter((_, i) => samples[i]!.expectedCode === undefined);
    const malformed = new Set(ids.filter((_, i) => samples[i]!.expectedCode !== undefined));
    assert.ok(valid.length > 200 && malformed.size > 10, 'the sample mixes valid and malformed events');

    const table = `"${stack.schema}".user_logins`;
    const landed = async () => (await db.one(`SELECT count(*)::int AS n FROM ${table} WHERE event_id = ANY($1)`, [valid])).n as number;
    await waitUntil(async () => (await landed()) === valid.length, { timeoutMs: 90_000, what: `${valid.length} rows`, state: landed });

    const codes = await Promise.all(services.splice(0).reverse().map((s) => s.stop()));
    assert.equal(codes, [0, 0, 0], 'every service exits 0 after SIGTERM');

    // Counted in every place the promise is made, read as the admin with read_committed.
    const admin = clientAs('admin');
    const validSet = new Set(valid);
    const ours = (id: string | undefined) => id !== undefined && (malformed.has(id) || validSet.has(id));
    const dead = (await readWholeTopic(admin, SECURE_NAMES.dlqTopic)).filter((r) => ours(r.headers[HEADER_MESSAGE_ID]));
    assert.equal(dead.map((r) => r.headers[HEADER_MESSAGE_ID]).sort(), [...malformed].sort(), 'each malformed event in the dead-letter topic once');
    const cleanIds = (await cleanEventIds(admin)).filter((id) => validSet.has(id));
    assert.equal(cleanIds.sort(), [...valid].sort(), 'each valid event in the clean topic once');
    assert.is(await landed(), valid.length, 'each valid event in user_logins once');
  } finally {
    await Promise.all(services.map((s) => s.stop()));
  }
});

/** The broker's error code in what kafkajs threw, however deep kafkajs wrapped it, and its message. */
function brokerError(err: unknown): { type: string; message: string } {
  const type = [...causeChain(err)].map((e) => e.type).find((t) => typeof t === 'string');
  return { type: String(type ?? ''), message: errorMessage(err) };
}

/** What kafkajs reports when `fn` is refused; fails the test if it is not. */
async function refusal(fn: () => Promise<unknown>): Promise<{ type: string; message: string }> {
  try {
    await fn();
  } catch (err) {
    return brokerError(err);
  }
  throw new Error('expected the broker to refuse, and it did not');
}

test('the broker trusts no unauthenticated principal: every listener is TLS, and ANONYMOUS is no super user', async () => {
  const props = await readFile(join(SECURE_DIR, 'kafka', 'server.properties'), 'utf8');
  const property = (name: string) => new RegExp(`^${name.replace(/\./g, '\\.')}=(.*)$`, 'm').exec(props)?.[1] ?? '';
  assert.not.match(property('super.users'), /ANONYMOUS/);
  assert.not.match(property('listener.security.protocol.map'), /PLAINTEXT/);
  const ports = [...property('listeners').matchAll(/:(\d+)(,|$)/g)].map((m) => Number(m[1]));
  assert.equal(ports.sort(), [SECURE_PORTS.saslSsl, SECURE_PORTS.controller, SECURE_PORTS.mtls].sort());
  for (const port of ports) {
    const plain = createKafka(loadSettings(kafkaSettings, { KAFKA_BROKERS: `127.0.0.1:${port}` }), silent, 'secure-test-plaintext', { retry: { retries: 0 } });
    const err = await connectError(plain);
    assert.match(`${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`, /closed connection|connection error|timeout/i, `port ${port}`);
  }
});

test('the connector is refused reading the clean topic', async () => {
  // A group it may use, so that only the topic is at stake.
  const group = `probe-connector-${randomUUID().slice(0, 8)}`;
  const groupAcl: AclEntry = {
    resourceType: AclResourceTypes.GROUP, resourceName: group, resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: SECURE_NAMES.principals.connector, host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW,
  };
  await withAdmin(clientAs('admin'), async (a) => {
    await a.createAcls({ acl: [groupAcl] });
    assert.equal(await aclsNotYet(a, [groupAcl], 'listed'), [], 'the broker lists the group ACL');
  });
  const consumer = clientAs('connector').consumer({ groupId: group });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [SECURE_NAMES.cleanTopic], fromBeginning: true });
    const crashed = new Promise<{ type: string; message: string }>((resolve) => {
      consumer.on(consumer.events.CRASH, (e) => resolve(brokerError(e.payload.error)));
    });
    await consumer.run({ eachMessage: async () => { throw new Error('the connector read a clean record'); } });
    const { type, message } = await crashed;
    assert.is(type, 'TOPIC_AUTHORIZATION_FAILED', message);
  } finally {
    await consumer.disconnect();
    await withAdmin(clientAs('admin'), (a) => a.deleteAcls({ filters: [groupAcl] }));
  }
});

test('the sink is refused writing the raw topic', async () => {
  const producer = clientAs('sink').producer();
  await producer.connect();
  try {
    const { type, message } = await refusal(() => producer.send({ topic: SECURE_NAMES.rawTopic, messages: [{ value: '{"not":"allowed"}' }] }));
    assert.is(type, 'TOPIC_AUTHORIZATION_FAILED', message);
  } finally {
    await producer.disconnect();
  }
});

test("the processor is refused committing offsets in the sink's group", async () => {
  // A transactional id under its own prefix and a topic it writes: only the group is at stake.
  const producer = clientAs('processor').producer({ transactionalId: `${SECURE_NAMES.transactionalIdPrefix}probe-${randomUUID().slice(0, 8)}`, maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  try {
    const txn = await producer.transaction();
    const { type, message } = await refusal(() => txn.sendOffsets({
      consumerGroupId: SECURE_NAMES.sinkGroup,
      topics: [{ topic: SECURE_NAMES.cleanTopic, partitions: [{ partition: 0, offset: '0' }] }],
    }));
    assert.is(type, 'GROUP_AUTHORIZATION_FAILED', message);
    await txn.abort().catch(() => {});
  } finally {
    await producer.disconnect();
  }
});

/** Deletes the processor's TransactionalId ACLs in kafkajs's two disguises and sees it stop each time, naming them. */
async function refusedWithout(admin: Kafka, prefixAcl: (operation: number) => AclEntry): Promise<void> {
  // Without Write, InitProducerId is refused; without Describe too, the coordinator lookup is,
  // and kafkajs reports KafkaJSGroupCoordinatorNotFound.
  for (const missing of [['Write'], ['Write', 'Describe']]) {
    const ops = missing.map((m) => (m === 'Write' ? AclOperationTypes.WRITE : AclOperationTypes.DESCRIBE));
    await withAdmin(admin, async (a) => {
      await a.deleteAcls({ filters: ops.map(prefixAcl) });
      assert.equal(await aclsNotYet(a, ops.map(prefixAcl), 'gone'), [], 'the broker no longer lists them');
    });
    const refused = spawnLoginpipe('processor', { ...env.processor, LOG_LEVEL: 'info' });
    const code = await Promise.race([refused.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 120_000).unref())]);
    if (code === 'still running') await refused.stop();
    assert.is(code, 1, `without ${missing.join(' and ')}: the processor stops by itself, with exit 1`);
    const fatal = refused.lines.find((l) => l.includes('"level":60')) ?? '';
    assert.match(fatal, 'grant it Write and Describe on the TransactionalId prefix loginpipe-processor:logins.raw: ', fatal);
  }
}

test('a processor without its TransactionalId ACL stops naming it; `loginpipe acls --apply` puts it back', async () => {
  const prefixAcl = (operation: number): AclEntry => ({
    resourceType: AclResourceTypes.TRANSACTIONAL_ID, resourceName: SECURE_NAMES.transactionalIdPrefix, resourcePatternType: ResourcePatternTypes.PREFIXED,
    principal: SECURE_NAMES.principals.processor, host: '*', operation, permissionType: AclPermissionTypes.ALLOW,
  });
  const admin = clientAs('admin');
  // One record to process, written as the connector writes.
  const id = `acl-probe-${randomUUID()}`;
  const body = createSampleLogins(7).batch(1, 0)[0]!.body;
  const producer = clientAs('connector').producer();
  await producer.connect();
  await producer.send({ topic: SECURE_NAMES.rawTopic, messages: [{ value: body, headers: { [HEADER_MESSAGE_ID]: id } }] });
  await producer.disconnect();

  try {
    await refusedWithout(admin, prefixAcl);
  } catch (err) {
    // Whatever failed, the tests after this one need the ACLs back.
    await withAdmin(admin, (a) => applyAcls(a, serviceAcls(SECURE_NAMES)));
    throw err;
  }

  const applied = await runCli(['acls', '--apply'], env.admin);
  assert.is(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /ACL bindings in place for User:loginpipe-connector, User:loginpipe-processor, User:loginpipe-sink/);
  const asSink = await runCli(['acls', '--apply'], env.sink);
  assert.is.not(asSink.code, 0);
  assert.match(asSink.stderr, 'KAFKA_SASL_USERNAME=loginpipe-sink may not create ACLs');

  // With the ACLs back, a processor takes the record through.
  const processor = await startLoginpipe('processor', { ...env.processor, LOG_LEVEL: 'info' });
  try {
    await waitUntil(async () => (await cleanEventIds(admin)).includes(id), { timeoutMs: 60_000, what: `event ${id} in the clean topic` });
  } finally {
    assert.is(await processor.stop(), 0);
  }
});

test('`loginpipe demo --secure` runs the demo through the secure stack, each service as its own principal, and prints no error', async () => {
  // LOG_LEVEL info: the services' lines from info up reach the output, so nothing hides.
  const run = await runCli(['demo', '--secure'], { LOG_LEVEL: 'info' }, 240_000);
  const output = `${run.stdout}\n${run.stderr}`;
  assert.is(run.code, 0, output);
  assert.match(run.stdout, /all landed in [\d.]+ s; the queue is empty/);
  for (const line of ['sink as loginpipe-sink, Postgres role loginpipe_secure_sink', 'processor as loginpipe-processor', 'connector as loginpipe-connector']) {
    assert.ok(run.stdout.includes(line), `the demo says "${line}"`);
  }
  const started = run.lines.filter((l) => /"msg":"(sink|processor|connector) started"/.test(l));
  assert.is(started.length, 3, 'each service ran as a process of its own and said so');
  const errors = run.lines.filter((l) => /^\{"level":(5|6)\d/.test(l));
  assert.equal(errors, [], 'no log line at level error or above');
  assert.not.match(run.stderr, /TimeoutNegativeWarning/);
});

test.run();
