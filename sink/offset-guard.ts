// Keeps a sink that was away (frozen past its session timeout, cut off) from committing offsets
// for partitions it lost, or moving a committed offset backwards. Kafka checks the generation of
// an offset commit, so a member that missed a rebalance has its commit refused; but a sink that
// has already rejoined commits with the new generation, and the broker does not check which
// member owns a partition. So a batch fetched under an earlier assignment commits only if its
// partition is still assigned and its offset is ahead of the one committed meanwhile.
import type { Admin } from 'kafkajs';

export class OffsetGuard {
  private assignment = 0;
  private owned = new Set<number>();

  constructor(private readonly admin: Admin, private readonly groupId: string, private readonly topic: string) {}

  /** The number of the current assignment, taken when a batch is fetched. */
  get current(): number {
    return this.assignment;
  }

  joined(partitions: readonly number[]): void {
    this.assignment++;
    this.owned = new Set(partitions);
  }

  /** Whether the offset after a batch fetched under `since` may be committed now. */
  async mayCommit(partition: number, since: number, nextOffset: bigint): Promise<boolean> {
    if (since === this.assignment) return true;
    if (!this.owned.has(partition)) return false;
    const [committed] = await this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] });
    const at = BigInt(committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
    return isAhead(nextOffset, at);
  }
}

/** Whether committing `next` moves the partition forward from `committed` (-1: nothing committed yet). */
export function isAhead(next: bigint, committed: bigint): boolean {
  return next > committed;
}
