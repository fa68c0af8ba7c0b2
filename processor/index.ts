// raw topic -> clean | dead-letter, exactly once: each fetched batch becomes one Kafka
// transaction holding its clean records, its dead letters and the input offsets after it.
// A repeated event id (an SQS message the connector published twice) is dropped, so the clean
// topic holds each event once.
import type { Admin, EachBatchPayload, Message } from 'kafkajs';
import { consumerOptions, createKafka, ensureTopics, pipelineTopicSpecs, producerOptions, sendInChunks, watchConsumer, withAdmin, MAX_RAW_RECORD_BYTES } from '../lib/kafka.js';
import { SchemaRegistry, isTransientRegistryError, registryOptionsFrom } from '../lib/schema-registry.js';
import { Outage } from '../lib/outage.js';
import { createUserLoginEncoder } from '../lib/records/user-login.js';
import { PipelineError, causeKafkajsMayRetry, errorMessage, isFinalForKafkajs } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { deferred, type Service } from '../lib/service.js';
import { HEADER_MESSAGE_ID, HEADER_REPLAY_OF, headerText } from '../lib/records/headers.js';
import type { ProcessorConfig } from './config.js';
import { createMasker } from './mask.js';
import { transform } from './transform.js';
import { piiOptionsFrom } from './pii-options.js';
import { deadLetter } from '../lib/records/dead-letter.js';
import { DuplicateFilter, filterKey } from './duplicate-filter.js';
import { ProducerFenced, TransactionFailed, TransactionalProducer } from './transactional-producer.js';
import { processMetrics } from '../lib/metrics.js';
import { startKafkaSampler } from '../lib/kafka-sampler.js';
import type { DeadLetterCode } from '../lib/records/dead-letter-codes.js';

