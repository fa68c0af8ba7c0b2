// Every Prometheus metric loginpipe exports, declared in this one place with its name and help
// text. The names are fixed: the dashboard (deploy/grafana) and the alert rules
// (deploy/prometheus) depend on them, and a unit test checks that everything those files
// reference is declared here.
//
// One registry per process: `loginpipe run` hosts all three services in one process, and their
// metrics have distinct names (or, for the shared ones such as dead letters and outages, add up
// naturally), so one scrape of any of its health ports shows all three.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DEAD_LETTER_CODES } from '../records/dead-letter-codes.js';
import { DEPENDENCIES, type Dependency } from './dependency.js';

export const PROCESSOR_OUTCOMES = ['clean', 'dead_letter', 'duplicate'] as const;
export const TRANSACTION_RESULTS = ['committed', 'aborted', 'unknown'] as const;
export const SINK_ROW_RESULTS = ['inserted', 'duplicate', 'rejected'] as const;
/** `queue` label of loginpipe_sqs_messages: the queue drained, and the one SQS moves its failures to. */
export const SQS_QUEUES = ['main', 'redrive'] as const;
export const SQS_STATES = ['visible', 'in_flight', 'delayed'] as const;

export type TransactionResult = (typeof TRANSACTION_RESULTS)[number];
export type SqsQueueRole = (typeof SQS_QUEUES)[number];
export type SqsState = (typeof SQS_STATES)[number];
export { DEPENDENCIES, type Dependency };

// Records per transaction: from a trickle (one record) up to a full 2 MiB fetch of small bodies.
const BATCH_RECORD_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
// One batch's INSERT: milliseconds normally, seconds when a refused row splits the batch.
const BATCH_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// SQS send to row commit: about 0.15-0.25 s on a trickle (mostly SINK_BATCH_WAIT_MS), seconds
// to minutes while a backlog drains. Dense where an SLO is likely to be drawn.
const END_TO_END_BUCKETS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 120, 300, 600];

