// An SQS message as a raw-topic record: the body untouched, SQS's metadata in headers. From a
// standard queue it is keyed by message id (spreads load evenly; a standard queue keeps no order
// to lose). From a FIFO queue it is keyed by MessageGroupId, so that a group's messages share one
// raw partition, where the processor reads them in the order SQS gave them out. Either way a
// redelivered copy lands on its original's partition, where the duplicate filter looks for it.
import type { Message } from '@aws-sdk/client-sqs';
import { HEADER_MESSAGE_GROUP_ID, HEADER_MESSAGE_ID, HEADER_RECEIVE_COUNT, HEADER_SENT_TIMESTAMP } from '../lib/records/headers.js';

export interface RawRecord {
  key: string;
  value: string;
  timestamp?: string;
  headers: Record<string, string>;
}

/** Size of a record batch holding just this record, with room for the batch header. */
export const BATCH_OVERHEAD_BYTES = 512;

/** A FIFO queue's name ends in `.fifo` (SQS refuses the suffix on a standard queue). */
export function isFifoQueueUrl(queueUrl: string): boolean {
  let path: string;
  try {
    path = new URL(queueUrl).pathname;
  } catch {
    return false;
  }
  return path.replace(/\/+$/, '').endsWith('.fifo');
}

/** The system attributes to ask SQS for: toRawRecord reads these and no others. */
export function receiveAttributes(fifo: boolean): ('SentTimestamp' | 'ApproximateReceiveCount' | 'MessageGroupId')[] {
  return fifo ? ['SentTimestamp', 'ApproximateReceiveCount', 'MessageGroupId'] : ['SentTimestamp', 'ApproximateReceiveCount'];
}

export function toRawRecord(m: Message, fifo = false): RawRecord {
  const id = m.MessageId ?? '';
  const headers: Record<string, string> = { [HEADER_MESSAGE_ID]: id };
  // SQS always gives a FIFO message its group; were it missing, the message id keeps it keyed.
  const group = fifo ? m.Attributes?.MessageGroupId : undefined;
  if (group !== undefined && group !== '') headers[HEADER_MESSAGE_GROUP_ID] = group;
  const sent = m.Attributes?.SentTimestamp;
  if (sent !== undefined) headers[HEADER_SENT_TIMESTAMP] = sent;
  const received = m.Attributes?.ApproximateReceiveCount;
  if (received !== undefined) headers[HEADER_RECEIVE_COUNT] = received;
  return {
    key: group !== undefined && group !== '' ? group : id,
    value: m.Body ?? '',
    // The record's own timestamp is the time the login was sent, so time-based retention and
    // kcat's view agree with the event, not with when the connector got to it.
    timestamp: sent,
    headers,
  };
}
