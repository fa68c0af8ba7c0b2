// The SQS ceiling, run as its own process: BENCH_POLLERS bare AWS SDK loops of
// ReceiveMessage(10) + DeleteMessageBatch until BENCH_COUNT messages are deleted. Prints one
// RESULT line with its rate and its own CPU per message.
// With BENCH_KAFKA_TOPIC (and BENCH_BROKERS) each loop also produces its 10 messages to that
// topic before deleting them, through one bare kafkajs producer set up as the connector's
// (idempotent, one request in flight), with the connector's three headers: the floor under the
// connector's CPU per message, SQS and Kafka both, with none of its own work.
// Environment: BENCH_SQS_ENDPOINT, BENCH_QUEUE_URL, BENCH_POLLERS, BENCH_COUNT; BENCH_KAFKA_TOPIC, BENCH_BROKERS.
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createSqsClient } from '../lib/sqs/client.js';
import { HEADER_MESSAGE_ID, HEADER_RECEIVE_COUNT, HEADER_SENT_TIMESTAMP } from '../lib/records/headers.js';
import { reportResult, counterClock } from './child-result.js';

const env = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const count = Number(env('BENCH_COUNT'));
const queueUrl = env('BENCH_QUEUE_URL');
const topic = process.env.BENCH_KAFKA_TOPIC;
const sqs = createSqsClient({ endpoint: env('BENCH_SQS_ENDPOINT'), region: 'us-east-1' });
let producer: Producer | undefined;
if (topic !== undefined) {
  producer = new Kafka({ clientId: 'bench-ceiling-sqs', brokers: env('BENCH_BROKERS').split(','), logLevel: logLevel.ERROR })
    .producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
}
const clock = counterClock();
let deleted = 0;

async function poller(): Promise<void> {
  while (deleted < count) {
    const got = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 30,
      ...(producer ? { MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'] } : {}),
    }));
    const messages = got.Messages ?? [];
    if (messages.length === 0) continue;
    if (producer) {
      await producer.send({
        topic: topic!,
        messages: messages.map((m) => ({
          key: m.MessageId!, value: m.Body ?? '', timestamp: m.Attributes?.SentTimestamp,
          headers: { [HEADER_MESSAGE_ID]: m.MessageId!, [HEADER_SENT_TIMESTAMP]: m.Attributes?.SentTimestamp ?? '', [HEADER_RECEIVE_COUNT]: m.Attributes?.ApproximateReceiveCount ?? '' },
        })),
      });
    }
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    deleted = clock.add(messages.length);
  }
}

await Promise.all(Array.from({ length: Number(env('BENCH_POLLERS')) }, poller));
reportResult(clock.result());
await producer?.disconnect();
sqs.destroy();
