// A world of its own on the local stack, for a test or a benchmark step: a fresh queue, topics,
// consumer groups, Postgres schema and HMAC key, so that runs never see each other, and the
// environment that points loginpipe's services at them.
import { randomBytes, randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../lib/sqs/client.js';
import { openDb } from '../lib/postgres/db.js';
import { KAFKA_BROKER } from './kafka.js';
import { SQS_ENDPOINT } from './elasticmq.js';
import { DATABASE_URL } from './postgres.js';
import { CCOMPAT_URL } from './registry.js';

export const sqs = createSqsClient({ endpoint: SQS_ENDPOINT, region: 'us-east-1' });
export const db = openDb(DATABASE_URL, 2);

export interface World {
  id: string;
  env: Record<string, string>;
  queueUrl: string;
  schema: string;
  hmacKey: Buffer;
  cleanup(): Promise<void>;
}

/** `fifo`: the world's queue is a FIFO queue (its name ends in .fifo). */
export async function newWorld(label: string, extraEnv: Record<string, string> = {}, opts: { fifo?: boolean } = {}): Promise<World> {
  const id = `${label}-${randomUUID().slice(0, 8)}`;
  const safe = id.replace(/[^a-z0-9]/g, '_');
  const queue = await sqs.send(new CreateQueueCommand(opts.fifo
    ? { QueueName: `q-${id}.fifo`, Attributes: { VisibilityTimeout: '30', FifoQueue: 'true' } }
    : { QueueName: `q-${id}`, Attributes: { VisibilityTimeout: '30' } }));
  const queueUrl = queue.QueueUrl!;
  const hmacKey = randomBytes(32);
  const schema = `t_${safe}`;
  const env: Record<string, string> = {
    KAFKA_BROKERS: KAFKA_BROKER,
    RAW_TOPIC: `raw.${id}`,
    CLEAN_TOPIC: `clean.${id}`,
    DLQ_TOPIC: `dlq.${id}`,
    TOPIC_PARTITIONS: '4',
    PROCESSOR_GROUP_ID: `processor-${id}`,
    SINK_GROUP_ID: `sink-${id}`,
    SQS_QUEUE_URL: queueUrl,
    SQS_ENDPOINT,
    SQS_WAIT_TIME_SECONDS: '1',
    SCHEMA_REGISTRY_URL: CCOMPAT_URL,
    DATABASE_URL,
    DATABASE_SCHEMA: schema,
    PII_HMAC_KEY: hmacKey.toString('base64'),
    LOG_LEVEL: 'info',
    // Several instances share this machine: let each health server take any free port.
    CONNECTOR_HEALTH_PORT: '0',
    PROCESSOR_HEALTH_PORT: '0',
    SINK_HEALTH_PORT: '0',
    ...extraEnv,
  };
  return {
    id, env, queueUrl, schema, hmacKey,
    async cleanup() {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => {});
      await db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [schema]);
    },
  };
}
