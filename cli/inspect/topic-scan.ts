// Reads one topic for a person or a script (`tail`, `dlq`, `status`): committed records only, from
// a chosen start per partition, either to the end the topic had when the scan began or on and on
// as records arrive. It uses a consumer group of its own that never commits, so it moves no
// service's offsets.
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { FETCH_MAX_WAIT_MS } from '../../lib/kafka/client.js';
import { requireTopic } from '../cli-context.js';

export interface ScannedRecord {
  topic: string;
  partition: number;
  offset: string;
  message: KafkaMessage;
}

export type ScanStart = 'earliest' | 'latest' | { sinceMs: number };

export interface ScanOptions {
  topic: string;
  start: ScanStart;
  /** Stop at the end the topic had when the scan began (else follow until `max` or `signal`). */
  toEnd: boolean;
  /** Stop after this many records were handed over. */
  max?: number;
  /** Records for which this is false are read past and not counted towards `max`. */
  filter?: (r: ScannedRecord) => boolean;
  signal?: AbortSignal;
  onRecord(r: ScannedRecord): void | Promise<void>;
  /** Progress: records read so far (including filtered out) and the total to read, when known. */
  onProgress?(read: number, total: number | undefined): void;
}

interface PartitionRange { partition: number; from: bigint; end: bigint }

/** Where each partition's scan starts and where the topic ends now. */
export async function partitionRanges(kafka: Kafka, topic: string, start: ScanStart): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await requireTopic(admin, topic);
    const offsets = await admin.fetchTopicOffsets(topic);
    const byTime = typeof start === 'object' ? await admin.fetchTopicOffsetsByTimestamp(topic, start.sinceMs) : undefined;
    return offsets.map((o) => {
      const end = BigInt(o.high);
      const low = BigInt(o.low);
      let from = start === 'earliest' ? low : end;
      if (byTime) {
        // No record at or after the time: the broker answers the end (kafkajs maps -1 to it too).
        const t = byTime.find((b) => b.partition === o.partition)?.offset;
        from = t === undefined || BigInt(t) < 0n ? end : BigInt(t);
        if (from < low) from = low;
      }
      return { partition: o.partition, from, end };
    }).sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** Scans the topic; resolves with how many records were handed to onRecord. */
export async function scanTopic(kafka: Kafka, opts: ScanOptions): Promise<number> {
  const ranges = await partitionRanges(kafka, opts.topic, opts.start);
  const total = opts.toEnd ? ranges.reduce((n, r) => n + Number(r.end - r.from), 0) : undefined;
  const reached = new Map<number, bigint>(ranges.map((r) => [r.partition, r.from - 1n]));
  const atEnd = () => ranges.every((r) => (reached.get(r.partition) ?? -1n) >= r.end - 1n);
  if ((opts.toEnd && atEnd()) || opts.max === 0 || opts.signal?.aborted) return 0;

  const consumer = kafka.consumer({ groupId: `loginpipe-cli-${randomUUID()}`, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: FETCH_MAX_WAIT_MS });
  let handed = 0;
  let read = 0;
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => { finish = resolve; fail = reject; });
  const onAbort = () => finish();
  opts.signal?.addEventListener('abort', onAbort);
  let stopped = false;
  const check = () => {
    if (stopped) return;
    if ((opts.max !== undefined && handed >= opts.max) || (opts.toEnd && atEnd())) { stopped = true; finish(); }
  };
  // A batch's last offset counts control records too, so a commit marker at a partition's end
  // still counts as reached.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const last = BigInt(payload.lastOffset);
    if (last > (reached.get(payload.partition) ?? -1n)) reached.set(payload.partition, last);
    check();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => { if (!payload.restart) fail(payload.error); });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [opts.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (stopped) return;
        const offset = BigInt(message.offset);
        const range = ranges.find((r) => r.partition === partition);
        if (offset > (reached.get(partition) ?? -1n)) reached.set(partition, offset);
        if (opts.toEnd && range && offset >= range.end) { check(); return; }
        read += 1;
        opts.onProgress?.(read, total);
        const r: ScannedRecord = { topic, partition, offset: message.offset, message };
        if (opts.filter && !opts.filter(r)) { check(); return; }
        handed += 1;
        await opts.onRecord(r);
        check();
      },
    });
    // Seeks given before the group is joined are applied once partitions are assigned.
    for (const r of ranges) consumer.seek({ topic: opts.topic, partition: r.partition, offset: String(r.from) });
    await finished;
    return handed;
  } finally {
    stopped = true;
    opts.signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect();
  }
}
