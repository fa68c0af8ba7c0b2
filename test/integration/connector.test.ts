// The connector against real ElasticMQ and Kafka.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sendBodies, queueDepth } from '../../lib/sqs/client.js';
import { readTopicUntil } from '../../lib/kafka/topic-reader.js';
import { createTopics, kafka, newWorld, sqs, startLoginpipe, waitUntil } from './harness.js';

test('a body larger than the raw topic takes gets a too_large dead letter, stays in SQS and blocks nothing', async () => {
  const world = await newWorld('toolarge', { SQS_VISIBILITY_TIMEOUT_SECONDS: '60' });
  try {
    // An operator's smaller limit on the raw topic; the connector must discover and respect it.
    await createTopics(world, [{ name: 'max.message.bytes', value: '4096' }]);
    const small = Array.from({ length: 25 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat(100) }));
    const huge = JSON.stringify({ pad: 'y'.repeat(10_000) });
    const ids = await sendBodies(sqs, world.queueUrl, [...small.slice(0, 12), huge, ...small.slice(12)]);
    const hugeId = ids[12]!;
    const connector = await startLoginpipe('connector', world.env);
    try {
      const raw = await readTopicUntil(kafka, world.env.RAW_TOPIC!, (r) => r.length >= small.length, { timeoutMs: 30_000 });
      assert.equal(raw.map((r) => r.value!.toString()).sort(), [...small].sort(), 'every small body published, unchanged');
      const dead = await readTopicUntil(kafka, world.env.DLQ_TOPIC!, (r) => r.length >= 1, { timeoutMs: 30_000 });
      assert.is(dead[0]!.headers['error.code'], 'too_large');
      assert.is(dead[0]!.headers['sqs.message_id'], hugeId);
      assert.is(dead[0]!.value, null);
      // Published ones are deleted; the huge one is still in SQS (received, not deleted).
      await waitUntil(async () => { const d = await queueDepth(sqs, world.queueUrl); return d.visible + d.inFlight === 1; }, {
        timeoutMs: 20_000, what: 'only the huge message to remain in SQS', state: () => queueDepth(sqs, world.queueUrl),
      });
    } finally {
      assert.is(await connector.stop(), 0);
    }
  } finally {
    await world.cleanup();
  }
});

test('every body reaches the raw topic untouched with SQS metadata in headers, keyed by message id', async () => {
  const world = await newWorld('headers');
  try {
    const bodies = ['{"a":1}', 'not json', ' spaces kept ', '{"ünïcode":"✓ 日本"}', '\t{"x":"y"}\n'];
    const before = Date.now();
    const ids = await sendBodies(sqs, world.queueUrl, bodies);
    const connector = await startLoginpipe('connector', world.env);
    try {
      const raw = await readTopicUntil(kafka, world.env.RAW_TOPIC!, (r) => r.length >= bodies.length, { timeoutMs: 30_000 });
      for (const [i, body] of bodies.entries()) {
        const r = raw.find((x) => x.headers['sqs.message_id'] === ids[i]);
        assert.ok(r, `record for message ${ids[i]}`);
        assert.is(r!.value!.toString('utf8'), body);
        assert.is(r!.key!.toString(), ids[i]);
        const sent = Number(r!.headers['sqs.sent_timestamp']);
        assert.ok(sent >= before - 1000 && sent <= Date.now(), `sent timestamp ${sent}`);
        assert.is(r!.headers['sqs.receive_count'], '1');
      }
      await waitUntil(async () => { const d = await queueDepth(sqs, world.queueUrl); return d.visible + d.inFlight === 0; }, {
        timeoutMs: 20_000, what: 'the queue to be empty',
      });
    } finally {
      assert.is(await connector.stop(), 0);
    }
  } finally {
    await world.cleanup();
  }
});

test.run();
