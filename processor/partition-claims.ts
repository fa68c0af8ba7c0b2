// The raw partitions this instance works on, each with its own transactional producer. A claim
// starts when the group assigns a partition: the producer registers the partition's
// transactional id (fencing the previous owner and settling its open transaction), and only then
// is the group's committed offset read, which is final from that moment. A claim ends with the
// next assignment, or as soon as its producer is fenced or a transaction fails; the next batch
// of the partition then makes a new claim. So whatever the filter remembers and wherever the
// next batch starts always follow an offset read after this instance's own registration.
import type { Admin, Producer } from 'kafkajs';
import type { Logger } from '../lib/observability/log.js';
import type { DuplicateFilter } from './duplicate-filter.js';
import { TransactionalProducer } from './transactional-producer.js';
import { transactionalIdFor, transactionalIdPrefix } from './transactional-id.js';
import { explainRegistrationFailure } from './transactional-id-acl.js';
import { transactionalIdRefusedWithin } from '../lib/kafka/broker-refusals.js';

/** A registration fails within seconds of the broker's refusal (kafkajs retries the lookup). */
const REFUSAL_SEEN_WITHIN_MS = 60_000;

export interface Claim {
  partition: number;
  producer: TransactionalProducer;
  /** Settles once the producer is registered (the previous owner fenced). */
  registered: Promise<void>;
  /** Whether the filter has met the partition in this claim (offsets read, rewind asked for). */
  met: boolean;
  /** The batch in progress, so that a released claim closes its producer only after it. */
  busy: Promise<unknown>;
}

export class PartitionClaims {
  private readonly claims = new Map<number, Claim>();

  constructor(private readonly deps: {
    groupId: string;
    topic: string;
    admin: Admin;
    filter: DuplicateFilter;
    producer: (transactionalId: string) => Producer;
    log: Logger;
  }) {}

  /** A new assignment: every claim ends, and each assigned partition is claimed afresh at once. */
  assigned(partitions: readonly number[]): void {
    for (const claim of [...this.claims.values()]) this.release(claim);
    for (const p of partitions) this.claim(p);
  }

  /** The partition's claim in this assignment, made now if there is none. */
  claim(partition: number): Claim {
    const existing = this.claims.get(partition);
    if (existing) return existing;
    const id = transactionalIdFor(this.deps.groupId, this.deps.topic, partition);
    const producer = new TransactionalProducer(id, () => this.deps.producer(id), this.deps.log,
      (err) => explainRegistrationFailure(err, id, transactionalIdPrefix(this.deps.groupId, this.deps.topic), () => transactionalIdRefusedWithin(REFUSAL_SEEN_WITHIN_MS)));
    const registered = producer.ready();
    // Awaited by the partition's first batch; a failure there ends the claim and is retried.
    registered.catch(() => {});
    const claim: Claim = { partition, producer, registered, met: false, busy: Promise.resolve() };
    this.claims.set(partition, claim);
    return claim;
  }

  /**
   * On the claim's first batch: waits for the registration, reads the committed offset and tells
   * the filter; returns where to rewind to, if the filter wants earlier records first.
   */
  async meet(claim: Claim, firstOffset: bigint): Promise<bigint | undefined> {
    await claim.registered;
    if (claim.met) return undefined;
    const { admin, groupId, topic, filter } = this.deps;
    const [committedRaw, watermarks] = await Promise.all([
      admin.fetchOffsets({ groupId, topics: [topic] }),
      admin.fetchTopicOffsets(topic),
    ]);
    const committed = BigInt(committedRaw[0]?.partitions.find((p) => p.partition === claim.partition)?.offset ?? '-1');
    const logStart = BigInt(watermarks.find((w) => w.partition === claim.partition)?.low ?? '0');
    claim.met = true;
    return filter.meet(claim.partition, { committed, logStart, firstOffset }).rewindTo;
  }

  /** Whether this claim is still the partition's current one (not released meanwhile). */
  holds(claim: Claim): boolean {
    return this.claims.get(claim.partition) === claim;
  }

  /**
   * Ends a claim: the filter forgets the partition and the producer closes once the batch in
   * progress is over. A later batch of the partition makes a new claim.
   */
  release(claim: Claim): void {
    if (this.claims.get(claim.partition) === claim) {
      this.claims.delete(claim.partition);
      this.deps.filter.forget(claim.partition);
    }
    void claim.busy.finally(() => claim.producer.close());
  }

  async close(): Promise<void> {
    const all = [...this.claims.values()];
    this.claims.clear();
    await Promise.allSettled(all.map(async (c) => { await c.busy.catch(() => {}); await c.producer.close(); }));
  }
}
