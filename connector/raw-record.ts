// An SQS message as a raw-topic record: the body untouched, SQS's metadata in headers, keyed by
// message id (spreads load evenly; ordering across users does not matter for logins).
import type { Message } from '@aws-sdk/client-sqs';
import { HEADER_MESSAGE_ID, HEADER_RECEIVE_COUNT, HEADER_SENT_TIMESTAMP } from '../lib/records/headers.js';

export interface RawRecord {
  key: string;
  value: string;
  timestamp?: string;
  headers: Record<string, string>;
}

/** Size of a record batch holding just this record, with room for the batch header. */
export const BATCH_OVERHEAD_BYTES = 512;

export function toRawRecord(m: Message): RawRecord {
  const id = m.MessageId ?? '';
  const headers: Record<string, string> = { [HEADER_MESSAGE_ID]: id };
  const sent = m.Attributes?.SentTimestamp;
  if (sent !== undefined) headers[HEADER_SENT_TIMESTAMP] = sent;
  const received = m.Attributes?.ApproximateReceiveCount;
  if (received !== undefined) headers[HEADER_RECEIVE_COUNT] = received;
  return {
    key: id,
    value: m.Body ?? '',
    // The record's own timestamp is the time the login was sent, so time-based retention and
    // kcat's view agree with the event, not with when the connector got to it.
    timestamp: sent,
    headers,
  };
}
