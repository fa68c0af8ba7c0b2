// The Kafka header names the services agree on, and how to read one. The connector writes the
// sqs.* headers; the processor adds the sns.* ones when it unwraps an SNS envelope; whoever
// dead-letters a record adds the error.* and source.* ones; a replayed dead letter carries replay.of.
// Tools (kcat, `loginpipe tail`, `dlq`) read them by these names.

/** SQS message id: the event's id, used to deduplicate and as the row's primary key. */
export const HEADER_MESSAGE_ID = 'sqs.message_id';
/** SQS SentTimestamp (ms since the epoch, decimal): the login time. */
export const HEADER_SENT_TIMESTAMP = 'sqs.sent_timestamp';
/** SQS ApproximateReceiveCount when the connector received it. */
export const HEADER_RECEIVE_COUNT = 'sqs.receive_count';
/** SQS MessageGroupId, on a record from a FIFO queue (whose raw records are keyed by it). */
export const HEADER_MESSAGE_GROUP_ID = 'sqs.message_group_id';

/** On a clean record or dead letter whose body was an SNS envelope: SNS's MessageId... */
export const HEADER_SNS_MESSAGE_ID = 'sns.message_id';
/** ...and the TopicArn it was published to. The event id stays the SQS message id. */
export const HEADER_SNS_TOPIC_ARN = 'sns.topic_arn';

/** A dead letter's reason, one of DEAD_LETTER_CODES. */
export const HEADER_ERROR_CODE = 'error.code';
/** A dead letter's reason in words; never echoes a clear value. */
export const HEADER_ERROR_MESSAGE = 'error.message';
/** Where the dead-lettered record was read: topic (or `sqs`), partition and offset. */
export const HEADER_SOURCE_TOPIC = 'source.topic';
export const HEADER_SOURCE_PARTITION = 'source.partition';
export const HEADER_SOURCE_OFFSET = 'source.offset';
/** On a raw record written back by `dlq replay`: the dead letter's topic/partition/offset. */
export const HEADER_REPLAY_OF = 'replay.of';

/** Kafka header values arrive as Buffer, string, arrays or undefined; this reads one as text. */
export function headerText(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined || first === null) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}
