// One way to make a Kafka client, and the topics loginpipe owns with the settings they need.
import kafkajs, { Kafka, Partitioners, logLevel, type Admin, type Consumer, type ConsumerConfig, type ITopicConfig, type LogEntry, type Message, type ProducerConfig, type ProducerRecord, type RetryOptions } from 'kafkajs';
import type { Logger } from '../observability/log.js';
import { approxRecordBytes, chunkByBytes } from './chunk-by-bytes.js';
import { errorMessage } from '../runtime/errors.js';
import { kafkaSecurityOptions, type KafkaSecurityConfig } from './security.js';
import { kafkajsFields, kafkajsLevel } from './kafkajs-levels.js';
import { groupRefusedWithin, noteKafkajsEntry } from './broker-refusals.js';
import { isKafkaOutage } from './consumer-outage.js';
import { retry } from '../runtime/retry.js';
import { dropKafkajsNegativeTimeoutWarnings } from './negative-timeout-warning.js';

// Node's CommonJS interop does not see this one as a named export of kafkajs.
const { ConfigResourceTypes } = kafkajs;

export interface KafkaConfig extends KafkaSecurityConfig {
  brokers: string[];
  clientId: string;
}

/**
 * The retry policy of every service's Kafka client. What a producer does not override (theirs
 * never give up) and what consumers and admin clients retry gives up after retryBudgetMs of these
 * (lib/kafka/retry-budget.ts): about 53 s with Kafka gone, 5.4 min with Kafka frozen, where each
 * attempt waits out the request timeout. The fault suite's long outages are longer than both.
 */
export const CLIENT_RETRY = { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 } as const;
/** kafkajs's own defaults, named so that the retry budget is computed from what is used. */
export const CONNECTION_TIMEOUT_MS = 1_000;
export const REQUEST_TIMEOUT_MS = 30_000;

/** `retry` replaces the client's retry policy: a tool or test may want to fail fast. */
export function createKafka(cfg: KafkaConfig, log: Logger, suffix: string, opts: { retry?: RetryOptions } = {}): Kafka {
  // Wherever a client is made (services, tools, tests, benchmarks), not only in the CLI.
  dropKafkajsNegativeTimeoutWarnings();
  const kafkaLog = log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: `${cfg.clientId}-${suffix}`,
    brokers: cfg.brokers,
    ...kafkaSecurityOptions(cfg),
    // kafkajs's own INFO lines (every join, every commit) drown the service's; keep warnings up.
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, level, log: entry }: LogEntry) => {
      noteKafkajsEntry(entry);
      const { message, timestamp: _t, logger: _l, ...extra } = entry;
      const written = kafkajsLevel({ level, message, error: (extra as { error?: unknown }).error });
      kafkaLog[written]({ namespace, ...kafkajsFields(written, extra) }, message);
    },
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    retry: opts.retry ?? { ...CLIENT_RETRY },
  });
}

/**
 * Options for every producer loginpipe makes: idempotent, acks from all in-sync replicas, the
 * Java client's partitioner (so keys land where other Kafka tools expect), and retries that
 * never give up on their own: during a broker outage a send waits for the broker to return,
 * which holds SQS messages and input offsets where they are instead of losing or skipping them.
 * The short first retry matters for transactions: see CONCURRENT_TRANSACTIONS in kafkajs-levels.ts.
 */
export function producerOptions(extra: Partial<ProducerConfig> = {}): ProducerConfig {
  return {
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 25, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER },
    ...extra,
  };
}

/**
 * Options for a producer whose records may be written twice but never lost: acks from all
 * in-sync replicas (kafkajs's default for send), retries that never give up, and no kafkajs
 * idempotence. kafkajs's idempotent producer is experimental: after a broker failover it loses
 * track of its sequence numbers and the broker refuses every later batch of the partition with
 * OUT_OF_ORDER_SEQUENCE_NUMBER (see partition-sends.ts). Only for topics where a copy does no
 * harm: the raw topic, where the processor drops a repeated SQS message id, and the sink's dead
 * letters, which promise at least one record per message. Send with `sendPerPartition`.
 */
export function atLeastOnceProducerOptions(): ProducerConfig {
  return producerOptions({ idempotent: false, maxInFlightRequests: undefined });
}

/**
 * Longest a fetch waits at the broker for records. kafkajs lets a fetch in flight finish before a
 * consumer leaves its group, so this bounds how long an idle service takes to stop on SIGTERM
 * (with kafkajs's default of 5 s, an idle processor or sink took 4-5 s).
 */
export const FETCH_MAX_WAIT_MS = 500;

/** Consumer options every loginpipe group uses: committed records only, no topic auto-creation. */
export function consumerOptions(groupId: string, sessionTimeoutMs: number, extra: Partial<ConsumerConfig> = {}): ConsumerConfig {
  return {
    groupId,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeoutMs / 3)),
    ...extra,
  };
}

/** A group refusal is told from an outage if the broker said so this recently (broker-refusals.ts). */
const GROUP_REFUSAL_SEEN_WITHIN_MS = 60_000;
/** Between attempts to start a consumer kafkajs gave up on during an outage. */
const CONSUMER_RESTART = { initialMs: 1_000, maxMs: 15_000, attempts: Number.POSITIVE_INFINITY };

