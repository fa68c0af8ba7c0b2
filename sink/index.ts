// clean topic -> user_logins. Batches from all assigned partitions are gathered into multi-row
// inserts; a partition's offsets are committed only after Postgres committed its rows (and any
// row Postgres refused is in the dead-letter topic).
import type { EachBatchPayload, KafkaMessage, Message, Producer } from 'kafkajs';
import { atLeastOnceProducerOptions, consumerOptions, createKafka, ensureTopics, pipelineTopicSpecs, topicPartitionCount, watchConsumer, withAdmin } from '../lib/kafka/client.js';
import { sendPerPartition } from '../lib/kafka/partition-sends.js';
import { SchemaRegistry, isRegistrySettingError, isTransientRegistryError, registryOptionsFrom } from '../lib/registry/client.js';
import { createUserLoginDecoder } from '../lib/records/user-login.js';
import { CoalescingSender } from '../lib/kafka/coalescing-sender.js';
import { openDb, isTransientDbError } from '../lib/postgres/db.js';
import { Outage } from '../lib/runtime/outage.js';
import { errorMessage, groupRebalanceCause } from '../lib/runtime/errors.js';
import type { Logger } from '../lib/observability/log.js';
import { deferred, type Service } from '../lib/runtime/service.js';
import { deadLetter, type DeadLetterSource } from '../lib/records/dead-letter.js';
import { HEADER_MESSAGE_ID, headerText } from '../lib/records/headers.js';
import type { SinkConfig } from './config.js';
import { migrate } from './migrate.js';
import { Batcher } from './batcher.js';
import { createWriter } from './writer.js';
import { toRow, withExtraValues, type UserLoginRow } from './rows.js';
import { extraColumns } from './extra-columns.js';
import { unstorableReason } from './row-check.js';
import { DeadLetterSendError } from './dead-letter-send-error.js';
import { processMetrics } from '../lib/observability/metrics.js';
import { sinkSummary } from '../lib/observability/stop-summary.js';
import { startKafkaSampler } from '../lib/kafka/sampler.js';
import { OffsetGuard } from './offset-guard.js';
import { startUpkeep } from './partitions.js';

/** `sentAt`: the SQS sent timestamp (the record's login_time), for the end-to-end latency. */
interface Item { row: UserLoginRow; source: DeadLetterSource; sentAt: number }

const HEARTBEAT_MS = 3_000;

