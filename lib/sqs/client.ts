// SQS client construction and the few queue operations the CLI, demo and tests share.
import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';

export interface SqsConfig {
  endpoint: string | undefined;
  region: string;
}

export function createSqsClient(cfg: SqsConfig): SQSClient {
  // A local SQS server takes any credentials; asking the AWS chain for them there would fail on
  // a machine with none. With no endpoint set, the SDK's own chain applies as usual.
  const local = cfg.endpoint !== undefined && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE;
  return new SQSClient({
    region: cfg.region,
    endpoint: cfg.endpoint,
    credentials: local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
  });
}

/** Sends bodies in batches of 10, a few batches at a time; returns the message ids in order. */
export async function sendBodies(sqs: SQSClient, queueUrl: string, bodies: string[], concurrency = 8, onSent?: (sent: number) => void): Promise<string[]> {
  let sent = 0;
  const ids: string[] = new Array(bodies.length);
  let next = 0;
  async function worker() {
    for (;;) {
      const start = next;
      next += 10;
      if (start >= bodies.length) return;
      const slice = bodies.slice(start, start + 10);
      const res = await sqs.send(new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: slice.map((body, i) => ({ Id: String(i), MessageBody: body })),
      }));
      if (res.Failed && res.Failed.length > 0) {
        throw new Error(`SQS refused ${res.Failed.length} of ${slice.length} messages (${res.Failed[0]?.Code}: ${res.Failed[0]?.Message}) on ${queueUrl}`);
      }
      for (const ok of res.Successful ?? []) ids[start + Number(ok.Id)] = ok.MessageId ?? '';
      sent += slice.length;
      onSent?.(sent);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
}

/**
 * Sends to a FIFO queue, each body in the message group of the same index, with a deduplication
 * id of its own; returns the message ids in order. One batch at a time: batches sent side by side
 * could reach SQS out of order, and the order SQS stores within a group is the order it keeps.
 */
export async function sendGrouped(sqs: SQSClient, queueUrl: string, bodies: string[], groups: string[], onSent?: (sent: number) => void): Promise<string[]> {
  if (groups.length !== bodies.length) throw new Error(`${bodies.length} bodies but ${groups.length} message groups`);
  const ids: string[] = [];
  for (let start = 0; start < bodies.length; start += 10) {
    const slice = bodies.slice(start, start + 10);
    const res = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: slice.map((body, i) => ({ Id: String(i), MessageBody: body, MessageGroupId: groups[start + i], MessageDeduplicationId: randomUUID() })),
    }));
    if (res.Failed && res.Failed.length > 0) {
      throw new Error(`SQS refused ${res.Failed.length} of ${slice.length} messages (${res.Failed[0]?.Code}: ${res.Failed[0]?.Message}) on ${queueUrl}`);
    }
    for (const ok of res.Successful ?? []) ids[start + Number(ok.Id)] = ok.MessageId ?? '';
    onSent?.(start + slice.length);
  }
  return ids;
}

/** Messages waiting plus messages received but not yet deleted. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const res = await sqs.send(new GetQueueAttributesCommand({
    QueueUrl: queueUrl,
    AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
  }));
  const a = res.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
