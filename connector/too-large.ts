// A message whose body the raw topic cannot take gets one dead letter (headers only: the body
// cannot go to Kafka), and the body itself is kept in SQS, so nothing is lost:
// - with a redrive queue (the queue's RedrivePolicy), the connector moves the message there as
//   soon as its dead letter is acknowledged: it is not received again, so it is dead-lettered
//   once, and it is in the redrive queue at once rather than after maxReceiveCount receives.
//   A copy is sent first and the original deleted after, so a failure in between leaves two
//   copies (and a second dead letter on the next receive), never none.
// - without one, the message stays where it is and only its first receive is dead-lettered.
import { DeleteMessageCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { deadLetter, type DeadLetterRecord } from '../lib/records/dead-letter.js';
import { HEADER_MESSAGE_ID } from '../lib/records/headers.js';
import type { RawRecord } from './raw-record.js';

/** What the dead letter names as its source: the queue, not a Kafka topic. */
export const SQS_SOURCE_TOPIC = 'sqs';

export function tooLargeDeadLetter(record: RawRecord, bytes: number, limit: number, rawTopic: string, redriveQueueUrl: string | undefined): DeadLetterRecord {
  const where = redriveQueueUrl === undefined ? 'the message stays in SQS (its queue has no redrive queue)' : `the message is moved to the redrive queue ${redriveQueueUrl}`;
  const message = `record of about ${bytes} bytes exceeds max.message.bytes ${limit} of topic ${rawTopic}; ${where}`;
  const source = { topic: SQS_SOURCE_TOPIC, key: Buffer.from(record.key, 'utf8'), value: null, headers: record.headers, timestamp: record.timestamp };
  return deadLetter(source, 'too_large', message, record.headers[HEADER_MESSAGE_ID], { withoutValue: true });
}

/**
 * Whether this receive of a too-large message needs its dead letter. With a redrive queue every
 * receive does (a message seen again was not moved, so its move may have failed after the dead
 * letter: a second one is the price of never having none). Without one the message comes back
 * after every visibility timeout: only the first receive writes it.
 */
export function needsDeadLetter(m: Message, redriveQueueUrl: string | undefined): boolean {
  if (redriveQueueUrl !== undefined) return true;
  const received = Number(m.Attributes?.ApproximateReceiveCount ?? '1');
  return !(received > 1);
}

/** Copies the message to the redrive queue, then deletes it from its queue. */
export async function moveToRedriveQueue(sqs: SQSClient, queueUrl: string, redriveQueueUrl: string, m: Message): Promise<void> {
  const id = m.MessageId ?? '';
  // A FIFO redrive queue wants a group and a deduplication id; the message's own id serves both
  // (order across moved messages does not matter, and a repeated move is dropped by SQS).
  const fifo = redriveQueueUrl.endsWith('.fifo') ? { MessageGroupId: id, MessageDeduplicationId: id } : {};
  await sqs.send(new SendMessageCommand({
    QueueUrl: redriveQueueUrl,
    MessageBody: m.Body ?? '',
    MessageAttributes: { [HEADER_MESSAGE_ID]: { DataType: 'String', StringValue: id } },
    ...fifo,
  }));
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
}
