// A body too large for the raw topic gets one too_large dead letter, not one per receive, and the
// body itself is kept in SQS: moved to the redrive queue at once when the queue has one, left in
// the queue (dead-lettered on its first receive only) when it has none.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { queueDepth, sendBodies } from '../../lib/sqs/client.js';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { createTopics, kafka, newWorld, sqs, startLoginpipe, waitUntil, type LoginpipeProcess } from '../integration/harness.js';
import { newFaultWorld } from './world.js';

const SMALL = Array.from({ length: 5 }, (_, i) => JSON.stringify({ n: i }));
const HUGE = JSON.stringify({ pad: 'y'.repeat(10_000) });
const SMALL_RAW_TOPIC = [{ name: 'max.message.bytes', value: '4096' }];

const depth = async (url: string) => { const d = await queueDepth(sqs, url); return d.visible + d.inFlight + d.delayed; };

function healthPort(p: LoginpipeProcess): number {
  for (const l of p.lines) if (l.includes('health endpoints listening')) return (JSON.parse(l) as { port: number }).port;
  throw new Error('the connector logged no health port');
}

async function tooLargeReceives(p: LoginpipeProcess): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${healthPort(p)}/metrics`)).text();
  return Number(/^loginpipe_connector_too_large_total (\d+)/m.exec(text)?.[1] ?? 0);
}

test('with a redrive queue: one too_large dead letter, and the body moved to the redrive queue at once', async () => {
  const world = await newFaultWorld('too-large-redrive');
  let connector: LoginpipeProcess | undefined;
  try {
    await createTopics(world, SMALL_RAW_TOPIC);
    const ids = await sendBodies(sqs, world.queueUrl, [...SMALL, HUGE]);
    connector = await startLoginpipe('connector', world.env);
    // Before: the message stayed for maxReceiveCount (5) receives, a dead letter each time.
    await waitUntil(async () => (await depth(world.queueUrl)) === 0 && (await depth(world.redriveUrl)) === 1, {
      timeoutMs: 120_000, what: 'the main queue empty and the huge message in the redrive queue',
      state: async () => ({ main: await depth(world.queueUrl), redrive: await depth(world.redriveUrl) }),
    });
    const dead = await readWholeTopic(kafka, world.env.DLQ_TOPIC!);
    assert.equal(dead.map((d) => [d.headers['error.code'], d.headers['sqs.message_id'], d.value]), [['too_large', ids[5], null]]);
    assert.is((await readWholeTopic(kafka, world.env.RAW_TOPIC!)).length, SMALL.length, 'every small body published');
    const moved = await sqs.send(new ReceiveMessageCommand({ QueueUrl: world.redriveUrl, MaxNumberOfMessages: 1, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    assert.is(moved.Messages?.[0]?.Body, HUGE, 'the body is kept intact');
    assert.is(moved.Messages?.[0]?.MessageAttributes?.['sqs.message_id']?.StringValue, ids[5]);
    assert.is(await connector.stop(), 0);
    connector = undefined;
  } finally {
    if (connector) await connector.stop();
    await world.cleanup();
  }
});

test('without a redrive queue: the message stays in SQS, received again and again, with one too_large dead letter', async () => {
  const world = await newWorld('too-large-stays', { SQS_VISIBILITY_TIMEOUT_SECONDS: '5' });
  let connector: LoginpipeProcess | undefined;
  try {
    await createTopics(world, SMALL_RAW_TOPIC);
    const ids = await sendBodies(sqs, world.queueUrl, [...SMALL, HUGE]);
    connector = await startLoginpipe('connector', world.env);
    const running = connector;
    await waitUntil(async () => (await tooLargeReceives(running)) >= 3, { timeoutMs: 60_000, what: 'the huge message received three times', state: () => tooLargeReceives(running) });
    const dead = await readWholeTopic(kafka, world.env.DLQ_TOPIC!);
    assert.equal(dead.map((d) => [d.headers['error.code'], d.headers['sqs.message_id']]), [['too_large', ids[5]]]);
    assert.is(await depth(world.queueUrl), 1, 'the huge message is still in the queue');
    assert.is(await connector.stop(), 0);
    connector = undefined;
  } finally {
    if (connector) await connector.stop();
    await world.cleanup();
  }
});

test.run();
