// A fault-test world: the harness's world (unique queue, topics, groups, schema, HMAC key) plus a
// redrive queue behind the world's queue, and the short timeouts that keep redelivery after a
// crash quick. A message received maxReceiveCount times without being deleted ends up in the
// redrive queue, where the pipeline never sees it again: the suite counts it as lost.
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { newWorld, sqs, type World } from '../integration/harness.js';

export const VISIBILITY_TIMEOUT_SECONDS = 10;
export const MAX_RECEIVE_COUNT = 5;
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface FaultWorld extends World {
  redriveUrl: string;
}

/**
 * `env` overrides the world's settings, e.g. KAFKA_BROKERS of a test cluster; `visibilityTimeoutSeconds`
 * is the queue's (and the connector's), e.g. production's 30 s for the long outages; `fifo` makes
 * the queue a FIFO queue.
 */
export async function newFaultWorld(label: string, env: Record<string, string> = {}, visibilityTimeoutSeconds = VISIBILITY_TIMEOUT_SECONDS, opts: { fifo?: boolean } = {}): Promise<FaultWorld> {
  const world = await newWorld(label, {
    SQS_VISIBILITY_TIMEOUT_SECONDS: String(visibilityTimeoutSeconds),
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    ...env,
  }, opts);
  // For diagnosing a failure: the services' own debug lines (each dropped or dead-lettered record).
  if (process.env.FAULT_LOG_LEVEL) world.env.LOG_LEVEL = process.env.FAULT_LOG_LEVEL;
  // ...and node flags for the services, e.g. a --require hook that traces what a stuck service does.
  if (process.env.FAULT_NODE_OPTIONS) world.env.NODE_OPTIONS = process.env.FAULT_NODE_OPTIONS;
  let redriveUrl: string | undefined;
  try {
    // A FIFO queue's redrive queue must be a FIFO queue too.
    const redrive = await sqs.send(new CreateQueueCommand(opts.fifo
      ? { QueueName: `q-${world.id}-redrive.fifo`, Attributes: { FifoQueue: 'true' } }
      : { QueueName: `q-${world.id}-redrive` }));
    redriveUrl = redrive.QueueUrl!;
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: redriveUrl, AttributeNames: ['QueueArn'] }));
    const arn = attrs.Attributes?.QueueArn;
    if (!arn) throw new Error(`the SQS server gave no QueueArn for ${redriveUrl}`);
    await sqs.send(new SetQueueAttributesCommand({
      QueueUrl: world.queueUrl,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: String(MAX_RECEIVE_COUNT) }),
      },
    }));
    const check = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: world.queueUrl, AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'] }));
    if (!check.Attributes?.RedrivePolicy?.includes(arn) || check.Attributes.VisibilityTimeout !== String(visibilityTimeoutSeconds)) {
      throw new Error(`the SQS server did not keep the redrive policy or visibility timeout: ${JSON.stringify(check.Attributes)}`);
    }
  } catch (err) {
    if (redriveUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: redriveUrl })).catch(() => {});
    await world.cleanup();
    throw err;
  }
  const url = redriveUrl;
  return {
    ...world,
    redriveUrl: url,
    async cleanup() {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
      await world.cleanup();
    },
  };
}