export async function startProcessor(cfg: ProcessorConfig, log: Logger): Promise<Service> {
  log = log.child({ service: 'processor', transactionalId: cfg.transactionalId });
  const kafka = createKafka(cfg, log, 'processor');
  await withAdmin(kafka, (admin) => ensureTopics(admin, pipelineTopicSpecs(cfg)));
  // A registry that is not up yet is waited for, as any outage is: it is no reason to exit.
  const registry = new SchemaRegistry(registryOptionsFrom(cfg));
  const encode = await new Outage('registry', log).ride(() => createUserLoginEncoder(registry, cfg.cleanTopic), { isTransient: isTransientRegistryError });
  const mask = createMasker(cfg.hmacKey);
  const pii = piiOptionsFrom(cfg);

  const producer = new TransactionalProducer(
    cfg.transactionalId,
    () => kafka.producer(producerOptions({ transactionalId: cfg.transactionalId, transactionTimeout: 30_000 })),
    log,
  );
  await producer.ready();
  const admin: Admin = kafka.admin();
  await admin.connect();

  const consumer = kafka.consumer(consumerOptions(cfg.groupId, cfg.sessionTimeoutMs, {
    maxBytesPerPartition: Math.max(cfg.maxBatchBytes, MAX_RAW_RECORD_BYTES),
    // Each batch is a transaction, whose fixed cost (markers, offset commit) is paid per batch:
    // waiting a little for more bytes makes a steady stream's transactions big (see config.ts).
    minBytes: cfg.fetchMinBytes,
    maxWaitTimeInMs: cfg.fetchMaxWaitMs,
  }));
  await consumer.connect();
  await consumer.subscribe({ topics: [cfg.rawTopic], fromBeginning: true });

  const ended = deferred();
  const counts = { clean: 0, dead: 0, duplicates: 0, transactions: 0 };
  const metrics = processMetrics();
  const kafkaSampler = startKafkaSampler({ kafka, metrics, log, lag: { groupId: cfg.groupId, topic: cfg.rawTopic } });
  const filter = new DuplicateFilter(cfg.dedupWindow);

  /** On first meeting a partition in this assignment: where the duplicate filter wants to rewind to. */
  async function rewindFor(partition: number, firstOffset: bigint): Promise<bigint | undefined> {
    if (filter.knows(partition)) return undefined;
    // A transaction this id left open (a commit whose answer was lost) is settled first, so the
    // committed offset read next is final.
    await producer.ready();
    const [committedRaw, watermarks] = await Promise.all([
      admin.fetchOffsets({ groupId: cfg.groupId, topics: [cfg.rawTopic] }),
      admin.fetchTopicOffsets(cfg.rawTopic),
    ]);
    const committed = BigInt(committedRaw[0]?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
    const logStart = BigInt(watermarks.find((w) => w.partition === partition)?.low ?? '0');
    return filter.meet(partition, { committed, logStart, firstOffset }).rewindTo;
  }

  async function processBatch(payload: EachBatchPayload): Promise<void> {
    try {
      await processBatchOnce(payload);
    } catch (err) {
      // Rebalances and broker errors kafkajs handles itself; anything it would treat as final
      // (other than being fenced) is retried instead, since no input may stop the processor.
      if (err instanceof ProducerFenced || !isFinalForKafkajs(err)) throw err;
      const { topic, partition } = payload.batch;
      throw new PipelineError('batch_failed', `processing a batch failed: ${errorMessage(err)}`, {
        retriable: true, cause: causeKafkajsMayRetry(err), context: { topic, partition, offset: payload.batch.firstOffset() ?? undefined },
      });
    }
  }

  async function processBatchOnce({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const { topic, partition } = batch;
    const rewindTo = await rewindFor(partition, BigInt(batch.firstOffset() ?? batch.messages[0]!.offset));
    if (rewindTo !== undefined) {
      log.info({ topic, partition, from: String(rewindTo), to: String(filter.replayUntil(partition)) }, 'replaying processed records to rebuild the duplicate filter');
      consumer.seek({ topic, partition, offset: String(rewindTo) });
      return;
    }

    const plan = filter.plan(partition, batch.messages.map((m) => ({ offset: BigInt(m.offset), id: filterKey(headerText(m.headers, HEADER_MESSAGE_ID), headerText(m.headers, HEADER_REPLAY_OF)) })));
    for (const i of plan.duplicates) {
      const m = batch.messages[i]!;
      log.debug({ topic, partition, offset: m.offset, messageId: headerText(m.headers, HEADER_MESSAGE_ID) }, 'dropped a repeated event');
    }
    const clean: Message[] = [];
    const dead: Message[] = [];
    const deadCodes = new Map<DeadLetterCode, number>();
    for (const i of plan.write) {
      const m = batch.messages[i]!;
      const outcome = transform({ value: m.value, headers: m.headers, timestamp: m.timestamp }, mask, pii);
      if (outcome.kind === 'clean') {
        clean.push({ key: outcome.key, value: encode(outcome.record), timestamp: String(outcome.record.login_time) });
      } else {
        const source = { topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers };
        dead.push(deadLetter(source, outcome.code, outcome.message, outcome.messageId));
        deadCodes.set(outcome.code, (deadCodes.get(outcome.code) ?? 0) + 1);
        log.debug({ topic, partition, offset: m.offset, messageId: outcome.messageId, code: outcome.code }, 'dead-lettered');
      }
    }

    const last = batch.lastOffset();
    if (plan.commits) {
      await commitTransaction(topic, partition, clean, dead, (BigInt(last) + 1n).toString(), batch.firstOffset() ?? undefined);
      filter.committed(plan);
      counts.clean += clean.length;
      counts.dead += dead.length;
      counts.duplicates += plan.duplicates.length;
      counts.transactions++;
      metrics.processorRecords.inc({ outcome: 'clean' }, clean.length);
      metrics.processorRecords.inc({ outcome: 'dead_letter' }, dead.length);
      metrics.processorRecords.inc({ outcome: 'duplicate' }, plan.duplicates.length);
      for (const [code, n] of deadCodes) metrics.deadLetters.inc({ code }, n);
      metrics.processorBatchRecords.observe(clean.length + dead.length);
    }
    // Only now may kafkajs move past these records; had anything failed, they are fetched again.
    resolveOffset(last);
    await heartbeat();
  }

  async function commitTransaction(topic: string, partition: number, clean: Message[], dead: Message[], nextOffset: string, firstOffset: string | undefined): Promise<void> {
    try {
      await producer.commit(async (txn) => {
        await sendInChunks(txn, cfg.cleanTopic, clean);
        await sendInChunks(txn, cfg.dlqTopic, dead);
        await txn.sendOffsets({ consumerGroupId: cfg.groupId, topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
      }, { records: clean.length + dead.length, context: { topic, partition, offset: firstOffset } });
      metrics.processorTransactions.inc({ result: 'committed' });
    } catch (err) {
      // (Fencing is not counted: it ends the service, and the log says so.)
      if (err instanceof TransactionFailed) metrics.processorTransactions.inc({ result: err.outcome });
      if (err instanceof TransactionFailed && err.outcome === 'unknown') {
        // The batch may be in the clean topic already. Forget the partition so that the next
        // batch starts from the offset the group really committed (read once the new producer
        // has settled the old transaction), replaying anything before it into the filter.
        filter.outcomeUnknown(partition);
      }
      // Fencing (ProducerFenced) is final: kafkajs stops the consumer and the service ends.
      throw err;
    }
  }

  const inGroup = watchConsumer(consumer, log, {
    fatal: ended.reject,
    // A new assignment: what this instance remembered may be stale for partitions it lost and
    // got back, so every partition is rebuilt from the log on first use.
    joined: () => filter.reset(),
  });

  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: processBatch });
  log.info({ from: cfg.rawTopic, to: cfg.cleanTopic, dlq: cfg.dlqTopic, groupId: cfg.groupId, maskKeyId: pii.maskKeyId, sealing: pii.seal !== null }, 'processor started');

  let stopping: Promise<void> | undefined;
  return {
    name: 'processor',
    done: ended.promise,
    ready: inGroup,
    stop() {
      stopping ??= (async () => {
        // disconnect() lets the batch in progress finish and commit before leaving the group.
        await consumer.disconnect();
        await Promise.allSettled([producer.close(), admin.disconnect(), kafkaSampler.stop()]);
        log.info(counts, 'processor stopped');
        ended.resolve();
      })();
      return stopping;
    },
  };
}
