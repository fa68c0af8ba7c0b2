// How `tail` and `dlq show` present one record: as an object (for --json) and as one line for a
// person. Pure. Clean records show masks only (that is all they hold); raw and dead-letter
// values hold clear PII, so they appear only when the caller asks for them (`showValue`).
import type { UserLogin } from '../../lib/records/user-login.js';
import type { ParsedDeadLetter } from '../../lib/records/dead-letter.js';

export interface RecordPlace { partition: number; offset: string; timestamp: string | undefined }

function when(timestamp: string | undefined): string {
  const ms = Number(timestamp);
  return timestamp !== undefined && Number.isFinite(ms) && ms >= 0 && ms < 8.64e15 ? new Date(ms).toISOString() : '-';
}

// C0 and C1 controls, DEL, the line and paragraph separators, and every bidi formatting
// character (marks, embeddings, overrides, isolates): each can make a printed line show what it
// does not hold, or start a second line.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
// What JSON.stringify leaves raw among those.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** Text from outside (ids, user ids, messages) can hold control characters: never let them reach a terminal raw. */
export function plain(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return quoted(text);
}

/** Text in quotes, with every control and bidi character escaped. */
export function quoted(text: string): string {
  return safeJson(text);
}

/** JSON.stringify, with the control and bidi characters it leaves raw escaped too (same value). */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const field = (name: string, v: string | number | null | undefined) => `${name}=${v === null || v === undefined ? '-' : typeof v === 'number' ? v : plain(v)}`;

export function cleanView(at: RecordPlace, record: UserLogin): { json: object; line: string } {
  const json = { partition: at.partition, offset: at.offset, timestamp: when(at.timestamp), ...record, login_time: when(String(record.login_time)) };
  const line = [
    `${at.partition}/${at.offset}`, when(String(record.login_time)),
    field('event_id', record.event_id), field('user_id', record.user_id), field('masked_ip', record.masked_ip),
    field('masked_device_id', record.masked_device_id), field('device_type', record.device_type),
    field('locale', record.locale), field('app_version', record.app_version),
  ].join('  ');
  return { json, line };
}

export function undecodableView(at: RecordPlace, reason: string): { json: object; line: string } {
  return { json: { partition: at.partition, offset: at.offset, timestamp: when(at.timestamp), undecodable: reason }, line: `${at.partition}/${at.offset}  ${when(at.timestamp)}  undecodable: ${plain(reason)}` };
}

export function rawView(at: RecordPlace, messageId: string | undefined, value: Buffer | null, showValue: boolean): { json: object; line: string } {
  const bytes = value?.length ?? 0;
  const json: Record<string, unknown> = { partition: at.partition, offset: at.offset, timestamp: when(at.timestamp), message_id: messageId ?? null, bytes };
  const parts = [`${at.partition}/${at.offset}`, when(at.timestamp), field('message_id', messageId), `${bytes} bytes`];
  if (showValue) {
    json.value = value?.toString('utf8') ?? null;
    parts.push(value === null ? 'value=-' : `value=${quoted(value.toString('utf8'))}`);
  }
  return { json, line: parts.join('  ') };
}

export function deadLetterView(d: ParsedDeadLetter, timestamp: string | undefined, replayOf: string | undefined, showValue: boolean): { json: object; line: string } {
  const source = `${d.source.topic}${d.source.partition !== undefined ? `/${d.source.partition}` : ''}${d.source.offset !== undefined ? `/${d.source.offset}` : ''}`;
  const json: Record<string, unknown> = {
    partition: d.at.partition, offset: d.at.offset, timestamp: when(timestamp), code: d.code, known_code: d.known, message: d.message,
    source: d.source, message_id: d.messageId ?? null, replay_of: replayOf ?? null, bytes: d.value?.length ?? null,
  };
  const parts = [`${d.at.partition}/${d.at.offset}`, when(timestamp), d.known ? d.code : `${plain(d.code)}(unknown code)`, quoted(d.message), `from ${plain(source)}`, field('message_id', d.messageId)];
  if (replayOf !== undefined) parts.push(field('replay.of', replayOf));
  parts.push(d.value === null ? 'no value' : `${d.value.length} bytes`);
  if (showValue) {
    json.value = d.value?.toString('utf8') ?? null;
    if (d.value !== null) parts.push(`value=${quoted(d.value.toString('utf8'))}`);
  }
  return { json, line: parts.join('  ') };
}
