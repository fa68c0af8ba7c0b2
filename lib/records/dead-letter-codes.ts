// Why a record went to the dead-letter topic: a closed list, so that people can count and alert
// on each reason. The README's table and the tests iterate this array; add a code here (with its
// description) before any code path can use it.

export const DEAD_LETTER_CODES = [
  { code: 'invalid_encoding', description: 'the body bytes are not valid UTF-8 (or start with a byte order mark), or a string escapes an unpaired UTF-16 surrogate' },
  { code: 'invalid_json', description: 'the record has no body, or the body is not a JSON text' },
  { code: 'not_an_object', description: 'the body is JSON but not an object (an array, string, number, boolean or null)' },
  { code: 'missing_field', description: 'a required field (user_id, ip, device_id) is absent or null' },
  { code: 'invalid_type', description: 'a field holds a JSON value of the wrong type (e.g. a number where a string is required); nothing is converted' },
  { code: 'empty_value', description: 'a required field is an empty string or only whitespace' },
  { code: 'too_long', description: 'a string field has more characters than its column allows (user_id 128, device_id 256, device_type 32, locale 32)' },
  { code: 'contains_nul', description: 'a string field contains the NUL character (U+0000), which Postgres text cannot store' },
  { code: 'invalid_ip', description: 'ip is not an IPv4 dotted quad or an IPv6 address' },
  { code: 'invalid_app_version', description: 'app_version is not one to three dot-separated integers 0-999' },
  { code: 'invalid_sns_envelope', description: 'the body is an SNS envelope, or must be one (SQS_BODY_FORMAT=sns), but is not a well-formed Notification (Type, MessageId, TopicArn, Message)' },
  { code: 'missing_metadata', description: 'the raw record lacks the sqs.message_id header or a usable timestamp' },
  { code: 'invalid_avro', description: 'the sink could not decode a record from the clean topic' },
  { code: 'unstorable_record', description: 'the sink decoded a clean record that user_logins cannot hold: an empty event_id, a value longer than its column, a NUL character, an app_version that is not a version, or a login_time before year 1 (written by another producer or an older processor)' },
  { code: 'rejected_by_database', description: 'Postgres refused the row' },
  { code: 'too_large', description: 'the body is larger than the pipeline accepts (1 MiB), or than the raw topic\'s max.message.bytes: then the dead letter has no value, is written once, and the message is moved to its queue\'s redrive queue (left in the queue when it has none)' },
] as const satisfies readonly { code: string; description: string }[];

export type DeadLetterCode = (typeof DEAD_LETTER_CODES)[number]['code'];

const KNOWN: ReadonlySet<string> = new Set(DEAD_LETTER_CODES.map((c) => c.code));

/** True for a code on the list; for reading codes back from dead-letter headers. */
export function isDeadLetterCode(text: string): text is DeadLetterCode {
  return KNOWN.has(text);
}
