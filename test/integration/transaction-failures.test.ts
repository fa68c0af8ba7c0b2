// Two kafkajs gaps the processor's TransactionalProducer closes, each provoked through a proxy.
//
// A produce whose answer is lost, in a transaction that then aborts: kafkajs rolls the batch's
// sequence numbers back although the broker appended it. Sent again in the next transaction of
// the same producer (same epoch, same sequence numbers), the batch is taken by the broker for a
// duplicate of the aborted one and not written, yet that transaction commits: records lost, their
// offsets committed. The processor's TransactionalProducer never reuses a producer after a
// failed transaction; the first test shows the hazard, the second that it is avoided.
//
// CONCURRENT_TRANSACTIONS from AddOffsetsToTxn (the coordinator still finishing the previous
// transaction): kafkajs does not retry it, and taken for an abort it sent the processor into the
// rebuild that lost a contiguous range of events (issue 13). The step is retried instead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { ensureTopics, producerOptions, withAdmin } from '../../lib/kafka/client.js';
import { createLogger } from '../../lib/observability/log.js';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { TransactionFailed, TransactionalProducer } from '../../processor/transactional-producer.js';
import { kafka } from './harness.js';
import { startAnswerDroppingProxy } from './answer-dropping-proxy.js';

const PROXY_PORT = 19210;
const log = createLogger({ level: 'fatal' });
const batch = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));

async function world() {
  const id = randomUUID().slice(0, 8);
  const topic = `resend.${id}`;
  await withAdmin(kafka, (admin) => ensureTopics(admin, [{ topic, numPartitions: 1, replicationFactor: 1 }]));
  const proxy = await startAnswerDroppingProxy(PROXY_PORT);
  // One retry (kafkajs's least for an idempotent producer), whose answer is dropped too: the send
  // gives up, as it does on any error kafkajs will not retry (OUT_OF_ORDER_SEQUENCE_NUMBER, say).
  const via = new Kafka({ clientId: `resend-${id}`, brokers: ['127.0.0.1:9092'], socketFactory: proxy.socketFactory, logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } });
  const make = (): Producer => via.producer({ ...producerOptions({ transactionalId: `resend-${id}`, transactionTimeout: 30_000 }), retry: { retries: 1, initialRetryTime: 50 } });
  return { topic, proxy, make };
}

const values = async (topic: string) => (await readWholeTopic(kafka, topic)).map((r) => r.value?.toString()).sort();

test('kafkajs: a batch sent again on the same producer after an aborted transaction is not written, yet commits', async () => {
  const { topic, proxy, make } = await world();
  let producer: Producer | undefined;
  try {
    producer = make();
    await producer.connect();
    const first = await producer.transaction();
    const lost = proxy.dropProduceAnswers(2);
    const sent = await first.send({ topic, messages: batch }).then(() => 'answered', () => 'failed');
    assert.is(sent, 'failed', 'the send fails: its answer never came');
    await lost;
    await first.abort();
    const second = await producer.transaction();
    await second.send({ topic, messages: batch });
    await second.commit();
    assert.equal(await values(topic), [], 'the hazard: the committed transaction holds none of the batch');
  } finally {
    await producer?.disconnect();
    await proxy.close();
  }
});

test('TransactionalProducer: after an aborted transaction the same batch is written once, on a new producer', async () => {
  const { topic, proxy, make } = await world();
  const producer = new TransactionalProducer(`resend-${topic}`, make, log);
  try {
    await producer.ready();
    const lost = proxy.dropProduceAnswers(2);
    const failure = await producer.commit((txn) => txn.send({ topic, messages: batch }).then(() => {}), { records: 5, context: { topic } }).then(() => undefined, (err: unknown) => err);
    await lost;
    assert.instance(failure, TransactionFailed);
    assert.is((failure as TransactionFailed).outcome, 'aborted');
    await producer.commit((txn) => txn.send({ topic, messages: batch }).then(() => {}), { records: 5, context: { topic } });
    assert.equal(await values(topic), batch.map((m) => m.value).sort(), 'every record of the batch, once');
  } finally {
    await producer.close();
    await proxy.close();
  }
});

test('CONCURRENT_TRANSACTIONS from AddOffsetsToTxn is retried, not taken for an abort: the batch and its offsets commit once', async () => {
  const { topic, proxy, make } = await world();
  const producer = new TransactionalProducer(`offsets-${topic}`, make, log);
  const groupId = `group-${topic}`;
  try {
    await producer.ready();
    proxy.refuseAddOffsets(3, 51); // 51: CONCURRENT_TRANSACTIONS
    await producer.commit(async (txn) => {
      await txn.send({ topic, messages: batch });
      await producer.step(() => txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '42' }] }] }));
    }, { records: 5, context: { topic } });
    assert.equal(await values(topic), batch.map((m) => m.value).sort(), 'every record of the batch, once');
    const offsets = await withAdmin(kafka, (admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
    assert.is(offsets[0]?.partitions[0]?.offset, '42');
  } finally {
    await producer.close();
    await proxy.close();
  }
});

test.run();
