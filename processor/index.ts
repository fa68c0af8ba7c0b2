// raw topic -> clean | dead-letter, exactly once: each fetched batch becomes one Kafka
// transaction holding its clean records, its dead letters and the input offsets after it.
// A repeated event id (an SQS message the connector published twice) is dropped, so the clean
// topic holds each event once.
import type { Admin, EachBatchPayload, Message } from 'kafkajs';
import { consumerOptions, createKafka, ensureTopics, pipelineTopicSpecs, producerOptions, sendInChunks, watchConsumer, withAdmin, MAX_RAW_RECORD_BYTES } from '../lib/kafka.js';
import { SchemaRegistry, isTransientRegistryError } from '../lib/schema-registry.js';
import { Outage } from '../lib/outage.js';
import { createUserLoginEncoder } from '../lib/records/user-login.js';
import { PipelineError, causeKafkajsMayRetry, errorMessage, isFinalForKafkajs } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { deferred, type Service } from '../lib/service.js';
import { HEADER_MESSAGE_ID, headerText } from '../lib/records/headers.js';
import type { ProcessorConfig } from './config.js';
import { createMasker } from './mask.js';
import { transform } from './transform.js';
import { deadLetter } from '../lib/records/dead-letter.js';
import { RecentIds } from './recent-ids.js';
import { ProducerFenced, TransactionFailed, TransactionalProducer } from './transactional-producer.js';

interface PartitionState {
  seen: RecentIds;
  /** Records below this offset were processed before this assignment: replayed only to fill `seen`. */
  replayUntil: bigint;
}

export async function startProcessor(cfg: ProcessorConfig, log: Logger): Promise<Service> {
  log = log.child({ service: 'processor', transactionalId: cfg.transactionalId });
  const kafka = createKafka(cfg, log, 'processor');
  await withAdmin(kafka, (admin) => ensureTopics(admin, pipelineTopicSpecs(cfg)));
  // A registry that is not up yet is waited for, as any outage is: it is no reason to exit.
  const registry = new SchemaRegistry(cfg.registryUrl);
  const encode = await new Outage('registry', log).ride(() => createUserLoginEncoder(registry, cfg.cleanTopic), { isTransient: isTransientRegistryError });
  const mask = createMasker(cfg.hmacKey);

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
  }));
  await consumer.connect();
  await consumer.subscribe({ topics: [cfg.rawTopic], fromBeginning: true });

  const ended = deferred();
  const counts = { clean: 0, dead: 0, duplicates: 0, transactions: 0 };
  const partitions = new Map<number, PartitionState>();

  /**
   * On first meeting a partition in this assignment, rewinds it by the dedup window so the ids
   * processed just before (by us or by the instance that had it) are known again. The raw topic
   * itself is the record of what was seen; no other state needs keeping.
   */
  async function stateFor(partition: number, firstOffset: bigint): Promise<{ state: PartitionState; rewindTo?: bigint }> {
    const known = partitions.get(partition);
    if (known) return { state: known };
    // A transaction this id left open (a commit whose answer was lost) is settled first, so the
    // committed offset read next is final.
    await producer.ready();
    const [committedRaw, watermarks] = await Promise.all([
      admin.fetchOffsets({ groupId: cfg.groupId, topics: [cfg.rawTopic] }),
      admin.fetchTopicOffsets(cfg.rawTopic),
    ]);
    const committed = BigInt(committedRaw[0]?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
    const low = BigInt(watermarks.find((w) => w.partition === partition)?.low ?? '0');
    const state: PartitionState = { seen: new RecentIds(cfg.dedupWindow), replayUntil: committed < 0n ? firstOffset : committed };
    partitions.set(partition, state);
    if (committed < 0n) return { state }; // the group never processed this partition: nothing to recall
    const from = maxOf(low, state.replayUntil - BigInt(cfg.dedupWindow));
    return from < firstOffset && cfg.dedupWindow > 0 ? { state, rewindTo: from } : { state };
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
    const first = BigInt(batch.firstOffset() ?? batch.messages[0]!.offset);
    const { state, rewindTo } = await stateFor(batch.partition, first);
    if (rewindTo !== undefined) {
      log.info({ topic: batch.topic, partition: batch.partition, from: String(rewindTo), to: String(state.replayUntil) }, 'replaying processed records to rebuild the duplicate filter');
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(rewindTo) });
      return;
    }

    const clean: Message[] = [];
    const dead: Message[] = [];
    // Ids join `seen` only once their transaction committed: were it aborted, the records come
    // back and must not be taken for duplicates of themselves.
    const fresh = new Set<string>();
    let duplicates = 0;
    for (const m of batch.messages) {
      const id = headerText(m.headers, HEADER_MESSAGE_ID);
      if (BigInt(m.offset) < state.replayUntil) {
        // Committed before this assignment, so safe to remember at once, and it must be: a copy
        // may follow in this very batch.
        if (id) state.seen.add(id);
        continue;
      }
      if (id && (fresh.has(id) || state.seen.has(id))) {
        duplicates++;
        log.debug({ topic: batch.topic, partition: batch.partition, offset: m.offset, messageId: id }, 'dropped a repeated event');
        continue;
      }
      if (id) fresh.add(id);
      const outcome = transform({ value: m.value, headers: m.headers, timestamp: m.timestamp }, mask);
      if (outcome.kind === 'clean') {
        clean.push({ key: outcome.key, value: encode(outcome.record), timestamp: String(outcome.record.login_time) });
      } else {
        const source = { topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers };
        dead.push(deadLetter(source, outcome.code, outcome.message, outcome.messageId));
        log.debug({ topic: batch.topic, partition: batch.partition, offset: m.offset, messageId: outcome.messageId, code: outcome.code }, 'dead-lettered');
      }
    }

    const last = batch.lastOffset();
    if (BigInt(last) >= state.replayUntil) {
      await commitTransaction(batch.topic, batch.partition, clean, dead, (BigInt(last) + 1n).toString(), batch.firstOffset() ?? undefined);
      counts.clean += clean.length;
      counts.dead += dead.length;
      counts.duplicates += duplicates;
      counts.transactions++;
      for (const id of fresh) state.seen.add(id);
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
    } catch (err) {
      if (err instanceof TransactionFailed && err.outcome === 'unknown') {
        // The batch may be in the clean topic already. Forget the partition so that the next
        // batch starts from the offset the group really committed (read once the new producer
        // has settled the old transaction), replaying anything before it into the filter.
        partitions.delete(partition);
      }
      // Fencing (ProducerFenced) is final: kafkajs stops the consumer and the service ends.
      throw err;
    }
  }

  const inGroup = watchConsumer(consumer, log, {
    fatal: ended.reject,
    // A new assignment: what this instance remembered may be stale for partitions it lost and
    // got back, so every partition is rebuilt from the log on first use.
    joined: () => partitions.clear(),
  });

  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: processBatch });
  log.info({ from: cfg.rawTopic, to: cfg.cleanTopic, dlq: cfg.dlqTopic, groupId: cfg.groupId }, 'processor started');

  let stopping: Promise<void> | undefined;
  return {
    name: 'processor',
    done: ended.promise,
    ready: inGroup,
    stop() {
      stopping ??= (async () => {
        // disconnect() lets the batch in progress finish and commit before leaving the group.
        await consumer.disconnect();
        await Promise.allSettled([producer.close(), admin.disconnect()]);
        log.info(counts, 'processor stopped');
        ended.resolve();
      })();
      return stopping;
    },
  };
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
