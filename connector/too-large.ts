// The dead letter for an SQS message whose body the raw topic cannot take: its headers only.
// The body itself stays in SQS, so nothing is lost; this record makes it visible and countable.
import type { RawRecord } from './raw-record.js';

export interface HeadersOnlyRecord {
  key: string;
  value: null;
  timestamp?: string;
  headers: Record<string, string>;
}

export function tooLargeDeadLetter(record: RawRecord, bytes: number, limit: number, rawTopic: string): HeadersOnlyRecord {
  return {
    key: record.key,
    value: null,
    timestamp: record.timestamp,
    headers: {
      ...record.headers,
      'error.code': 'too_large',
      'error.message': `record of about ${bytes} bytes exceeds max.message.bytes ${limit} of topic ${rawTopic}; the message stays in SQS and moves to its redrive queue`,
      'source.topic': 'sqs',
    },
  };
}
