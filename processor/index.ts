// raw topic -> clean | dead-letter, exactly once: each fetched batch becomes one Kafka
// transaction holding its clean records, its dead letters and the input offsets after it, on the
// transactional producer of its raw partition (partition-claims.ts: whoever the group gives a
// partition to fences the previous owner, so an instance that was frozen cannot commit for it).
// A repeated event id (an SQS message the connector published twice) is dropped, so the clean
// topic holds each event once.
import type { Admin, EachBatchPayload, Message } from 'kafkajs';
import { sendPerPartition } from '../lib/kafka/partition-sends.js';
import { consumerOptions, createKafka, ensureTopics, pipelineTopicSpecs, producerOptions, topicMaxMessageBytes, topicPartitionCount, watchConsumer, withAdmin, MAX_RAW_RECORD_BYTES } from '../lib/kafka/client.js';
import { SchemaRegistry, isTransientRegistryError, registryOptionsFrom } from '../lib/registry/client.js';
import { Outage } from '../lib/runtime/outage.js';
import { createUserLoginEncoder, subjectFor } from '../lib/records/user-login.js';
import { ensureCompatible } from '../lib/registry/compatibility.js';
import { PipelineError, causeKafkajsMayRetry, errorMessage, isFinalForKafkajs, groupRebalanceCause } from '../lib/runtime/errors.js';
import type { Logger } from '../lib/observability/log.js';
import { deferred, type Service } from '../lib/runtime/service.js';
import { HEADER_MESSAGE_ID, HEADER_REPLAY_OF, headerText } from '../lib/records/headers.js';
import { retiredProcessorSettings, type ProcessorConfig } from './config.js';
import { createMasker } from './mask.js';
import { transform } from './transform.js';
import { piiPolicyFrom } from './pii-options.js';
import { deadLetter } from '../lib/records/dead-letter.js';
import { DuplicateFilter, filterKey } from './duplicate-filter.js';
import { ProducerFenced, TransactionFailed } from './transactional-producer.js';
import { PartitionClaims, type Claim } from './partition-claims.js';
import { transactionalIdPrefix } from './transactional-id.js';
import { TransactionalIdRefused } from './transactional-id-acl.js';
import { processMetrics } from '../lib/observability/metrics.js';
import { processorSummary } from '../lib/observability/stop-summary.js';
import { startKafkaSampler } from '../lib/kafka/sampler.js';
import type { DeadLetterCode } from '../lib/records/dead-letter-codes.js';
import { checkDeadLetterLimit } from './topic-limits.js';