export function createMetrics(registry: Registry = new Registry()) {
  const registers = [registry];
  // Values read from elsewhere (Kafka offsets, SQS attributes, whether Kafka answers) are sampled
  // when scraped. Each sampled gauge runs every sampler; a sampler reads at most once per scrape.
  const samplers = new Set<() => Promise<void>>();
  const sampleAll = async () => { await Promise.all([...samplers].map((s) => s())); };

  const metrics = {
    registry,

    connectorReceived: new Counter({
      name: 'loginpipe_connector_messages_received_total',
      help: 'SQS messages the connector received (a redelivered message counts each time)',
      registers,
    }),
    connectorPublished: new Counter({
      name: 'loginpipe_connector_messages_published_total',
      help: 'SQS messages the connector published to the raw topic and Kafka acknowledged',
      registers,
    }),
    connectorDeleted: new Counter({
      name: 'loginpipe_connector_messages_deleted_total',
      help: 'Published SQS messages the connector deleted from the queue',
      registers,
    }),
    connectorTooLarge: new Counter({
      name: 'loginpipe_connector_too_large_total',
      help: 'SQS messages too large for the raw topic, on each receive: dead-lettered as too_large (once) and moved to the redrive queue, or left in SQS when there is none',
      registers,
    }),

    processorRecords: new Counter({
      name: 'loginpipe_processor_records_total',
      help: 'Raw records the processor handled in committed transactions, by outcome (clean, dead_letter, duplicate)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'loginpipe_dead_letters_total',
      help: 'Records written to the dead-letter topic, by error.code (processor, sink and connector)',
      labelNames: ['code'] as const,
      registers,
    }),
    processorTransactions: new Counter({
      name: 'loginpipe_processor_transactions_total',
      help: 'Processor Kafka transactions by result: committed, aborted, unknown (the commit got no answer), or fenced (another instance has the partition now)',
      labelNames: ['result'] as const,
      registers,
    }),
    processorBatchRecords: new Histogram({
      name: 'loginpipe_processor_batch_records',
      help: 'Records (clean and dead letters) written by one committed processor transaction',
      buckets: BATCH_RECORD_BUCKETS,
      registers,
    }),

    sinkRows: new Counter({
      name: 'loginpipe_sink_rows_total',
      help: 'Rows the sink wrote to user_logins, by result: inserted, duplicate (event_id already there), rejected (dead-lettered)',
      labelNames: ['result'] as const,
      registers,
    }),
    sinkBatchSeconds: new Histogram({
      name: 'loginpipe_sink_batch_seconds',
      help: 'Seconds one batch took to write to Postgres (splits of a refused batch included)',
      buckets: BATCH_SECONDS_BUCKETS,
      registers,
    }),
    sinkRowsOutsidePartitions: new Counter({
      name: 'loginpipe_sink_rows_outside_partitions_total',
      help: 'Rows the sink inserted dated on a day no user_logins partition covered (a device clock far off): they went to the default partition',
      registers,
    }),
    userLoginsDefaultRows: new Gauge({
      name: 'loginpipe_user_logins_default_rows',
      help: 'Rows in user_logins\'s default partition (dated outside the made partitions), as the last partition upkeep counted them',
      registers,
    }),
    userLoginsPartitions: new Counter({
      name: 'loginpipe_user_logins_partitions_total',
      help: 'user_logins partitions this process\'s upkeep made (action="created") or dropped under USER_LOGINS_RETENTION_DAYS (action="dropped")',
      labelNames: ['action'] as const,
      registers,
    }),
    userLoginsRowsExpired: new Counter({
      name: 'loginpipe_user_logins_rows_expired_total',
      help: 'Rows removed under USER_LOGINS_RETENTION_DAYS: those of dropped partitions and expired rows of the default partition',
      registers,
    }),
    userLoginsUpkeepFailures: new Counter({
      name: 'loginpipe_user_logins_upkeep_failures_total',
      help: 'Partition upkeep runs that failed (logged with the cause); rows still land, in the default partition at worst',
      registers,
    }),
    endToEndSeconds: new Histogram({
      name: 'loginpipe_end_to_end_seconds',
      help: 'Seconds from the SQS sent timestamp to the commit of the row in Postgres, per inserted row',
      buckets: END_TO_END_BUCKETS,
      registers,
    }),

    consumerLag: new Gauge({
      name: 'loginpipe_consumer_lag',
      help: 'Records not yet committed by a consumer group: log end offset minus committed offset, per partition',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers,
      collect: sampleAll,
    }),
    sqsMessages: new Gauge({
      name: 'loginpipe_sqs_messages',
      help: 'Approximate messages in the SQS queue (queue="main") and its redrive queue (queue="redrive"), by state: visible, in_flight, delayed',
      labelNames: ['queue', 'state'] as const,
      registers,
      collect: sampleAll,
    }),
    outage: new Gauge({
      name: 'loginpipe_outage',
      help: '1 while a dependency (kafka, sqs, postgres, registry) is unreachable, else 0',
      labelNames: ['dependency'] as const,
      registers,
      collect: sampleAll,
    }),

    /** Runs `sample` before every scrape (of the lag, queue and outage gauges); returns the way to stop. */
    sampleOnScrape(sample: () => Promise<void>): () => void {
      samplers.add(sample);
      return () => { samplers.delete(sample); };
    },
    outages: new OutageCount(),
  };

  // Known label values start at 0, so rate() and alerts see a series before the first event.
  for (const { code } of DEAD_LETTER_CODES) metrics.deadLetters.inc({ code }, 0);
  for (const outcome of PROCESSOR_OUTCOMES) metrics.processorRecords.inc({ outcome }, 0);
  for (const result of TRANSACTION_RESULTS) metrics.processorTransactions.inc({ result }, 0);
  for (const result of SINK_ROW_RESULTS) metrics.sinkRows.inc({ result }, 0);
  for (const action of ['created', 'dropped'] as const) metrics.userLoginsPartitions.inc({ action }, 0);
  metrics.outages.onChange = (dependency, down) => metrics.outage.set({ dependency }, down ? 1 : 0);
  for (const dependency of DEPENDENCIES) metrics.outage.set({ dependency }, 0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Several services in one process (`loginpipe run`) can see the same dependency fail: it is
 * down while any of them says so, and up again only when the last one recovers.
 */
export class OutageCount {
  private readonly failing = new Map<Dependency, number>();
  onChange: (dependency: Dependency, down: boolean) => void = () => {};

  began(dependency: Dependency): void {
    const n = this.failing.get(dependency) ?? 0;
    this.failing.set(dependency, n + 1);
    if (n === 0) this.onChange(dependency, true);
  }

  ended(dependency: Dependency): void {
    const n = this.failing.get(dependency) ?? 0;
    if (n === 0) return; // an end without a beginning changes nothing
    this.failing.set(dependency, n - 1);
    if (n === 1) this.onChange(dependency, false);
  }

  isDown(dependency: Dependency): boolean {
    return (this.failing.get(dependency) ?? 0) > 0;
  }
}

let processWide: Metrics | undefined;

/** The process's metrics, made on first use together with the default process metrics. */
export function processMetrics(): Metrics {
  if (!processWide) {
    processWide = createMetrics();
    // Unprefixed (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, ...), as the usual
    // Node.js dashboards expect them.
    collectDefaultMetrics({ register: processWide.registry });
  }
  return processWide;
}
