// The fault suite's SQS outage counts a confirmed message that never reaches Postgres as lost, so
// the local SQS server itself must keep every message it confirmed across a stop, as real SQS
// does. ElasticMQ confirms sends while it shuts down; this checks that none of them vanish.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../lib/sqs/client.js';
import { startLocalService, stopLocalService } from '../../stack/stack.js';

const sqs = createSqsClient({ endpoint: 'http://127.0.0.1:9324', region: 'us-east-1' });

test('the local SQS server keeps every message it confirmed when it is stopped mid-send', async () => {
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `durability-${randomUUID().slice(0, 8)}` }));
  const queueUrl = queue.QueueUrl!;
  const confirmed = new Set<string>();
  let sending = true;
  let failedCalls = 0;

  // Several senders keep batches in flight, so some arrive as the server begins to stop.
  const senders = Array.from({ length: 6 }, async (_, w) => {
    for (let n = 0; sending; n++) {
      try {
        const res = await sqs.send(new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `w${w}-b${n}-m${i}` })),
        }));
        for (const ok of res.Successful ?? []) confirmed.add(ok.MessageId!);
      } catch {
        failedCalls++;
        await sleep(50);
      }
    }
  });
  try {
    await sleep(1_500);
    await stopLocalService('sqs');
  } finally {
    sending = false;
    await Promise.all(senders);
    await startLocalService('sqs');
  }
  assert.ok(failedCalls > 0, 'some sends met the stopped server (the stop fell mid-send)');

  const found = new Set<string>();
  for (let empty = 0; empty < 2;) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 600 }));
    const got = res.Messages ?? [];
    empty = got.length === 0 ? empty + 1 : 0;
    for (const m of got) found.add(m.MessageId!);
  }
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => {});
  const missing = [...confirmed].filter((id) => !found.has(id));
  assert.ok(confirmed.size > 100, `the senders got going (${confirmed.size} confirmed)`);
  assert.is(missing.length, 0, `${missing.length} of ${confirmed.size} confirmed messages were gone after the restart, e.g. ${missing.slice(0, 3).join(', ')}`);
});

test.run();
