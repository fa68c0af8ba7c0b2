// The processor's ceiling, run as its own process: a bare kafkajs loop that consumes the raw
// topic and, per fetched batch, produces the values unchanged in one transaction with the input
// offsets (sendOffsets), with none of loginpipe's work in between. Prints one RESULT line.
// Environment: BENCH_BROKERS, BENCH_IN, BENCH_OUT, BENCH_GROUP, BENCH_COUNT.
import { Kafka, logLevel } from 'kafkajs';
import { reportResult, counterClock } from './child-result.js';

const env = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const count = Number(env('BENCH_COUNT'));
const inTopic = env('BENCH_IN');
const group = env('BENCH_GROUP');

const kafka = new Kafka({ clientId: 'bench-ceiling', brokers: env('BENCH_BROKERS').split(','), logLevel: logLevel.ERROR });
const producer = kafka.producer({ transactionalId: `${group}-txn`, idempotent: true, maxInFlightRequests: 1 });
const consumer = kafka.consumer({ groupId: group, readUncommitted: false });
await producer.connect();
await consumer.connect();
await consumer.subscribe({ topics: [inTopic], fromBeginning: true });

const clock = counterClock();
let transactions = 0;
const finished = new Promise<void>((resolve) => {
  void consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      const txn = await producer.transaction();
      await txn.send({ topic: env('BENCH_OUT'), messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
      await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }] });
      await txn.commit();
      transactions++;
      if (clock.add(batch.messages.length) >= count) resolve();
    },
  });
});
await finished;
reportResult({ ...clock.result(), transactions });
await consumer.disconnect();
await producer.disconnect();
