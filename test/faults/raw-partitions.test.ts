// Raw partitions added while messages are in flight. A copy of a message whose first delivery
// went out before the increase (published, never deleted from SQS, so SQS hands it out again)
// must land on the partition of its first delivery, where the processor's duplicate filter sees
// it: the clean topic carries every event once. And an increase made without a plan stops the
// connector at start rather than splitting copies.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { withAdmin } from '../../lib/kafka/client.js';
import { partitionFor } from '../../lib/kafka/partition-sends.js';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { HEADER_MESSAGE_ID, HEADER_SENT_TIMESTAMP } from '../../lib/records/headers.js';
import { queueDepth, sendBodies } from '../../lib/sqs/client.js';
import { createTopics, db, kafka, newWorld, produce, spawnLoginpipe, sqs, startLoginpipe, waitUntil, type LoginpipeProcess } from '../integration/harness.js';

const BEFORE = 40;
const AFTER = 40;

/** Receives every message of the queue once, leaving them there: they come back after 5 s. */
async function receiveAll(queueUrl: string, count: number): Promise<Message[]> {
  const got = new Map<string, Message>();
  await waitUntil(async () => {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 5, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['SentTimestamp'] }));
    for (const m of res.Messages ?? []) got.set(m.MessageId!, m);
    return got.size === count;
  }, { timeoutMs: 30_000, what: `${count} messages received` });
  return [...got.values()];
}

test('after raw partitions are added, redelivered copies land with their first delivery and every event is in the clean topic once', async () => {
  const world = await newWorld('raw-partitions', { SQS_VISIBILITY_TIMEOUT_SECONDS: '5' });
  const services: LoginpipeProcess[] = [];
  try {
    await createTopics(world); // 4 partitions, as TOPIC_PARTITIONS says
    const raw = world.env.RAW_TOPIC!;
    const gen = createSampleLogins(2323);
    const beforeIds = await sendBodies(sqs, world.queueUrl, Array.from({ length: BEFORE }, () => gen.valid().body));

    // A connector before the increase: publishes each message over 4 partitions and is killed
    // before it deletes any of them, so SQS delivers them all again.
    const first = await receiveAll(world.queueUrl, BEFORE);
    await produce(raw, first.map((m) => ({
      key: m.MessageId!, value: m.Body!, partition: partitionFor(raw, { key: m.MessageId!, value: null }, 4),
      headers: { [HEADER_MESSAGE_ID]: m.MessageId!, [HEADER_SENT_TIMESTAMP]: m.Attributes!.SentTimestamp! },
    })));
    const moved = first.filter((m) => partitionFor(raw, { key: m.MessageId!, value: null }, 8) !== partitionFor(raw, { key: m.MessageId!, value: null }, 4)).length;
    assert.ok(moved > 0, 'some ids hash elsewhere over 8 partitions than over 4');

    await withAdmin(kafka, (admin) => admin.createPartitions({ topicPartitions: [{ topic: raw, count: 8 }] }));

    // Unplanned: refused at start, naming the setting.
    const refused = spawnLoginpipe('connector', world.env);
    try {
      await waitUntil(() => refused.child.exitCode !== null, { timeoutMs: 60_000, what: 'the connector to refuse to start' });
    } finally {
      if (refused.child.exitCode === null) await refused.stop();
    }
    assert.is(refused.child.exitCode, 1);
    await waitUntil(() => refused.lines.some((l) => l.includes('could not start')), { timeoutMs: 5_000, what: 'the reason' });
    const reason = refused.lines.find((l) => l.includes('could not start'))!;
    assert.ok(reason.includes(`topic ${raw} has 8 partitions, but TOPIC_PARTITIONS`) && reason.includes('RAW_PARTITION_PLAN'), reason);

    // Planned: messages sent before the switch keep hashing over 4, those after over 8.
    const switchAt = new Date(Date.now() + 1_000);
    const plan = { RAW_PARTITION_PLAN: `4,8@${switchAt.toISOString()}` };
    await waitUntil(() => Date.now() > switchAt.getTime() + 1_000, { timeoutMs: 5_000, what: 'the switch time to pass' });
    const afterIds = await sendBodies(sqs, world.queueUrl, Array.from({ length: AFTER }, () => gen.valid().body));
    services.push(await startLoginpipe('sink', world.env));
    services.push(await startLoginpipe('processor', world.env));
    services.push(await startLoginpipe('connector', world.env, plan));
    await waitUntil(async () => { const d = await queueDepth(sqs, world.queueUrl); return d.visible + d.inFlight === 0; }, { timeoutMs: 60_000, what: 'an empty queue' });

    const rawRecords = await readWholeTopic(kafka, raw);
    assert.is(rawRecords.length, 2 * BEFORE + AFTER, 'each early message twice (first delivery and copy), each late one once');
    for (const id of beforeIds) {
      const copies = rawRecords.filter((r) => r.headers[HEADER_MESSAGE_ID] === id);
      assert.is(copies.length, 2);
      assert.is(copies[0]!.partition, copies[1]!.partition, `both copies of ${id} on one partition`);
      assert.is(copies[0]!.partition, partitionFor(raw, { key: id, value: null }, 4));
    }
    for (const id of afterIds) {
      const [r] = rawRecords.filter((x) => x.headers[HEADER_MESSAGE_ID] === id);
      assert.is(r!.partition, partitionFor(raw, { key: id, value: null }, 8), `${id} sent after the switch hashes over 8`);
    }

    // The processor dropped every copy: every event has its row, and the clean topic
    // (read_committed) holds exactly one record per event.
    const rows = async () => (await db.one(`SELECT count(*)::int AS n FROM "${world.schema}".user_logins WHERE event_id = ANY($1::text[])`, [[...beforeIds, ...afterIds]])).n as number;
    await waitUntil(async () => (await rows()) === BEFORE + AFTER, { timeoutMs: 60_000, what: 'every event\'s row', state: rows });
    assert.is((await readWholeTopic(kafka, world.env.CLEAN_TOPIC!)).length, BEFORE + AFTER, 'no event twice in the clean topic');
    for (const s of services.splice(0).reverse()) assert.is(await s.stop(), 0);
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await world.cleanup();
  }
});

test.run();