export async function startSink(cfg: SinkConfig, log: Logger): Promise<Service> {
  log = log.child({ service: 'sink' });
  const db = openDb(cfg, cfg.databasePoolSize);
  const applied = await migrate(db, cfg.databaseSchema);
  if (applied.length > 0) log.info({ applied, schema: cfg.databaseSchema }, 'migrated');
  // An "old" sink (the built-in schema) stores the built-in columns; a "new" one (CLEAN_SCHEMA_FILE
  // adds fields) stores those fields too, each in its column, which must exist by now.
  const extras = cfg.cleanSchema.extraFields;
  const write = createWriter(db, cfg.databaseSchema, await extraColumns(db, cfg.databaseSchema, extras));
  const metrics = processMetrics();
  // Partitions made ahead before the first row, and kept made while the sink runs.
  const upkeep = await startUpkeep(db, cfg.databaseSchema, cfg, log, metrics);

  const kafka = createKafka(cfg, log, 'sink');
  const dlqPartitions = await withAdmin(kafka, async (admin) => {
    await ensureTopics(admin, pipelineTopicSpecs(cfg));
    return topicPartitionCount(admin, cfg.dlqTopic);
  });
  const registry = new SchemaRegistry(registryOptionsFrom(cfg));
  // The sink calls the registry only when a record comes: credentials that do not work, or a
  // certificate that is not trusted, must stop it here, not at its first record. A registry that
  // is merely down does not hold up the start: the first lookup waits it out like any outage.
  await registry.probe().catch((err: unknown) => {
    if (!isTransientRegistryError(err)) throw err;
    log.debug({ err: errorMessage(err) }, 'registry not answering at start; its first lookup will wait for it');
  });
  const decode = createUserLoginDecoder(registry, cfg.cleanSchema.type);

  // Dead letters are written at least once, one send() per partition, as the connector writes
  // the raw topic (lib/kafka/partition-sends.ts says why): a copy after a broker failover is harmless
  // (it has its original's sqs.message_id), a dead letter lost is not.
  const producer: Producer = kafka.producer(atLeastOnceProducerOptions());
  await producer.connect();
  const deadLetters = new CoalescingSender<Message>((messages) => sendPerPartition(producer, cfg.dlqTopic, messages, dlqPartitions));

  // A failed send carries no SQLSTATE: unnamed, the Postgres outage around writeBatch would take
  // it for a lost connection and wait it out for ever. Named, it says what to fix (e.g. the sink's
  // Write ACL on the dead-letter topic), and the batch goes back to kafkajs uncommitted.
  const sendDeadLetters = (messages: Message[]) => deadLetters.submit(messages).catch((err: unknown) => {
    throw new DeadLetterSendError(cfg.dlqTopic, messages.length, err);
  });

  const stopping = new AbortController();
  const dbOutage = new Outage('postgres', log);

  const registryOutage = new Outage('registry', log);
  // Counted: Postgres and the registry may be away at once, and fetching resumes only when
  // neither is. Resumed on every way out, success or not: a topic left paused is never fetched again.
  let pausedBy = 0;
  const pauseInput = () => { if (pausedBy++ === 0) consumer.pause([{ topic: cfg.cleanTopic }]); };
  // Once stopping, the topic stays paused: the end of an outage must not fetch anything new.
  const resumeInput = () => { if (--pausedBy === 0 && !stopping.signal.aborted) consumer.resume([{ topic: cfg.cleanTopic }]); };

  const batcher = new Batcher<Item>({
    maxSize: cfg.batchSize,
    maxWaitMs: cfg.batchWaitMs,
    // Postgres takes a second batch while it works on one: the next COPY overlaps the last INSERT.
    maxInFlight: Math.min(cfg.flushesInFlight, cfg.databasePoolSize),
    // Retry until Postgres is back: an outage must hold offsets, never skip rows. While it is
    // away, fetching stops: what is in hand waits, nothing more piles up.
    flush: (items) => dbOutage.ride(() => writeBatch(items), {
      isTransient: (err) => !(err instanceof DeadLetterSendError) && isTransientDbError(err),
      signal: stopping.signal, onFirstFailure: pauseInput, onEnd: resumeInput,
    }),
  });

  /** One batch into Postgres; rows it refuses go to the dead-letter topic before we return. */
  async function writeBatch(items: Item[]): Promise<void> {
    const timer = metrics.sinkBatchSeconds.startTimer();
    const result = await write(items, (i) => i.row);
    timer();
    // The rows are committed: this is the moment the end-to-end latency is measured to.
    const committedAt = Date.now();
    for (const item of result.insertedItems) metrics.endToEndSeconds.observe(Math.max(0, committedAt - item.sentAt) / 1000);
    metrics.sinkRows.inc({ result: 'inserted' }, result.inserted);
    metrics.sinkRows.inc({ result: 'duplicate' }, result.duplicates);
    metrics.sinkRowsOutsidePartitions.inc(result.insertedItems.filter((i) => !upkeep.covers(i.row.create_date)).length);
    if (result.rejected.length === 0) return;
    await sendDeadLetters(result.rejected.map(({ item, error }) => {
      log.warn({ ...where(item.source), messageId: item.row.event_id, sqlstate: (error as { code?: string }).code }, 'row rejected by the database; dead-lettered');
      return deadLetter(item.source, 'rejected_by_database', `Postgres refused the row: ${error.message}`, item.row.event_id);
    }));
    metrics.sinkRows.inc({ result: 'rejected' }, result.rejected.length);
    metrics.deadLetters.inc({ code: 'rejected_by_database' }, result.rejected.length);
  }

  /**
   * Decodes a fetched batch. A record that cannot be a clean record (wrong magic byte, a schema
   * id the registry does not know, bytes that are not the schema's) is a dead letter; a registry
   * that does not answer is an outage, waited out like Postgres's, never a dead letter.
   */
  async function toItems(batch: EachBatchPayload['batch']): Promise<{ items: Item[]; dead: Message[]; deadCodes: Record<'invalid_avro' | 'unstorable_record', number> }> {
    const items: Item[] = [];
    const dead: Message[] = [];
    const deadCodes = { invalid_avro: 0, unstorable_record: 0 };
    for (const m of batch.messages) {
      const source = sourceOf(batch.topic, batch.partition, m);
      let record;
      try {
        if (m.value === null) throw new Error('record has no value');
        record = await decode(m.value);
      } catch (err) {
        if (isTransientRegistryError(err) || isRegistrySettingError(err)) throw err;
        const messageId = headerText(m.headers, HEADER_MESSAGE_ID);
        log.warn({ ...where(source), messageId, err: errorMessage(err) }, 'clean record cannot be decoded; dead-lettered');
        dead.push(deadLetter(source, 'invalid_avro', `not a loginpipe clean record: ${errorMessage(err)}`, messageId));
        deadCodes.invalid_avro++;
        continue;
      }
      // Outside the decode `try` a throw would reach kafkajs, which stops the sink on it, and it
      // would meet the same record after every restart: a record that cannot be a row is a dead
      // letter like one that cannot be decoded, and the records around it land.
      const unstorable = unstorableReason(record);
      if (unstorable !== undefined) {
        log.warn({ ...where(source), messageId: headerText(m.headers, HEADER_MESSAGE_ID), reason: unstorable }, 'clean record cannot be a row; dead-lettered');
        dead.push(deadLetter(source, 'unstorable_record', `user_logins cannot hold this record: ${unstorable}`, headerText(m.headers, HEADER_MESSAGE_ID)));
        deadCodes.unstorable_record++;
        continue;
      }
      items.push({ row: extras.length === 0 ? toRow(record) : withExtraValues(toRow(record), record, extras), source, sentAt: record.login_time });
    }
    return { items, dead, deadCodes };
  }

  const decodeBatch = (batch: EachBatchPayload['batch']) => registryOutage.ride(() => toItems(batch), {
    isTransient: isTransientRegistryError, signal: stopping.signal, onFirstFailure: pauseInput, onEnd: resumeInput,
  });

  // Batch handlers running now: stop() waits for them, so each commits what it wrote.
  const handlers = new Set<Promise<void>>();

  async function processBatch(payload: EachBatchPayload): Promise<void> {
    const handled = processBatchOnce(payload);
    handlers.add(handled);
    try {
      await handled;
    } catch (err) {
      // Stopping cut a Postgres or registry wait short: the batch stays uncommitted and comes back
      // on the next start. Thrown, it would read to kafkajs as a crash.
      if (stopping.signal.aborted) return;
      // A sink that was away (frozen past its session timeout) has its offset commit refused as
      // UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION: kafkajs must see that error itself to rejoin.
      throw groupRebalanceCause(err) ?? err;
    } finally {
      handlers.delete(handled);
    }
  }

  async function processBatchOnce({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale() || stopping.signal.aborted) return;
    const fetchedUnder = offsetGuard.current;
    // Waiting on a batch (or on Postgres coming back) must not cost the group membership.
    const beat = setInterval(() => { heartbeat().catch(() => {}); }, HEARTBEAT_MS);
    try {
      const { items, dead, deadCodes } = await decodeBatch(batch);
      await Promise.all([
        sendDeadLetters(dead).then(() => {
          for (const [code, n] of Object.entries(deadCodes)) if (n > 0) metrics.deadLetters.inc({ code }, n);
        }),
        batcher.add(items),
      ]);
    } finally {
      clearInterval(beat);
    }
    const last = batch.lastOffset();
    const next = BigInt(last) + 1n;
    if (!(await offsetGuard.mayCommit(batch.partition, fetchedUnder, next))) {
      // The rows are in (the primary key absorbs them if the new owner writes them too); the
      // partition's offsets are its new owner's to commit.
      log.info({ topic: batch.topic, partition: batch.partition, offset: String(next) }, 'partition reassigned while its batch was written; not committing its offset');
      return;
    }
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next.toString() }]);
    resolveOffset(last);
  }

  const consumer = kafka.consumer(consumerOptions(cfg.groupId, cfg.sessionTimeoutMs, { maxBytesPerPartition: cfg.fetchMaxBytes, maxBytes: cfg.fetchTotalBytes }));
  const admin = kafka.admin();
  await admin.connect();
  const offsetGuard = new OffsetGuard(admin, cfg.groupId, cfg.cleanTopic);
  const kafkaSampler = startKafkaSampler({ kafka, metrics, log, lag: { groupId: cfg.groupId, topic: cfg.cleanTopic } });
  const ended = deferred();
  const runOptions = {
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Every assigned partition feeds the one batcher at the same time, so batches fill up.
    partitionsConsumedConcurrently: Math.max(1, cfg.topicPartitions),
    eachBatch: processBatch,
  };
  const inGroup = watchConsumer(consumer, log, {
    fatal: ended.reject,
    joined: (assignment) => offsetGuard.joined(assignment[cfg.cleanTopic] ?? []),
    restart: async () => { if (!stopping.signal.aborted) { await consumer.connect(); await consumer.run(runOptions); } },
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [cfg.cleanTopic], fromBeginning: true });
  await consumer.run(runOptions);
  log.info({ from: cfg.cleanTopic, schema: cfg.databaseSchema, groupId: cfg.groupId, batchSize: cfg.batchSize, addedFields: extras.map((f) => f.name) }, 'sink started');

  let stopped: Promise<void> | undefined;
  return {
    name: 'sink',
    done: ended.promise,
    ready: () => inGroup() && !dbOutage.active && !registryOutage.active,
    stop() {
      stopped ??= (async () => {
        // Batches in flight finish (their flush is cut now, not at SINK_BATCH_WAIT_MS) and commit,
        // before the consumer disconnects: kafkajs's commitOffsets does nothing once disconnect()
        // began, and rows already in Postgres would come back, with their dead letters, on the
        // next start. The abort only cuts short a wait for Postgres or the registry: those rows
        // stay uncommitted in Kafka and come back on the next start.
        stopping.abort();
        // After a crash kafkajs did not recover from, there is no group left to pause.
        try { consumer.pause([{ topic: cfg.cleanTopic }]); } catch { /* nothing is fetching */ }
        while (handlers.size > 0) {
          await batcher.drain().catch(() => {});
          await Promise.allSettled([...handlers]);
        }
        await batcher.drain().catch(() => {});
        await consumer.disconnect();
        await kafkaSampler.stop();
        await upkeep.stop();
        await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
        log.info(await sinkSummary(metrics), 'sink stopped');
        ended.resolve();
      })();
      return stopped;
    },
  };
}

function sourceOf(topic: string, partition: number, m: KafkaMessage): DeadLetterSource {
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers };
}

function where(s: DeadLetterSource) {
  return { topic: s.topic, partition: s.partition, offset: s.offset };
}
