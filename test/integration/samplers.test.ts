// The scrape-time samplers against the real Kafka and ElasticMQ: consumer lag from the admin
// client, queue depth from GetQueueAttributes (with the redrive queue found from the policy),
// and a Kafka that does not answer shown as an outage.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createMetrics, type Metrics } from '../../lib/observability/metrics.js';
import { startKafkaSampler } from '../../lib/kafka/sampler.js';
import { startSqsDepthSampler } from '../../lib/sqs/depth.js';
import { createKafka, withAdmin } from '../../lib/kafka/client.js';
import { createLogger } from '../../lib/observability/log.js';
import { sendBodies } from '../../lib/sqs/client.js';
import { kafka, sqs, waitUntil } from './harness.js';

const log = createLogger({ level: 'silent' });

async function gauge(m: Metrics, name: 'consumerLag' | 'sqsMessages' | 'outage'): Promise<Record<string, number>> {
  await m.registry.metrics(); // a scrape: runs the samplers
  const out: Record<string, number> = {};
  for (const v of (await m[name].get()).values) out[Object.values(v.labels).join('/')] = v.value;
  return out;
}

test('the Kafka sampler reports log end minus committed offset per partition, and 0 once all is committed', async () => {
  const topic = `lag-${randomUUID().slice(0, 8)}`;
  const groupId = `lag-group-${randomUUID().slice(0, 8)}`;
  await withAdmin(kafka, (admin) => admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true }));
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [...Array(7)].map((_, i) => ({ partition: i < 5 ? 0 : 1, value: `v${i}` })) });
  await producer.disconnect();
  // The group committed 3 of partition 0 and none of partition 1.
  await withAdmin(kafka, (admin) => admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] }));

  const m = createMetrics();
  const sampler = startKafkaSampler({ kafka, metrics: m, log, lag: { groupId, topic }, minIntervalMs: 0 });
  try {
    assert.equal(await gauge(m, 'consumerLag'), { [`${groupId}/${topic}/0`]: 2, [`${groupId}/${topic}/1`]: 2 });
    await withAdmin(kafka, (admin) => admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '2' }] }));
    assert.equal(await gauge(m, 'consumerLag'), { [`${groupId}/${topic}/0`]: 0, [`${groupId}/${topic}/1`]: 0 });
    assert.is((await gauge(m, 'outage')).kafka, 0, 'Kafka answered: no outage');
  } finally {
    await sampler.stop();
    await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] })).catch(() => {});
  }
});

test('a Kafka that does not answer is an outage on /metrics, and the scrape still returns', async () => {
  // Nothing listens on port 1: the sampler's admin client cannot connect.
  const nowhere = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'loginpipe-test-nowhere' }, log, 'test');
  const m = createMetrics();
  const sampler = startKafkaSampler({ kafka: nowhere, metrics: m, log, minIntervalMs: 0 });
  try {
    assert.is((await gauge(m, 'outage')).kafka, 0, 'the first scrape returns before the reading gives up');
    // kafkajs gives up connecting after its retries (about half a minute): wait for the verdict.
    await waitUntil(async () => (await gauge(m, 'outage')).kafka === 1, { timeoutMs: 90_000, what: 'loginpipe_outage{dependency="kafka"} to be 1' });
    assert.equal(await gauge(m, 'consumerLag'), {}, 'no lag invented');
  } finally {
    await sampler.stop();
  }
  assert.is((await gauge(m, 'outage')).kafka, 0, 'a stopped sampler no longer holds the outage');
});

test('the SQS sampler reports both queues by state, finding the redrive queue from the policy', async () => {
  const id = randomUUID().slice(0, 8);
  const main = (await sqs.send(new CreateQueueCommand({ QueueName: `depth-${id}`, Attributes: { VisibilityTimeout: '60' } }))).QueueUrl!;
  const dead = (await sqs.send(new CreateQueueCommand({ QueueName: `depth-${id}-redrive` }))).QueueUrl!;
  const m = createMetrics();
  const sampler = startSqsDepthSampler({ sqs, queueUrl: main, metrics: m, log, minIntervalMs: 0 });
  try {
    await sendBodies(sqs, main, ['a', 'b', 'c']);
    await sendBodies(sqs, dead, ['x', 'y']);
    assert.equal(await gauge(m, 'sqsMessages'), { 'main/visible': 3, 'main/in_flight': 0, 'main/delayed': 0 }, 'no policy: no redrive series');

    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dead, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: main, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 5 }) } }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: main, MaxNumberOfMessages: 1 }));
    assert.is(got.Messages?.length, 1);
    assert.equal(await gauge(m, 'sqsMessages'), {
      'main/visible': 2, 'main/in_flight': 1, 'main/delayed': 0,
      'redrive/visible': 2, 'redrive/in_flight': 0, 'redrive/delayed': 0,
    });
  } finally {
    sampler.stop();
    await sqs.send(new DeleteQueueCommand({ QueueUrl: main })).catch(() => {});
    await sqs.send(new DeleteQueueCommand({ QueueUrl: dead })).catch(() => {});
  }
});

test.run();
