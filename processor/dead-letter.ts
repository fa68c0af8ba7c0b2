// The dead-letter record: the rejected bytes verbatim, the original headers, and headers saying
// why and where from, so a person with kcat can find, count and replay them.
import { HEADER_MESSAGE_ID } from '../connector/raw-record.js';
import type { DeadLetterCode } from './dead-letter-codes.js';

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
}

type HeaderValue = Buffer | string | (Buffer | string)[];

export interface DeadLetterRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, HeaderValue>;
}

export function deadLetter(source: DeadLetterSource, code: DeadLetterCode, message: string, messageId: string | undefined): DeadLetterRecord {
  const headers: Record<string, HeaderValue> = {};
  for (const [k, v] of Object.entries(source.headers ?? {})) {
    // A header Kafka carried several times stays several values, so a replay sees what we saw.
    if (Buffer.isBuffer(v) || typeof v === 'string') headers[k] = v;
    else if (Array.isArray(v)) headers[k] = v.filter((x): x is Buffer | string => Buffer.isBuffer(x) || typeof x === 'string');
  }
  headers['error.code'] = code;
  headers['error.message'] = message;
  headers['source.topic'] = source.topic;
  headers['source.partition'] = String(source.partition);
  headers['source.offset'] = source.offset;
  if (messageId !== undefined) headers[HEADER_MESSAGE_ID] = messageId;
  return { key: source.key, value: source.value, headers };
}
