// What a fault scenario must end with, checked against what was sent, with oracles independent
// of loginpipe's code: node:crypto for the HMAC, WHATWG URL for canonical IPv6, avsc with the
// schema file (the contract) for clean records, and plain arithmetic for app_version.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { ROOT } from '../../lib/runtime/paths.js';
import type { SampleLogin } from '../../cli/sample-logins.js';
import type { ReadRecord } from '../../lib/kafka/topic-reader.js';
import type { SentEvent } from './stream.js';
import { canonicalIp, hmac, utcDay, versionNumber } from '../integration/oracles.js';


const cleanType = avro.Type.forSchema(JSON.parse(readFileSync(join(ROOT, 'schemas', 'user-login.avsc'), 'utf8')) as avro.Schema);

/** The event id inside a clean record: magic byte 0, 4-byte schema id, then the Avro body. */
export function cleanEventId(value: Buffer | null): string | undefined {
  if (value === null || value.length < 5 || value[0] !== 0) return undefined;
  try {
    return (cleanType.fromBuffer(value.subarray(5)) as { event_id: string }).event_id;
  } catch {
    return undefined;
  }
}

export interface Row {
  event_id: string;
  user_id: string;
  device_type: string | null;
  masked_ip: string;
  masked_device_id: string;
  locale: string | null;
  app_version: number | null;
  create_date: string;
}

export interface Observed {
  rows: Row[];
  clean: ReadRecord[];
  /** Only counted: how often the connector published an event twice (a redelivery). */
  raw: ReadRecord[];
  dead: ReadRecord[];
  queueLeft: number;
  redriveLeft: number;
}

export interface Tally {
  sent: number;
  valid: number;
  malformed: number;
  unconfirmed: number;
  rows: number;
  deadRecords: number;
  cleanRecords: number;
  /** Raw records beyond one per event id: copies the processor had to drop. */
  rawCopies: number;
  /** Clean records whose event id was already read in the clean topic. */
  cleanDuplicates: number;
  /** Sent events whose id is not in the raw topic: lost before the processor. */
  lostRaw: number;
  /** Raw partitions and offset ranges of the valid events missing from the clean topic. */
  cleanMissingAt: string;
  /** Valid events whose id is not in the clean topic. */
  lostClean: number;
  /** Rows beyond one per sent event id. */
  rowDuplicates: number;
  /** Valid events without a row. */
  lostRows: number;
  /** Malformed events without a dead-letter record. */
  lostDeadLetters: number;
  /** Dead-letter records beyond one per malformed event (each malformed event is dead-lettered exactly once). */
  extraDeadLetters: number;
  malformedWithRow: number;
  validDeadLettered: number;
  wrongRows: number;
  wrongCodes: number;
  /** Rows and dead letters of events the stream did not confirm but that landed anyway. */
  landedUnconfirmed: number;
  /** Rows, dead letters or clean records that match nothing sent: must be none. */
  strays: number;
  queueLeft: number;
  redriveLeft: number;
  /** The first few concrete problems, for the failure message. */
  problems: string[];
}

