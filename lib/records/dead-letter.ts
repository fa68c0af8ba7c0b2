// The dead-letter record, built in one place and read back in one place. A dead letter keeps the
// rejected bytes verbatim (or no value, when the body could not go to Kafka at all), the original
// headers, and headers saying why and where from, so a person with kcat, or `loginpipe dlq`, can
// find, count and replay them.
import type { DeadLetterCode } from './dead-letter-codes.js';
import { isDeadLetterCode } from './dead-letter-codes.js';
import {
  HEADER_ERROR_CODE, HEADER_ERROR_MESSAGE, HEADER_MESSAGE_ID, HEADER_SOURCE_OFFSET, HEADER_SOURCE_PARTITION, HEADER_SOURCE_TOPIC, headerText,
} from './headers.js';

/** Where a rejected record came from: a Kafka record, or (topic `sqs`) an SQS message. */
export interface DeadLetterSource {
  topic: string;
  /** Absent for a record that never was in Kafka (an SQS message too large for the raw topic). */
  partition?: number;
  offset?: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
  timestamp?: string;
}

type HeaderValue = Buffer | string | (Buffer | string)[];

export interface DeadLetterRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestamp?: string;
  headers: Record<string, HeaderValue>;
}

/** Headers this module writes; a producer's own copies of them are replaced, never trusted. */
const OUR_HEADERS = [HEADER_ERROR_CODE, HEADER_ERROR_MESSAGE, HEADER_SOURCE_TOPIC, HEADER_SOURCE_PARTITION, HEADER_SOURCE_OFFSET] as const;

/**
 * The dead letter for `source`. With `withoutValue` the value is left off (its bytes could not
 * be carried); everything else is the same, so tools read both kinds alike.
 */
export function deadLetter(
  source: DeadLetterSource,
  code: DeadLetterCode,
  message: string,
  messageId: string | undefined,
  opts: { withoutValue?: boolean } = {},
): DeadLetterRecord {
  const headers: Record<string, HeaderValue> = {};
  for (const [k, v] of Object.entries(source.headers ?? {})) {
    if ((OUR_HEADERS as readonly string[]).includes(k)) continue;
    // A header Kafka carried several times stays several values, so a replay sees what we saw.
    if (Buffer.isBuffer(v) || typeof v === 'string') headers[k] = v;
    else if (Array.isArray(v)) headers[k] = v.filter((x): x is Buffer | string => Buffer.isBuffer(x) || typeof x === 'string');
  }
  headers[HEADER_ERROR_CODE] = code;
  headers[HEADER_ERROR_MESSAGE] = message;
  headers[HEADER_SOURCE_TOPIC] = source.topic;
  if (source.partition !== undefined) headers[HEADER_SOURCE_PARTITION] = String(source.partition);
  if (source.offset !== undefined) headers[HEADER_SOURCE_OFFSET] = source.offset;
  if (messageId !== undefined) headers[HEADER_MESSAGE_ID] = messageId;
  const record: DeadLetterRecord = { key: source.key, value: opts.withoutValue ? null : source.value, headers };
  if (source.timestamp !== undefined) record.timestamp = source.timestamp;
  return record;
}

/** A dead letter as read back from the dead-letter topic. */
export interface ParsedDeadLetter {
  /** Where the dead letter itself sits. */
  at: { topic: string; partition: number; offset: string };
  /** The code as written; `known` says whether it is on today's list. */
  code: string;
  known: boolean;
  message: string;
  source: { topic: string; partition?: number; offset?: string };
  messageId: string | undefined;
  key: Buffer | null;
  /** The rejected bytes; null for a dead letter made without a value (too_large). */
  value: Buffer | null;
  timestamp?: string;
  /** The headers the rejected record had, without the ones the dead letter added. */
  originalHeaders: Record<string, Buffer[]>;
}

export class NotADeadLetter extends Error {
  constructor(readonly at: { topic: string; partition: number; offset: string }, why: string) {
    super(`record at topic ${at.topic}, partition ${at.partition}, offset ${at.offset} is not a loginpipe dead letter: ${why}`);
    this.name = 'NotADeadLetter';
  }
}

export interface KafkaRecordLike {
  key: Buffer | null;
  value: Buffer | null;
  timestamp?: string;
  headers?: Record<string, unknown>;
}

/** Reads a dead-letter record; throws NotADeadLetter when its headers do not say why it is there. */
export function parseDeadLetter(record: KafkaRecordLike, at: { topic: string; partition: number; offset: string }): ParsedDeadLetter {
  const code = headerText(record.headers, HEADER_ERROR_CODE);
  if (code === undefined || code === '') throw new NotADeadLetter(at, `no ${HEADER_ERROR_CODE} header`);
  const sourceTopic = headerText(record.headers, HEADER_SOURCE_TOPIC);
  if (sourceTopic === undefined || sourceTopic === '') throw new NotADeadLetter(at, `no ${HEADER_SOURCE_TOPIC} header`);
  const partitionText = headerText(record.headers, HEADER_SOURCE_PARTITION);
  const offsetText = headerText(record.headers, HEADER_SOURCE_OFFSET);
  if (partitionText !== undefined && !/^\d{1,9}$/.test(partitionText)) throw new NotADeadLetter(at, `${HEADER_SOURCE_PARTITION} is not a partition number`);
  if (offsetText !== undefined && !/^\d{1,20}$/.test(offsetText)) throw new NotADeadLetter(at, `${HEADER_SOURCE_OFFSET} is not an offset`);

  const originalHeaders: Record<string, Buffer[]> = {};
  for (const [k, v] of Object.entries(record.headers ?? {})) {
    if ((OUR_HEADERS as readonly string[]).includes(k)) continue;
    const values = (Array.isArray(v) ? v : [v]).flatMap((x) => (Buffer.isBuffer(x) ? [x] : typeof x === 'string' ? [Buffer.from(x, 'utf8')] : []));
    if (values.length > 0) originalHeaders[k] = values;
  }
  const parsed: ParsedDeadLetter = {
    at,
    code,
    known: isDeadLetterCode(code),
    message: headerText(record.headers, HEADER_ERROR_MESSAGE) ?? '',
    source: { topic: sourceTopic },
    messageId: headerText(record.headers, HEADER_MESSAGE_ID),
    key: record.key,
    value: record.value,
    originalHeaders,
  };
  if (partitionText !== undefined) parsed.source.partition = Number(partitionText);
  if (offsetText !== undefined) parsed.source.offset = offsetText;
  if (record.timestamp !== undefined) parsed.timestamp = record.timestamp;
  return parsed;
}