/**
 * Logs a consumer's crashes and joins, and reports the ones kafkajs will not recover from.
 * `restart` (connect and run the consumer again) is called, with back-off until it succeeds, after
 * a crash kafkajs will not restart from but that is an outage all the same (consumer-outage.ts);
 * it should do nothing once the service is stopping. Returns whether the consumer is currently in
 * its group (for /readyz).
 */
export function watchConsumer(consumer: Consumer, log: Logger, on: { fatal(err: unknown): void; joined?(assignment: Record<string, number[]>): void; restart?(): Promise<void> }): () => boolean {
  let inGroup = false;
  const outage = (err: unknown) => isKafkaOutage(err, groupRefusedWithin(GROUP_REFUSAL_SEEN_WITHIN_MS));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const restarting = !payload.restart && on.restart !== undefined && outage(payload.error);
    // One kafkajs (or this watch) restarts (its cause was an outage, e.g. a broker restarting) is a warning.
    log[payload.restart || restarting ? 'warn' : 'error']({ err: errorMessage(payload.error), restart: payload.restart || restarting }, 'consumer crashed');
    if (payload.restart) return;
    if (!restarting) return on.fatal(payload.error);
    log.warn({ err: errorMessage(payload.error) }, 'kafkajs gave up on its consumer after a Kafka outage; starting it again');
    retry(() => on.restart!(), CONSUMER_RESTART, {
      shouldRetry: outage,
      onRetry: (err, _attempt, delayMs) => log.warn({ err: errorMessage(err), delayMs }, 'starting the consumer again failed; retrying'),
    }).catch(on.fatal);
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    inGroup = true;
    on.joined?.(payload.memberAssignment);
    log.info({ groupId: payload.groupId, assigned: payload.memberAssignment }, 'joined group');
  });
  consumer.on(consumer.events.DISCONNECT, () => { inGroup = false; });
  return () => inGroup;
}

/** Below the topics' max.message.bytes with room for kafkajs's batch overhead. */
export const MAX_SEND_BYTES = 900 * 1024;

/**
 * Sends messages to one topic in as many requests as keep each record batch under `maxBytes`.
 * Works with a producer or a transaction: both have `send`.
 */
export async function sendInChunks(to: { send(record: ProducerRecord): Promise<unknown> }, topic: string, messages: Message[], maxBytes = MAX_SEND_BYTES): Promise<void> {
  for (const chunk of chunkByBytes(messages, approxRecordBytes, maxBytes)) {
    await to.send({ topic, messages: chunk });
  }
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries?: ITopicConfig['configEntries'];
}

/** SQS allows bodies of up to 1 MiB; headers and record overhead need room on top. */
export const MAX_RAW_RECORD_BYTES = 1024 * 1024 + 64 * 1024;

export interface PipelineTopics {
  rawTopic: string;
  cleanTopic: string;
  dlqTopic: string;
  topicPartitions: number;
  replicationFactor: number;
  /** min.insync.replicas of topics with 3 or more replicas; unset: the broker's default. */
  minInsyncReplicas?: number;
  /** retention.ms of the raw and dead-letter topics, which hold clear PII; unset: the broker's default. */
  rawRetentionMs?: number;
  dlqRetentionMs?: number;
}

export function pipelineTopicSpecs(t: PipelineTopics): TopicSpec[] {
  const sized = { name: 'max.message.bytes', value: String(MAX_RAW_RECORD_BYTES) };
  const retention = (ms: number | undefined) => (ms === undefined ? [] : [{ name: 'retention.ms', value: String(ms) }]);
  // acks from all in-sync replicas means "from the leader alone" once the others fell out of
  // sync; with 3 replicas, requiring 2 keeps an acknowledged record on two brokers while one of
  // them is away (with fewer replicas that would stop every write during a restart).
  const durable = t.replicationFactor >= 3 && t.minInsyncReplicas !== undefined
    ? [{ name: 'min.insync.replicas', value: String(t.minInsyncReplicas) }]
    : [];
  return [
    { topic: t.rawTopic, numPartitions: t.topicPartitions, replicationFactor: t.replicationFactor, configEntries: [sized, ...durable, ...retention(t.rawRetentionMs)] },
    { topic: t.cleanTopic, numPartitions: t.topicPartitions, replicationFactor: t.replicationFactor, ...(durable.length > 0 ? { configEntries: durable } : {}) },
    // The dead-letter topic carries raw bodies verbatim, so it must take what the raw topic takes.
    { topic: t.dlqTopic, numPartitions: t.topicPartitions, replicationFactor: t.replicationFactor, configEntries: [sized, ...durable, ...retention(t.dlqRetentionMs)] },
  ];
}

/** Creates missing topics; existing ones are left as an operator configured them. */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (err) {
    // Another instance may have created them in between; that is the outcome we wanted.
    if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') {
      const still = new Set(await admin.listTopics());
      if (missing.some((s) => !still.has(s.topic))) throw err;
    }
  }
}

/** The topic's effective max.message.bytes: what the broker will accept in one record batch. */
export async function topicMaxMessageBytes(admin: Admin, topic: string): Promise<number> {
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
  });
  const value = res.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`topic ${topic} reports no usable max.message.bytes (${value})`);
  return n;
}

/** How many partitions the topic has now. */
export async function topicPartitionCount(admin: Admin, topic: string): Promise<number> {
  const res = await admin.fetchTopicMetadata({ topics: [topic] });
  const n = res.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
  if (n < 1) throw new Error(`topic ${topic} reports no partitions`);
  return n;
}

export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}
