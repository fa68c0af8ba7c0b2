// loginpipe_consumer_lag: how far a consumer group is behind, per partition, read with the admin
// client (log end offset minus the group's committed offset) when Prometheus scrapes.
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { errorMessage } from './errors.js';
import { ScrapeSampler } from './scrape-sampler.js';

export interface PartitionEnds { partition: number; low: string; high: string }
export interface CommittedOffset { partition: number; offset: string }
export interface PartitionLag { partition: number; lag: number }

/**
 * Lag per partition of the topic. A partition the group never committed, or whose committed
 * offset the retention has already deleted past, lags by everything still in the log (the group
 * reads from the beginning). A committed offset past the end (a topic recreated under the group)
 * counts as no lag rather than a negative one. Offsets that are not whole numbers are ignored.
 */
export function consumerLag(ends: readonly PartitionEnds[], committed: readonly CommittedOffset[]): PartitionLag[] {
  const byPartition = new Map<number, bigint>();
  for (const c of committed) {
    const offset = offsetOf(c.offset);
    if (offset !== undefined) byPartition.set(c.partition, offset);
  }
  const out: PartitionLag[] = [];
  for (const e of ends) {
    const high = offsetOf(e.high);
    if (high === undefined) continue;
    const low = offsetOf(e.low) ?? 0n;
    const done = byPartition.get(e.partition);
    const from = done === undefined || done < low ? low : done;
    const lag = high > from ? high - from : 0n;
    out.push({ partition: e.partition, lag: Number(lag) });
  }
  return out.sort((a, b) => a.partition - b.partition);
}

function offsetOf(text: string): bigint | undefined {
  if (!/^\d{1,19}$/.test(text)) return undefined; // kafkajs writes -1 for "none"
  return BigInt(text);
}

export interface LagSampler { stop(): Promise<void> }

/** Samples the group's lag on `topic` into loginpipe_consumer_lag on each scrape (at most every few seconds). */
export function startLagSampler(opts: { kafka: Kafka; groupId: string; topic: string; metrics: Metrics; log: Logger; minIntervalMs?: number }): LagSampler {
  const { groupId, topic, metrics, log } = opts;
  let admin: Admin | undefined;
  let stopped = false;
  let failing = false;
  const sampler = new ScrapeSampler(async () => {
    if (!admin) {
      const a = opts.kafka.admin();
      await a.connect();
      // Stopped while connecting: nobody would disconnect it later.
      if (stopped) { await a.disconnect(); return; }
      admin = a;
    }
    const [ends, offsets] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    for (const { partition, lag } of consumerLag(ends, offsets[0]?.partitions ?? [])) {
      metrics.consumerLag.set({ group: groupId, topic, partition: String(partition) }, lag);
    }
    if (failing) log.info({ groupId, topic }, 'consumer lag readable again');
    failing = false;
  }, {
    minIntervalMs: opts.minIntervalMs ?? LAG_SAMPLE_INTERVAL_MS,
    waitMs: 2_000,
    onError: (err) => {
      // Once per run of failures: the outage itself is reported by the service's own Kafka client.
      if (!failing) log.warn({ groupId, topic, err: errorMessage(err) }, 'cannot read consumer lag; /metrics shows the last values');
      failing = true;
    },
  });
  const unregister = metrics.sampleLagOnScrape(() => sampler.refresh());
  return {
    async stop() {
      // A reading under way is not waited for: during a Kafka outage it could take a minute,
      // and a stop must not. Disconnecting ends it.
      stopped = true;
      unregister();
      await admin?.disconnect().catch(() => {});
    },
  };
}

/** The "few seconds" between two readings of the offsets. */
export const LAG_SAMPLE_INTERVAL_MS = 5_000;
