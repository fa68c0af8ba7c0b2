// Consumer lag from two admin answers: each partition's log end (high watermark) and log start,
// and the group's committed offsets. Pure.

export interface TopicOffsets { partition: number; high: string; low: string }
export interface CommittedOffset { partition: number; offset: string }

export interface PartitionLag {
  partition: number;
  end: string;
  /** Null when the group never committed for the partition. */
  committed: string | null;
  /** Records the group still has to process: end minus what it committed, or minus the log start if nothing (or something already deleted) is committed. */
  lag: string;
}

export interface GroupLag { group: string; topic: string; total: string; partitions: PartitionLag[] }

function asOffset(text: string | undefined): bigint | null {
  return text !== undefined && /^-?\d{1,20}$/.test(text) ? BigInt(text) : null;
}

export function groupLag(group: string, topic: string, ends: readonly TopicOffsets[], committed: readonly CommittedOffset[]): GroupLag {
  let total = 0n;
  const partitions = [...ends].sort((a, b) => a.partition - b.partition).map((e): PartitionLag => {
    const end = asOffset(e.high) ?? 0n;
    const low = asOffset(e.low) ?? 0n;
    const c = asOffset(committed.find((x) => x.partition === e.partition)?.offset);
    const done = c === null || c < 0n ? null : c;
    const from = done === null || done < low ? low : done;
    const lag = end > from ? end - from : 0n;
    total += lag;
    return { partition: e.partition, end: String(end), committed: done === null ? null : String(done), lag: String(lag) };
  });
  return { group, topic, total: String(total), partitions };
}
