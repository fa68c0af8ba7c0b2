// Is a raw body an SNS envelope, and if so, which event does it carry? SNS delivers to an SQS
// subscription without raw message delivery as a JSON object whose `Message` is the published
// event as a string. Unwrapping happens here, in the processor, not in the connector: the
// connector's promise is to publish SQS bodies byte for byte, so the raw topic, a dead letter and
// a replay all keep what SQS handed out, and SQS_BODY_FORMAT can be changed on a restart of the
// processor alone, over records already in the raw topic.
//
// SQS_BODY_FORMAT:
//  raw   every body is the event itself (the old behaviour).
//  sns   every body must be a Notification envelope; anything else is invalid_sns_envelope.
//  auto  a body is taken for an envelope only when it claims to be one: an object with own
//        `Type` and `TopicArn` keys and none of the login event's required fields (user_id, ip,
//        device_id). A login event, which must hold all three, is never read as an envelope, and
//        unknown extra fields named like SNS's do not change that. A body that claims to be an
//        envelope and is not a well-formed Notification is invalid_sns_envelope.
//
// A well-formed Notification has, as own properties: Type "Notification", MessageId (1-128
// visible ASCII characters), TopicArn (an SNS topic ARN) and Message (a string). Other keys
// (Timestamp, Subject, MessageAttributes, the signature's) are not read. The event inside is not
// unwrapped again: an envelope in an envelope is a login without its fields. The signature is not
// verified (docs/security.md says why). Messages name the key and the rule, never a value.

export const BODY_FORMATS = ['raw', 'sns', 'auto'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];

export interface SnsNotification {
  /** SNS's id of the publication (not the SQS message id, which stays the event id). */
  messageId: string;
  topicArn: string;
  /** The published event, as the string SNS carried. */
  message: string;
}

export type BodyReading =
  | { kind: 'event' }
  | { kind: 'sns'; notification: SnsNotification }
  | { kind: 'invalid'; message: string };

const EVENT = { kind: 'event' } as const;
const LOGIN_FIELDS = ['user_id', 'ip', 'device_id'] as const;
const OTHER_SNS_TYPES = new Set(['SubscriptionConfirmation', 'UnsubscribeConfirmation']);
const MESSAGE_ID = /^[\x21-\x7e]{1,128}$/;
// arn:<partition>:sns:<region>:<account>:<topic>, topic names as SNS allows them (FIFO ones end in .fifo).
const TOPIC_ARN = /^arn:aws[a-z-]{0,16}:sns:[a-z0-9-]{1,32}:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const hasOwn = Object.hasOwn;

/** What `parsed` (a body's JSON value) holds under `format`. */
export function readBody(parsed: unknown, format: BodyFormat): BodyReading {
  if (format === 'raw') return EVENT;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return format === 'sns' ? invalid(`body is a JSON ${parsed === null ? 'null' : Array.isArray(parsed) ? 'array' : typeof parsed}, not an SNS envelope`) : EVENT;
  }
  const o = parsed as Record<string, unknown>;
  if (format === 'auto' && !claimsEnvelope(o)) return EVENT;
  return notification(o);
}

function claimsEnvelope(o: Record<string, unknown>): boolean {
  return hasOwn(o, 'Type') && hasOwn(o, 'TopicArn') && !LOGIN_FIELDS.some((f) => hasOwn(o, f));
}

function notification(o: Record<string, unknown>): BodyReading {
  const type = own(o, 'Type');
  if (type !== 'Notification') {
    if (typeof type === 'string' && OTHER_SNS_TYPES.has(type)) {
      return invalid(`an SNS ${type}, not a Notification: it carries no event (confirm or ignore the subscription)`);
    }
    return invalid(typeof type === 'string' ? 'Type: not "Notification"' : 'Type: missing or not a string');
  }
  const messageId = own(o, 'MessageId');
  if (typeof messageId !== 'string' || !MESSAGE_ID.test(messageId)) return invalid('MessageId: missing, or not 1-128 visible ASCII characters');
  const topicArn = own(o, 'TopicArn');
  if (typeof topicArn !== 'string' || !TOPIC_ARN.test(topicArn)) return invalid('TopicArn: missing, or not an SNS topic ARN');
  const message = own(o, 'Message');
  if (typeof message !== 'string') return invalid('Message: missing or not a string');
  return { kind: 'sns', notification: { messageId, topicArn, message } };
}

function own(o: Record<string, unknown>, key: string): unknown {
  return hasOwn(o, key) ? o[key] : undefined;
}

function invalid(message: string): BodyReading {
  return { kind: 'invalid', message };
}

/** Whether a string holds an unpaired UTF-16 surrogate, which has no UTF-8 form. */
export function hasUnpairedSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1); // NaN past the end
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else return true;
  }
  return false;
}
