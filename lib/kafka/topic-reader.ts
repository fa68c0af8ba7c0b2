// Reads a topic from the beginning (committed records only) until a condition over everything
// read so far holds, or a deadline passes. For the demo and tests, not the hot path.
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { waitUntil } from '../runtime/wait-until.js';

export interface ReadRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export async function readTopicUntil(
  kafka: Kafka,
  topic: string,
  until: (records: ReadRecord[]) => boolean,
  opts: { timeoutMs: number; readUncommitted?: boolean } = { timeoutMs: 60_000 },
): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: `loginpipe-reader-${randomUUID()}`, readUncommitted: opts.readUncommitted ?? false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let satisfied!: () => void;
    const done = new Promise<void>((resolve) => { satisfied = resolve; });
    if (until(records)) satisfied();
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        records.push(toReadRecord(partition, message));
        if (until(records)) satisfied();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), opts.timeoutMs); });
    const outcome = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      throw new Error(`reading ${topic}: condition not met within ${opts.timeoutMs} ms (${records.length} records read)`);
    }
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Reads a whole topic, committed records only, and knows when it has read to the end: it tracks
 * the last offset fetched per partition (control records included, so a commit marker at the end
 * of a partition counts as reached) and compares it with the high watermarks taken once nothing
 * writes to the topic any more. "N records read" cannot tell whether more, such as duplicates, follow.
 */
export class TopicTail {
  readonly records: ReadRecord[] = [];
  private readonly reached = new Map<number, bigint>();

  private constructor(private readonly kafka: Kafka, readonly topic: string, private readonly consumer: Consumer, private readonly onRecord: (r: ReadRecord) => void) {}

  static async start(kafka: Kafka, topic: string, onRecord: (r: ReadRecord) => void = () => {}): Promise<TopicTail> {
    const consumer = kafka.consumer({ groupId: `loginpipe-fault-reader-${randomUUID()}`, readUncommitted: false });
    const tail = new TopicTail(kafka, topic, consumer, onRecord);
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const last = BigInt(payload.lastOffset);
      if (last > (tail.reached.get(payload.partition) ?? -1n)) tail.reached.set(payload.partition, last);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const r = toReadRecord(partition, message);
        tail.records.push(r);
        tail.onRecord(r);
      },
    });
    return tail;
  }

  /** Waits until every partition has been read up to its current high watermark. */
  async readToEnd(timeoutMs: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string }[];
    try {
      ends = await admin.fetchTopicOffsets(this.topic);
    } finally {
      await admin.disconnect();
    }
    const behind = () => ends.filter((e) => BigInt(e.high) > 0n && (this.reached.get(e.partition) ?? -1n) < BigInt(e.high) - 1n);
    await waitUntil(() => behind().length === 0, {
      timeoutMs,
      intervalMs: 100,
      what: `${this.topic} to be read to its end`,
      state: () => behind().map((e) => ({ partition: e.partition, high: e.high, reached: String(this.reached.get(e.partition) ?? -1n) })),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Everything committed in a topic that nothing writes to any more. */
export async function readWholeTopic(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const tail = await TopicTail.start(kafka, topic);
  try {
    await tail.readToEnd(timeoutMs);
    return tail.records;
  } finally {
    await tail.stop();
  }
}

function toReadRecord(partition: number, m: KafkaMessage): ReadRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) headers[k] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return { partition, offset: m.offset, key: m.key, value: m.value, headers };
}
