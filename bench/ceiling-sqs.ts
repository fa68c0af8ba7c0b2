// The SQS ceiling, run as its own process: BENCH_POLLERS bare AWS SDK loops of
// ReceiveMessage(10) + DeleteMessageBatch until BENCH_COUNT messages are deleted. Prints one
// RESULT line with its rate and its own CPU per message.
// Environment: BENCH_SQS_ENDPOINT, BENCH_QUEUE_URL, BENCH_POLLERS, BENCH_COUNT.
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../lib/sqs.js';
import { reportResult, counterClock } from './child-result.js';

const env = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const count = Number(env('BENCH_COUNT'));
const queueUrl = env('BENCH_QUEUE_URL');
const sqs = createSqsClient({ endpoint: env('BENCH_SQS_ENDPOINT'), region: 'us-east-1' });
const clock = counterClock();
let deleted = 0;

async function poller(): Promise<void> {
  while (deleted < count) {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 30 }));
    const messages = got.Messages ?? [];
    if (messages.length === 0) continue;
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    deleted = clock.add(messages.length);
  }
}

await Promise.all(Array.from({ length: Number(env('BENCH_POLLERS')) }, poller));
reportResult(clock.result());
sqs.destroy();
