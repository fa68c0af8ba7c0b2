// Which raw records are repeats of an event already written, per partition. Pure: the processor
// feeds it offsets and ids and tells it how each transaction ended; it answers what to write.
//
// - On first meeting a partition in an assignment, the filter knows nothing. Told the group's
//   committed offset, it asks for a rewind of up to `window` records before it, so the ids
//   processed just before (by this instance or the one that had the partition) are known again.
//   The raw topic itself is the record of what was seen; no other state is kept.
// - Records below that committed offset were processed before: they are only remembered, never
//   written again, and remembered at once (a copy may follow in the same batch).
// - A record whose id was seen, or appeared earlier in the same batch, is a duplicate.
// - The ids of a batch join the remembered ones only when its transaction committed: an aborted
//   batch comes back and must not be taken for copies of itself.
// - A failed transaction (aborted or of unknown outcome), a lost partition and a new assignment
//   forget the partition: the next batch starts from the offset the group really committed (read
//   after this instance's producer fenced any other), replaying what came before it.
// - A record written back by `loginpipe dlq replay` keeps its event id, which the filter has seen
//   (the dead-lettered original): its key is the id plus its replay.of, so it is processed once
//   per dead letter replayed, never dropped for being the event it is meant to redo.
import { RecentIds } from './recent-ids.js';

interface PartitionState {
  seen: RecentIds;
  /** Records below this offset were processed before this assignment: replayed only to fill `seen`. */
  replayUntil: bigint;
}

export interface Positions {
  /** The group's committed offset for the partition (the next to process); -1 when none. */
  committed: bigint;
  /** The partition's log start offset: nothing below it can be read. */
  logStart: bigint;
  /** The first offset of the batch that met the partition. */
  firstOffset: bigint;
}

/**
 * The identity the filter compares for a raw record: its event id, or for a replayed record the id
 * and the dead letter it replays. No id means no identity (the record is never a duplicate).
 */
export function filterKey(messageId: string | undefined, replayOf: string | undefined): string | undefined {
  if (messageId === undefined || messageId === '') return undefined;
  if (replayOf === undefined || replayOf === '') return messageId;
  // NUL never occurs in an SQS message id, so a replay key cannot pass for a plain id.
  return `${messageId}\u0000replay.of\u0000${replayOf}`;
}

export interface RawRef { offset: bigint; id: string | undefined }

export interface BatchPlan {
  partition: number;
  /** Indexes of the records to transform and write, in order. */
  write: number[];
  /** Indexes of the records dropped as repeats of an event already written or in this batch. */
  duplicates: number[];
  /** Whether the batch reaches past what was processed before: false means nothing to commit. */
  commits: boolean;
  /** Ids to remember once the batch's transaction committed. */
  ids: ReadonlySet<string>;
}

export class DuplicateFilter {
  private readonly partitions = new Map<number, PartitionState>();

  constructor(readonly window: number) {}

  /** Whether this partition was met in the current assignment (else `meet` comes first). */
  knows(partition: number): boolean {
    return this.partitions.has(partition);
  }

  /** Learns a partition; returns where to rewind to first, if records before the batch must be recalled. */
  meet(partition: number, at: Positions): { rewindTo?: bigint } {
    const replayUntil = at.committed < 0n ? at.firstOffset : at.committed;
    this.partitions.set(partition, { seen: new RecentIds(this.window), replayUntil });
    // The group never processed this partition: nothing to recall.
    if (at.committed < 0n || this.window <= 0) return {};
    const windowStart = replayUntil - BigInt(this.window);
    const from = windowStart > at.logStart ? windowStart : at.logStart;
    return from < at.firstOffset ? { rewindTo: from } : {};
  }

  /** Where replaying for `partition` ends (for logs). */
  replayUntil(partition: number): bigint | undefined {
    return this.partitions.get(partition)?.replayUntil;
  }

  /** Sorts one fetched batch of a known partition into records to write and repeats to drop. */
  plan(partition: number, records: readonly RawRef[]): BatchPlan {
    const state = this.partitions.get(partition);
    if (!state) throw new Error(`partition ${partition} was not met in this assignment`);
    const write: number[] = [];
    const duplicates: number[] = [];
    const ids = new Set<string>();
    records.forEach((r, i) => {
      if (r.offset < state.replayUntil) {
        if (r.id) state.seen.add(r.id);
        return;
      }
      if (r.id && (ids.has(r.id) || state.seen.has(r.id))) {
        duplicates.push(i);
        return;
      }
      if (r.id) ids.add(r.id);
      write.push(i);
    });
    const last = records.at(-1);
    return { partition, write, duplicates, commits: last !== undefined && last.offset >= state.replayUntil, ids };
  }

  /** The plan's transaction committed: its ids are now events written. */
  committed(plan: BatchPlan): void {
    const state = this.partitions.get(plan.partition);
    if (!state) return;
    for (const id of plan.ids) state.seen.add(id);
  }

  /**
   * The partition's claim ended (lost to another instance, a new assignment, or a transaction
   * that failed): start it over from the committed offset on the next claim.
   */
  forget(partition: number): void {
    this.partitions.delete(partition);
  }

  /** A new assignment: what was remembered may be stale for partitions lost and got back. */
  reset(): void {
    this.partitions.clear();
  }
}