export function tally(key: Buffer, sent: SentEvent[], unconfirmed: SampleLogin[], o: Observed): Tally {
  const problems: string[] = [];
  const note = (p: string) => { if (problems.length < 15) problems.push(p); };

  const byId = new Map(sent.map((e) => [e.id, e]));
  const valid = sent.filter((e) => e.sample.expectedCode === undefined);
  const malformed = sent.filter((e) => e.sample.expectedCode !== undefined);
  const sentFrom = Math.min(...sent.map((e) => e.at)) - 60_000;
  const sentTo = Math.max(...sent.map((e) => e.at)) + 60_000;
  const days = new Set([utcDay(sentFrom), utcDay(sentTo)]);

  // Events the stream could not confirm, recognisable by content: user ids are random UUIDs.
  const unconfirmedUsers = new Set(unconfirmed.flatMap((s) => (s.fields ? [s.fields.user_id] : [])));
  const unconfirmedBodies = new Set(unconfirmed.map((s) => s.body));
  let landedUnconfirmed = 0;
  let strays = 0;

  // Rows.
  const rowsById = new Map<string, Row[]>();
  for (const row of o.rows) {
    const list = rowsById.get(row.event_id) ?? [];
    list.push(row);
    rowsById.set(row.event_id, list);
  }
  let rowDuplicates = 0;
  let lostRows = 0;
  let wrongRows = 0;
  let malformedWithRow = 0;
  for (const [id, list] of rowsById) {
    const e = byId.get(id);
    if (e) {
      rowDuplicates += list.length - 1;
      if (list.length > 1) note(`${list.length} rows for event ${id}`);
    } else if (list.every((r) => unconfirmedUsers.has(r.user_id))) {
      landedUnconfirmed++;
    } else {
      strays += list.length;
      note(`row for an event nobody sent: ${id}`);
    }
  }
  for (const e of valid) {
    const row = rowsById.get(e.id)?.[0];
    if (!row) {
      lostRows++;
      note(`no row for valid event ${e.id}`);
      continue;
    }
    const f = e.sample.fields!;
    const want: Row = {
      event_id: e.id,
      user_id: f.user_id,
      device_type: f.device_type,
      masked_ip: hmac(key, canonicalIp(f.ip)),
      masked_device_id: hmac(key, f.device_id),
      locale: f.locale,
      app_version: versionNumber(f.app_version),
      create_date: row.create_date,
    };
    if (JSON.stringify(row) !== JSON.stringify(want) || !days.has(row.create_date)) {
      wrongRows++;
      note(`row for ${e.id} is ${JSON.stringify(row)}, expected ${JSON.stringify({ ...want, create_date: [...days] })}`);
    }
  }
  for (const e of malformed) {
    if (rowsById.has(e.id)) {
      malformedWithRow++;
      note(`malformed event ${e.id} has a row`);
    }
  }

  // Dead letters.
  const deadById = new Map<string, ReadRecord[]>();
  for (const d of o.dead) {
    const id = d.headers['sqs.message_id'] ?? '';
    const list = deadById.get(id) ?? [];
    list.push(d);
    deadById.set(id, list);
  }
  let lostDeadLetters = 0;
  let wrongCodes = 0;
  let extraDeadLetters = 0;
  let validDeadLettered = 0;
  for (const e of malformed) {
    const list = deadById.get(e.id);
    if (!list) {
      lostDeadLetters++;
      note(`no dead letter for malformed event ${e.id} (${e.sample.expectedCode})`);
      continue;
    }
    extraDeadLetters += list.length - 1;
    for (const d of list) {
      if (d.headers['error.code'] !== e.sample.expectedCode || d.value?.toString('utf8') !== e.sample.body) {
        wrongCodes++;
        note(`dead letter for ${e.id} has code ${d.headers['error.code']}, expected ${e.sample.expectedCode}`);
      }
    }
  }
  for (const [id, list] of deadById) {
    const e = byId.get(id);
    if (e && e.sample.expectedCode === undefined) {
      validDeadLettered++;
      note(`valid event ${id} was dead-lettered with ${list[0]!.headers['error.code']}: ${list[0]!.headers['error.message']}`);
    } else if (!e) {
      if (list.every((d) => unconfirmedBodies.has(d.value?.toString('utf8') ?? ''))) landedUnconfirmed++;
      else {
        strays += list.length;
        note(`dead letter for an event nobody sent: ${id}`);
      }
    }
  }

  // The clean topic: no event id twice.
  const cleanSeen = new Set<string>();
  let cleanDuplicates = 0;
  for (const c of o.clean) {
    const id = cleanEventId(c.value);
    if (id === undefined) {
      strays++;
      note(`clean record ${c.partition}/${c.offset} is not a loginpipe clean record`);
      continue;
    }
    if (cleanSeen.has(id)) {
      cleanDuplicates++;
      note(`event ${id} repeats in the clean topic (partition ${c.partition}, offset ${c.offset})`);
    }
    cleanSeen.add(id);
  }

  let lostClean = 0;
  const rawPlaces = new Map<string, { partition: number; offset: bigint }[]>();
  for (const r of o.raw) {
    const id = r.headers['sqs.message_id'] ?? '';
    rawPlaces.set(id, [...(rawPlaces.get(id) ?? []), { partition: r.partition, offset: BigInt(r.offset) }]);
  }
  const lostPlaces: { partition: number; offset: bigint }[] = [];
  for (const e of valid) {
    if (!cleanSeen.has(e.id)) {
      lostClean++;
      lostPlaces.push(...(rawPlaces.get(e.id) ?? []));
      note(`valid event ${e.id} is not in the clean topic`);
    }
  }

  const rawIds = new Set(o.raw.map((r) => r.headers['sqs.message_id']));
  const rawCopies = o.raw.length - rawIds.size;
  // Where the events missing from the clean topic sit in the raw topic, as offset ranges per
  // partition: one contiguous range points at one lost transaction.
  const byPartition = new Map<number, bigint[]>();
  for (const p of lostPlaces) byPartition.set(p.partition, [...(byPartition.get(p.partition) ?? []), p.offset]);
  const cleanMissingAt = [...byPartition].sort(([a], [b]) => a - b).map(([partition, offsets]) => {
    offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `raw ${partition}: ${offsets[0]}-${offsets[offsets.length - 1]} (${offsets.length})`;
  }).join(', ');
  const missingRaw = sent.filter((e) => !rawIds.has(e.id));
  for (const e of missingRaw.slice(0, 3)) note(`event ${e.id} is not in the raw topic`);

  if (o.queueLeft > 0) note(`${o.queueLeft} messages left in the queue`);
  if (o.redriveLeft > 0) note(`${o.redriveLeft} messages in the redrive queue: received ${'>'}= maxReceiveCount times without being deleted`);

  return {
    sent: sent.length,
    valid: valid.length,
    malformed: malformed.length,
    unconfirmed: unconfirmed.length,
    rows: o.rows.length,
    deadRecords: o.dead.length,
    cleanRecords: o.clean.length,
    rawCopies,
    cleanDuplicates,
    lostClean,
    lostRaw: missingRaw.length,
    cleanMissingAt,
    rowDuplicates,
    lostRows,
    lostDeadLetters,
    extraDeadLetters,
    malformedWithRow,
    validDeadLettered,
    wrongRows,
    wrongCodes,
    landedUnconfirmed,
    strays,
    queueLeft: o.queueLeft,
    redriveLeft: o.redriveLeft,
    problems,
  };
}
