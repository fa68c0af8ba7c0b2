// One raw-topic record in, one outcome out: a masked clean record, or a dead letter with its
// reason. Pure: no I/O, so the whole decision is testable from a table.
import type { UserLogin } from '../lib/records/user-login.js';
import { HEADER_MESSAGE_ID, HEADER_SENT_TIMESTAMP, HEADER_SNS_MESSAGE_ID, HEADER_SNS_TOPIC_ARN, headerText } from '../lib/records/headers.js';
import type { DeadLetterCode } from '../lib/records/dead-letter-codes.js';
import type { ExtraField, ExtraValues } from '../lib/records/clean-schema.js';
import type { SealedField } from '../lib/pii/hpke.js';
import { parseJsonBody, validateLogin, validateLoginValue, type Validation } from './validate.js';
import { hasUnpairedSurrogate, readBody, type BodyFormat } from './sns-envelope.js';

export interface RawInput {
  value: Buffer | null;
  headers?: Record<string, unknown>;
  /** Kafka record timestamp, ms as a decimal string (as kafkajs gives it). */
  timestamp: string;
}

/** Headers the outcome adds to its record: an SNS envelope's ids (sns.message_id, sns.topic_arn). */
export type OutcomeHeaders = Record<string, string>;

export type Outcome =
  /** `extra`: the values of the fields the clean schema adds, when it adds any. */
  | { kind: 'clean'; key: string; record: UserLogin; extra?: ExtraValues; headers?: OutcomeHeaders }
  | { kind: 'dead'; code: DeadLetterCode; message: string; messageId: string | undefined; headers?: OutcomeHeaders };

export type Masker = (canonical: string) => string;
/** Seals a clear value to the recovery key, bound to its field and the event id (lib/pii/hpke.ts BatchSealer). */
export type Sealer = (field: SealedField, clear: string, eventId: string) => Buffer;

export interface PiiOptions {
  /** PII_HMAC_KEY_ID of the masker's key, stored with the masks. */
  maskKeyId: string | null;
  /** With a recovery key: seals the canonical ip and the device id; null seals nothing. */
  seal: Sealer | null;
}

export const NO_PII_OPTIONS: PiiOptions = { maskKeyId: null, seal: null };

/**
 * `format` is SQS_BODY_FORMAT: whether a body may be an SNS envelope (processor/sns-envelope.ts);
 * `extras`: the fields the clean schema adds to the built-in ones (CLEAN_SCHEMA_FILE).
 */
export function transform(input: RawInput, mask: Masker, pii: PiiOptions = NO_PII_OPTIONS, format: BodyFormat = 'auto', extras: readonly ExtraField[] = []): Outcome {
  const messageId = headerText(input.headers, HEADER_MESSAGE_ID);
  if (messageId === undefined || messageId === '') {
    return { kind: 'dead', code: 'missing_metadata', message: `header ${HEADER_MESSAGE_ID} is missing: the event has no id to deduplicate by`, messageId };
  }
  const loginTime = loginTimeOf(input);
  if (loginTime === undefined) {
    return { kind: 'dead', code: 'missing_metadata', message: `neither header ${HEADER_SENT_TIMESTAMP} nor the record timestamp is a time`, messageId };
  }
  if (input.value === null) {
    return { kind: 'dead', code: 'invalid_json', message: 'record has no value', messageId };
  }
  const { v, headers } = readEvent(input.value, format, extras);
  if (!v.ok) return withHeaders({ kind: 'dead', code: v.code, message: v.message, messageId }, headers);
  const e = v.event;
  return withHeaders({
    kind: 'clean',
    key: e.userId,
    record: {
      event_id: messageId,
      user_id: e.userId,
      device_type: e.deviceType,
      masked_ip: mask(e.ip),
      masked_device_id: mask(e.deviceId),
      locale: e.locale,
      app_version: e.appVersion,
      login_time: loginTime,
      sealed_ip: pii.seal === null ? null : pii.seal('ip', e.ip, messageId),
      sealed_device_id: pii.seal === null ? null : pii.seal('device_id', e.deviceId, messageId),
      mask_key_id: pii.maskKeyId,
    },
    ...(e.extra === undefined ? {} : { extra: e.extra }),
  }, headers);
}

/**
 * The body's event, validated: the body itself, or the Message of the SNS envelope it is, whose
 * ids come back as headers for the clean record or the dead letter. Raw bodies are parsed once.
 */
function readEvent(body: Buffer, format: BodyFormat, extras: readonly ExtraField[]): { v: Validation; headers?: OutcomeHeaders } {
  const parsed = parseJsonBody(body);
  if (!parsed.ok) return { v: parsed };
  const reading = readBody(parsed.value, format);
  if (reading.kind === 'event') return { v: validateLoginValue(parsed.value, extras) };
  if (reading.kind === 'invalid') return { v: { ok: false, code: 'invalid_sns_envelope', message: reading.message } };
  const { messageId, topicArn, message } = reading.notification;
  const headers = { [HEADER_SNS_MESSAGE_ID]: messageId, [HEADER_SNS_TOPIC_ARN]: topicArn };
  // Buffer.from would quietly turn a lone surrogate into U+FFFD; the raw body's rule refuses it.
  if (hasUnpairedSurrogate(message)) {
    return { v: { ok: false, code: 'invalid_encoding', message: 'SNS Message: contains an unpaired UTF-16 surrogate (not valid Unicode)' }, headers };
  }
  const v = validateLogin(Buffer.from(message, 'utf8'), extras);
  return { v: v.ok ? v : { ...v, message: `SNS Message: ${v.message}` }, headers };
}

function withHeaders<T extends Outcome>(outcome: T, headers: OutcomeHeaders | undefined): T {
  return headers === undefined ? outcome : { ...outcome, headers };
}

/** Latest login time accepted: the end of year 9999, the last a YYYY-MM-DD date can name. */
const MAX_LOGIN_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The SQS sent time; a record that did not come through the connector falls back to its own timestamp. */
function loginTimeOf(input: RawInput): number | undefined {
  const sent = headerText(input.headers, HEADER_SENT_TIMESTAMP);
  for (const candidate of [sent, input.timestamp]) {
    if (candidate !== undefined && /^\d{1,15}$/.test(candidate)) {
      const ms = Number(candidate);
      if (ms > 0 && ms <= MAX_LOGIN_TIME_MS) return ms;
    }
  }
  return undefined;
}
