// What the metrics read from Kafka when Prometheus scrapes: loginpipe_consumer_lag, how far a
// consumer group is behind per partition (log end offset minus the group's committed offset,
// from the admin client), and whether Kafka answers at all (loginpipe_outage{dependency="kafka"}).
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import { errorMessage } from '../runtime/errors.js';
import { ScrapeSampler } from '../observability/scrape-sampler.js';

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

export interface KafkaSampler { stop(): Promise<void> }

/**
 * On each scrape (at most every few seconds), reads the group's lag on `topic` into
 * loginpipe_consumer_lag, or, without `lag`, just asks the cluster who is in it. Either way the
 * answer says whether Kafka is reachable, for loginpipe_outage{dependency="kafka"}: the services'
 * own clients retry through an outage without telling anyone, so this is where one shows.
 */
export function startKafkaSampler(opts: {
  kafka: Kafka;
  metrics: Metrics;
  log: Logger;
  lag?: { groupId: string; topic: string };
  minIntervalMs?: number;
}): KafkaSampler {
  const { metrics, log, lag } = opts;
  let admin: Admin | undefined;
  let stopped = false;
  let down = false;
  const reachable = (yes: boolean, err?: unknown) => {
    if (yes === !down) return;
    down = !yes;
    if (down) {
      log.warn({ dependency: 'kafka', err: errorMessage(err) }, 'Kafka does not answer the metrics sampler; /metrics shows the last lag');
      metrics.outages.began('kafka');
    } else {
      log.info({ dependency: 'kafka' }, 'Kafka answers the metrics sampler again');
      metrics.outages.ended('kafka');
    }
  };

  const sampler = new ScrapeSampler(async () => {
    if (!admin) {
      // A small retry budget: a scrape should learn of an outage in seconds, not after the
      // minute of retries the services' own clients allow themselves.
      const a = opts.kafka.admin({ retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2_000 } });
      await a.connect();
      // Stopped while connecting: nobody would disconnect it later.
      if (stopped) { await a.disconnect(); return; }
      admin = a;
    }
    if (lag) {
      const [ends, offsets] = await Promise.all([
        admin.fetchTopicOffsets(lag.topic),
        admin.fetchOffsets({ groupId: lag.groupId, topics: [lag.topic] }),
      ]);
      for (const { partition, lag: n } of consumerLag(ends, offsets[0]?.partitions ?? [])) {
        metrics.consumerLag.set({ group: lag.groupId, topic: lag.topic, partition: String(partition) }, n);
      }
    } else {
      await admin.describeCluster();
    }
    if (!stopped) reachable(true);
  }, {
    minIntervalMs: opts.minIntervalMs ?? KAFKA_SAMPLE_INTERVAL_MS,
    waitMs: 2_000,
    onError: (err) => { if (!stopped) reachable(false, err); },
  });
  const unregister = metrics.sampleOnScrape(() => sampler.refresh());
  return {
    async stop() {
      // A reading under way is not waited for: during an outage it could take seconds, and a
      // stop must not. Disconnecting ends it.
      stopped = true;
      unregister();
      if (down) metrics.outages.ended('kafka');
      down = false;
      await admin?.disconnect().catch(() => {});
    },
  };
}

/** The "few seconds" between two readings of the offsets. */
export const KAFKA_SAMPLE_INTERVAL_MS = 5_000;
