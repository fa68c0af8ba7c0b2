// The broker goes away between a transaction's writes and its commit, so the commit's answer
// never comes. kafkajs leaves such a producer unusable; the processor's transactional producer
// must report the outcome as unknown, start over on a new producer once the broker is back, and
// the half-done transaction must never become visible.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { createKafka, ensureTopics, producerOptions, withAdmin } from '../../lib/kafka/client.js';
import { createLogger } from '../../lib/observability/log.js';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { startLocalService, stopLocalService } from '../../stack/stack.js';
import { TransactionFailed, TransactionalProducer } from '../../processor/transactional-producer.js';

const log = createLogger({ level: 'fatal' });
const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'commit-lost-test' }, log, 'test');

test('a commit whose answer is lost is reported as unknown, and the next transaction commits on a new producer', async () => {
  const id = `commit-lost-${randomUUID().slice(0, 8)}`;
  const topic = `out.${id}`;
  const input = `in.${id}`;
  const groupId = `group-${id}`;
  await withAdmin(kafka, (admin) => ensureTopics(admin, [
    { topic, numPartitions: 1, replicationFactor: 1 },
    { topic: input, numPartitions: 1, replicationFactor: 1 },
  ]));
  const producer = new TransactionalProducer(`txn-${id}`, () => kafka.producer(producerOptions({ transactionalId: `txn-${id}`, transactionTimeout: 30_000 })), log);
  await producer.ready();

  let failure: unknown;
  try {
    await producer.commit(async (txn) => {
      await txn.send({ topic, messages: [{ key: 'k', value: 'lost' }] });
      await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }] });
      await stopLocalService('kafka');
    }, { records: 1, context: { topic } });
  } catch (err) {
    failure = err;
  } finally {
    await startLocalService('kafka');
  }
  assert.instance(failure, TransactionFailed, `expected a TransactionFailed, got ${String(failure)}`);
  assert.is((failure as TransactionFailed).outcome, 'unknown');
  assert.is((failure as TransactionFailed).retriable, true);

  // The bug this guards against: the next transaction threw "Cannot call beginTransaction in
  // state COMMITTING" and the processor stopped.
  await producer.commit(async (txn) => {
    await txn.send({ topic, messages: [{ key: 'k', value: 'kept' }] });
    await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '7' }] }] });
  }, { records: 1, context: { topic } });
  await producer.close();

  const committed = await readWholeTopic(kafka, topic);
  assert.equal(committed.map((r) => r.value?.toString()), ['kept']);
  const offsets = await withAdmin(kafka, (admin) => admin.fetchOffsets({ groupId, topics: [input] }));
  assert.is(offsets[0]?.partitions[0]?.offset, '7');
});

test.run();
