// The local SQS server's message file stays bounded: messages sent, received and deleted free
// their space for reuse, so a long development session or a CI run does not fill the disk.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { sendBodies } from '../../lib/sqs/client.js';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { paths } from '../../stack/paths.js';
import { sqs } from '../../stack/world.js';

const FILE = join(paths.dataOf('sqs'), 'messages.mv.db');
const ROUNDS = 3;
const PER_ROUND = 10_000;
/** Growth allowed over all rounds; before the fix one round alone grew the file by about 700 MB. */
const BOUND_BYTES = 300 * 1024 * 1024;

test(`${ROUNDS * PER_ROUND} messages through the local SQS server grow its file by less than ${BOUND_BYTES >> 20} MB`, async () => {
  const before = statSync(FILE).size;
  const gen = createSampleLogins(3);
  const sizes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const q = (await sqs.send(new CreateQueueCommand({ QueueName: `disk-${Date.now()}-${round}` }))).QueueUrl!;
    try {
      await sendBodies(sqs, q, gen.batch(PER_ROUND, 0).map((s) => s.body), 16);
      let received = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (received < PER_ROUND) {
          const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
          const ms = r.Messages ?? [];
          received += ms.length;
          if (ms.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: q, Entries: ms.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
        }
      }));
    } finally {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: q }));
    }
    sizes.push(statSync(FILE).size);
  }
  console.log(`  ${FILE}: ${(before / 2 ** 20).toFixed(0)} MB before, ${sizes.map((s) => `${(s / 2 ** 20).toFixed(0)} MB`).join(', ')} after each ${PER_ROUND} messages`);
  const grown = Math.max(...sizes) - before;
  assert.ok(grown < BOUND_BYTES, `the file grew by ${(grown / 2 ** 20).toFixed(0)} MB`);
});

test.run();