export async function startProcessor(cfg: ProcessorConfig, log: Logger): Promise<Service> {
  log = log.child({ service: 'processor' });
  for (const name of retiredProcessorSettings(process.env)) {
    log.warn({ setting: name }, `${name} is no longer used and is ignored: each raw partition has its own transactional id, derived from PROCESSOR_GROUP_ID`);
  }
  const kafka = createKafka(cfg, log, 'processor');
  // Each output partition gets send() calls of its own inside a transaction: one send() spanning
  // brokers can skip a partition whose leader moved mid-send and still resolve (see
  // lib/kafka/partition-sends.ts), and the transaction would then commit without those records.
  const outputPartitions = await withAdmin(kafka, async (admin) => {
    await ensureTopics(admin, pipelineTopicSpecs(cfg));
    const tooSmall = checkDeadLetterLimit({
      rawTopic: cfg.rawTopic, rawLimit: await topicMaxMessageBytes(admin, cfg.rawTopic), dlqTopic: cfg.dlqTopic, dlqLimit: await topicMaxMessageBytes(admin, cfg.dlqTopic),
    });
    if (tooSmall) throw tooSmall;
    return { clean: await topicPartitionCount(admin, cfg.cleanTopic), dlq: await topicPartitionCount(admin, cfg.dlqTopic) };
  });
  // A registry that is not up yet is waited for, as any outage is: it is no reason to exit.
  const registry = new SchemaRegistry(registryOptionsFrom(cfg));
  // A schema that would break the subject's compatibility stops the processor here, naming the field.
  const schema = cfg.cleanSchema;
  const encode = await new Outage('registry', log).ride(async () => {
    await ensureCompatible(registry, subjectFor(cfg.cleanTopic), schema.type, cfg.schemaCompatibility, 'CLEAN_SCHEMA_FILE');
    return createUserLoginEncoder(registry, cfg.cleanTopic, schema);
  }, { isTransient: isTransientRegistryError });
  const extras = schema.extraFields;
  const mask = createMasker(cfg.hmacKey);
  const pii = piiPolicyFrom(cfg);

  const admin: Admin = kafka.admin();
  await admin.connect();
  const filter = new DuplicateFilter(cfg.dedupWindow);
  const claims = new PartitionClaims({
    groupId: cfg.groupId,
    topic: cfg.rawTopic,
    admin,
    filter,
    producer: (transactionalId) => kafka.producer(producerOptions({ transactionalId, transactionTimeout: 30_000 })),
    log,
  });

  const consumer = kafka.consumer(consumerOptions(cfg.groupId, cfg.sessionTimeoutMs, {
    maxBytesPerPartition: Math.max(cfg.maxBatchBytes, MAX_RAW_RECORD_BYTES),
    maxBytes: Math.max(cfg.fetchTotalBytes, cfg.maxBatchBytes, MAX_RAW_RECORD_BYTES),
    // Each batch is a transaction, whose fixed cost (markers, offset commit) is paid per batch:
    // waiting a little for more bytes makes a steady stream's transactions big (see config.ts).
    minBytes: cfg.fetchMinBytes,
    maxWaitTimeInMs: cfg.fetchMaxWaitMs,
  }));
  await consumer.connect();
  await consumer.subscribe({ topics: [cfg.rawTopic], fromBeginning: true });

  const ended = deferred();
  const metrics = processMetrics();
  const kafkaSampler = startKafkaSampler({ kafka, metrics, log, lag: { groupId: cfg.groupId, topic: cfg.rawTopic } });
  // Partitions whose producer was fenced: paused until the group says who has them (see `lost`).
  const setAside = new Map<number, { resume(): void; timer: NodeJS.Timeout }>();

  async function processBatch(payload: EachBatchPayload): Promise<void> {
    try {
      await processBatchOnce(payload);
    } catch (err) {
      // An ACL to grant, not an outage to wait out: the processor stops and says which.
      if (err instanceof TransactionalIdRefused) ended.reject(err);
      // Rebalances and broker errors kafkajs handles itself (a rebalance only if it sees the error
      // as it is); anything it would treat as final is retried instead, since no input may stop
      // the processor.
      const rejoin = groupRebalanceCause(err);
      if (rejoin) throw rejoin;
      if (!isFinalForKafkajs(err)) throw err;
      const { topic, partition } = payload.batch;
      throw new PipelineError('batch_failed', `processing a batch failed: ${errorMessage(err)}`, {
        retriable: true, cause: causeKafkajsMayRetry(err), context: { topic, partition, offset: payload.batch.firstOffset() ?? undefined },
      });
    }
  }

  async function processBatchOnce(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const claim = claims.claim(batch.partition);
    const work = processClaimed(claim, payload);
    claim.busy = work.catch(() => {});
    await work;
  }

  async function processClaimed(claim: Claim, { batch, resolveOffset, heartbeat, pause }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    let rewindTo: bigint | undefined;
    try {
      rewindTo = await claims.meet(claim, BigInt(batch.firstOffset() ?? batch.messages[0]!.offset));
    } catch (err) {
      if (err instanceof ProducerFenced) return lost(claim, pause, err);
      claims.release(claim);
      throw err;
    }
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
    const batchPii = pii.forBatch(); // one HPKE context for the batch's sealed values
    for (const i of plan.write) {
      const m = batch.messages[i]!;
      const outcome = transform({ value: m.value, headers: m.headers, timestamp: m.timestamp }, mask, batchPii, cfg.bodyFormat, extras);
      if (outcome.kind === 'clean') {
        clean.push({ key: outcome.key, value: encode(outcome.record, outcome.extra), timestamp: String(outcome.record.login_time), headers: outcome.headers });
      } else {
        // The envelope's ids join the raw record's headers; the value stays the bytes SQS sent.
        const headers = outcome.headers === undefined ? m.headers : { ...m.headers, ...outcome.headers };
        const source = { topic, partition, offset: m.offset, key: m.key, value: m.value, headers };
        dead.push(deadLetter(source, outcome.code, outcome.message, outcome.messageId));
        deadCodes.set(outcome.code, (deadCodes.get(outcome.code) ?? 0) + 1);
        log.debug({ topic, partition, offset: m.offset, messageId: outcome.messageId, code: outcome.code }, 'dead-lettered');
      }
    }

    const last = batch.lastOffset();
    if (plan.commits) {
      try {
        await commitTransaction(claim, clean, dead, (BigInt(last) + 1n).toString(), batch.firstOffset() ?? undefined);
      } catch (err) {
        if (err instanceof ProducerFenced) return lost(claim, pause, err);
        // Aborted or of unknown outcome: the producer is gone and the partition starts over on a
        // new claim, from the offset the group really committed (read once the new producer has
        // settled this transaction), replaying what came before it into the filter.
        claims.release(claim);
        throw err;
      }
      if (claims.holds(claim)) filter.committed(plan);
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

  async function commitTransaction(claim: Claim, clean: Message[], dead: Message[], nextOffset: string, firstOffset: string | undefined): Promise<void> {
    const { partition, producer } = claim;
    const offsets = { consumerGroupId: cfg.groupId, topics: [{ topic: cfg.rawTopic, partitions: [{ partition, offset: nextOffset }] }] };
    try {
      await producer.commit(async (txn) => {
        await sendPerPartition(txn, cfg.cleanTopic, clean, outputPartitions.clean, undefined, { sequential: true });
        await sendPerPartition(txn, cfg.dlqTopic, dead, outputPartitions.dlq, undefined, { sequential: true });
        await producer.step(() => txn.sendOffsets(offsets));
      }, { records: clean.length + dead.length, context: { topic: cfg.rawTopic, partition, offset: firstOffset } });
      metrics.processorTransactions.inc({ result: 'committed' });
    } catch (err) {
      if (err instanceof TransactionFailed) metrics.processorTransactions.inc({ result: err.outcome });
      if (err instanceof ProducerFenced) metrics.processorTransactions.inc({ result: 'fenced' });
      throw err;
    }
  }

  /**
   * Another instance registered the partition's transactional id: the group gave it the
   * partition while this one was away (frozen, cut off). The batch is dropped (the broker aborts
   * or has aborted its transaction), the partition forgotten, and its fetching paused until the
   * next assignment says who has it. Were this instance still its owner (the coordinator can
   * abort a transaction that outlived its timeout), the pause ends after a session timeout.
   */
  function lost(claim: Claim, pause: () => () => void, err: ProducerFenced): void {
    const { partition } = claim;
    // Fenced by this instance's own new claim (a new assignment came while the batch ran): the
    // partition is still ours and goes on under that claim.
    if (!claims.holds(claim)) return;
    claims.release(claim);
    log.warn({ topic: cfg.rawTopic, partition, err: errorMessage(err) }, 'partition taken over by another processor; batch dropped, partition set aside until the next assignment');
    if (setAside.has(partition)) return;
    const resume = pause();
    const timer = setTimeout(() => { setAside.delete(partition); resume(); }, cfg.sessionTimeoutMs);
    timer.unref();
    setAside.set(partition, { resume, timer });
  }

  let stopRequested = false;
  const runOptions = { autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: processBatch };
  const inGroup = watchConsumer(consumer, log, {
    fatal: ended.reject,
    restart: async () => { if (!stopRequested) { await consumer.connect(); await consumer.run(runOptions); } },
    // A new assignment: every partition is claimed afresh (its producer registered, which fences
    // whoever had it) and rebuilt from the committed offset on first use; what this instance
    // remembered may be stale for partitions it lost and got back.
    joined: (assignment) => {
      for (const [, aside] of setAside) { clearTimeout(aside.timer); aside.resume(); }
      setAside.clear();
      claims.assigned(assignment[cfg.rawTopic] ?? []);
    },
  });

  await consumer.run(runOptions);
  log.info({ from: cfg.rawTopic, to: cfg.cleanTopic, dlq: cfg.dlqTopic, groupId: cfg.groupId, transactionalIdPrefix: transactionalIdPrefix(cfg.groupId, cfg.rawTopic), maskKeyId: pii.maskKeyId, sealing: pii.sealing, addedFields: extras.map((f) => f.name), compatibility: cfg.schemaCompatibility }, 'processor started');

  let stopping: Promise<void> | undefined;
  return {
    name: 'processor',
    done: ended.promise,
    ready: inGroup,
    stop() {
      stopping ??= (async () => {
        stopRequested = true;
        // disconnect() lets the batch in progress finish and commit before leaving the group.
        await consumer.disconnect();
        for (const [, aside] of setAside) clearTimeout(aside.timer);
        await claims.close();
        await Promise.allSettled([admin.disconnect(), kafkaSampler.stop()]);
        log.info(await processorSummary(metrics), 'processor stopped');
        ended.resolve();
      })();
      return stopping;
    },
  };
}
