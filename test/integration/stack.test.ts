// The local stack: every service answers with a real round trip, `up` is idempotent, and Kafka
// keeps its data across a stop and start. Nothing here is skipped: a missing service fails.
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pgPromise from 'pg-promise';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stackStatus, stackUp, startLocalService, stopLocalService, type ServiceStatus } from '../../stack/stack.js';

const id = `stack-${randomUUID().slice(0, 8)}`;
const topic = `${id}.kafka`;
const kafka = new Kafka({ clientId: id, brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
const sqs = new SQSClient({
  endpoint: 'http://127.0.0.1:9324',
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const REGISTRY = 'http://127.0.0.1:8081/apis/ccompat/v7';
const pgp = pgPromise({ noWarnings: true });
const db = pgp({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'loginpipe', max: 1 });

async function until<T>(what: string, timeoutMs: number, get: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads `topic` from the beginning with a fresh group until one message arrives. */
async function firstMessage(group: string): Promise<string> {
  const consumer = kafka.consumer({ groupId: group });
  const seen: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? '') });
    return await until(`a message on ${topic}`, 30_000, () => seen[0]);
  } finally {
    await consumer.disconnect();
  }
}

test.after(async () => {
  const admin = kafka.admin();
  await admin.connect().then(() => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
  await admin.disconnect();
  await db.$pool.end();
});

// A test rather than a before hook: uvu drops errors thrown by hooks without printing them, and
// a stack that fails to start must be the loudest failure of the run.
test('stack up leaves all four services answering, and status says so', async () => {
  const fromUp = await stackUp();
  for (const all of [fromUp, await stackStatus()]) {
    assert.equal(all.map((s) => s.name).sort(), ['kafka', 'postgres', 'registry', 'sqs']);
    for (const s of all) assert.ok(s.up, `${s.name} is not up: ${s.detail ?? ''}`);
  }
});

test('stack up a second time starts nothing new', async () => {
  const pids = (all: ServiceStatus[]) => Object.fromEntries(all.map((s) => [s.name, s.pid]));
  const before = pids(await stackStatus());
  const again = await stackUp();
  assert.equal(pids(again), before);
});

test('kafka: a message produced to a new topic is consumed back', async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.ok(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }));
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'k', value: 'before restart' }] });
  await producer.disconnect();
  assert.is(await firstMessage(`${id}-a`), 'before restart');
});

test('kafka: topics are not created by producing to them', async () => {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 1 } });
  await producer.connect();
  try {
    await producer.send({ topic: `${id}.never-created`, messages: [{ value: 'x' }] });
    assert.unreachable('the broker accepted a message for a topic that does not exist');
  } catch (err) {
    assert.match(String(err), /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION|unknown topic/i);
  } finally {
    await producer.disconnect();
  }
});

test('sqs: a message sent to a fresh queue is received once and deleted', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${id}-q` }));
  assert.is(QueueUrl, `http://127.0.0.1:9324/000000000000/${id}-q`);
  try {
    const body = JSON.stringify({ id, at: Date.now() });
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
    assert.is(got.Messages?.length, 1);
    assert.is(got.Messages?.[0]?.MessageId, sent.MessageId);
    assert.is(got.Messages?.[0]?.Body, body);
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages?.[0]?.ReceiptHandle }));
    const after = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    assert.is(after.Attributes?.ApproximateNumberOfMessages, '0');
    assert.is(after.Attributes?.ApproximateNumberOfMessagesNotVisible, '0');
  } finally {
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  }
});

test('sqs: login-queue exists and redrives to login-queue-dlq after 5 receives', async () => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'login-queue' }));
  assert.is(QueueUrl, 'http://127.0.0.1:9324/000000000000/login-queue');
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  assert.is(Attributes?.VisibilityTimeout, '30');
  const redrive = JSON.parse(Attributes?.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  assert.is(Number(redrive.maxReceiveCount), 5);
  assert.match(redrive.deadLetterTargetArn ?? '', /:login-queue-dlq$/);
  const dlq = await sqs.send(new GetQueueUrlCommand({ QueueName: 'login-queue-dlq' }));
  assert.is(dlq.QueueUrl, 'http://127.0.0.1:9324/000000000000/login-queue-dlq');
});

test('registry: a schema registers, is fetched by id, and registering it again gives the same id', async () => {
  const subject = `${id}-value`;
  const schema = JSON.stringify({
    type: 'record',
    name: 'StackCheck',
    namespace: 'loginpipe.test',
    fields: [{ name: id.replace(/-/g, '_'), type: 'string' }],
  });
  const register = async () => {
    const res = await fetch(`${REGISTRY}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema }),
    });
    assert.is(res.status, 200, await res.clone().text());
    return ((await res.json()) as { id: number }).id;
  };
  try {
    const first = await register();
    assert.type(first, 'number');
    const fetched = await fetch(`${REGISTRY}/schemas/ids/${first}`);
    assert.is(fetched.status, 200);
    assert.equal(JSON.parse(((await fetched.json()) as { schema: string }).schema), JSON.parse(schema));
    assert.is(await register(), first);
  } finally {
    await fetch(`${REGISTRY}/subjects/${subject}`, { method: 'DELETE' });
  }
});

test('postgres: the loginpipe database answers SELECT 1', async () => {
  const row = await db.one<{ one: number }>('SELECT 1 AS one');
  assert.is(row.one, 1);
});

test('kafka stopped and started again still has its topic and message', async () => {
  await stopLocalService('kafka');
  const down = (await stackStatus()).find((s) => s.name === 'kafka');
  assert.is(down?.up, false);
  assert.is(down?.pid, undefined);
  await startLocalService('kafka');
  assert.is(await firstMessage(`${id}-b`), 'before restart');
});

test.run();
