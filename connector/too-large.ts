// The dead letter for an SQS message whose body the raw topic cannot take: its headers only.
// The body itself stays in SQS, so nothing is lost; this record makes it visible and countable.
import { deadLetter, type DeadLetterRecord } from '../lib/records/dead-letter.js';
import { HEADER_MESSAGE_ID } from '../lib/records/headers.js';
import type { RawRecord } from './raw-record.js';

/** What the dead letter names as its source: the queue, not a Kafka topic. */
export const SQS_SOURCE_TOPIC = 'sqs';

export function tooLargeDeadLetter(record: RawRecord, bytes: number, limit: number, rawTopic: string): DeadLetterRecord {
  const message = `record of about ${bytes} bytes exceeds max.message.bytes ${limit} of topic ${rawTopic}; the message stays in SQS and moves to its redrive queue`;
  const source = { topic: SQS_SOURCE_TOPIC, key: Buffer.from(record.key, 'utf8'), value: null, headers: record.headers, timestamp: record.timestamp };
  return deadLetter(source, 'too_large', message, record.headers[HEADER_MESSAGE_ID], { withoutValue: true });
}
