// SQS -> raw topic. Each poller long-polls up to 10 messages; every body is published unchanged,
// and only what every in-sync replica acknowledged is deleted from SQS. The raw topic is written
// at least once, not through kafkajs's idempotent producer, whose sequence numbers do not survive
// a broker failover (see lib/kafka/partition-sends.ts); the processor drops a repeated SQS message id.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import type { Message as KafkaMessage, Producer } from 'kafkajs';
import { atLeastOnceProducerOptions, createKafka, ensureTopics, pipelineTopicSpecs, topicMaxMessageBytes, topicPartitionCount, withAdmin } from '../lib/kafka/client.js';
import { partitionFor, sendPerPartition } from '../lib/kafka/partition-sends.js';
import { countAt, planMismatch, type PlanStep } from './partition-plan.js';
import { CoalescingSender } from '../lib/kafka/coalescing-sender.js';
import { approxRecordBytes } from '../lib/kafka/chunk-by-bytes.js';
import { Outage } from '../lib/runtime/outage.js';
import { retry } from '../lib/runtime/retry.js';
import { PipelineError, errorMessage } from '../lib/runtime/errors.js';
import type { Logger } from '../lib/observability/log.js';
import { deferred, type Service } from '../lib/runtime/service.js';
import type { ConnectorConfig } from './config.js';
import { createSqsClient } from '../lib/sqs/client.js';
import { processMetrics } from '../lib/observability/metrics.js';
import { startKafkaSampler } from '../lib/kafka/sampler.js';
import { startSqsDepthSampler } from '../lib/sqs/depth.js';
import { BATCH_OVERHEAD_BYTES, isFifoQueueUrl, receiveAttributes, toRawRecord, type RawRecord } from './raw-record.js';
import { moveToRedriveQueue, needsDeadLetter, tooLargeDeadLetter } from './too-large.js';
import { findRedriveQueueUrl } from '../lib/sqs/redrive-queue.js';
import { BodyBudget, bodyBytes } from './body-budget.js';

const SQS_MAX_BATCH = 10;

export async function startConnector(cfg: ConnectorConfig, log: Logger): Promise<Service> {
  log = log.child({ service: 'connector' });
  const kafka = createKafka(cfg, log, 'connector');
  // The raw topic's real limit, not the one we would have set: an operator may have changed it.
  // Partition counts are read once; where a raw record goes is the partition plan's to say.
  const { maxRecordBytes, partitions } = await withAdmin(kafka, async (admin) => {
    await ensureTopics(admin, pipelineTopicSpecs(cfg));
    const partitions = new Map<string, number>();
    for (const topic of [cfg.rawTopic, cfg.dlqTopic]) partitions.set(topic, await topicPartitionCount(admin, topic));
    return { maxRecordBytes: await topicMaxMessageBytes(admin, cfg.rawTopic), partitions };
  });
  const plan: PlanStep[] = cfg.partitionPlan ?? [{ count: cfg.topicPartitions, fromMs: Number.NEGATIVE_INFINITY }];
  const mismatch = planMismatch(plan, cfg.rawTopic, partitions.get(cfg.rawTopic)!, cfg.partitionPlan ? 'RAW_PARTITION_PLAN' : 'TOPIC_PARTITIONS (RAW_PARTITION_PLAN is not set)');
  if (mismatch !== undefined) throw new PipelineError('raw_partitions_unplanned', mismatch, { context: { topic: cfg.rawTopic } });

  const producer: Producer = kafka.producer(atLeastOnceProducerOptions());
  await producer.connect();

  // Merging batches makes fewer, larger produce requests. A failed send rejects every batch in
  // it, so none of their messages is deleted from SQS.
  const sender = new CoalescingSender<{ topic: string; message: KafkaMessage }>(async (items) => {
    for (const topic of new Set(items.map((i) => i.topic))) {
      const messages = items.filter((i) => i.topic === topic).map((i) => i.message);
      await sendPerPartition(producer, topic, messages, partitions.get(topic)!, maxRecordBytes - BATCH_OVERHEAD_BYTES);
    }
  });

  // A FIFO queue's order within a message group holds through here without any waiting of our
  // own: SQS gives out no later message of a group while an earlier one is in flight (received,
  // not deleted), so each group has at most one batch in this process at a time; that batch's
  // messages are in group order; raw records keyed by group go to one partition, in order, in
  // sequential send() calls of one CoalescingSender; and nothing is deleted before all of its
  // batch is acknowledged. A failed send deletes nothing, so the group comes back from its
  // earliest message; copies of already-written ones are dropped by the processor.
  const fifo = isFifoQueueUrl(cfg.queueUrl);
  const sqs = createSqsClient(cfg);
  const sqsOutage = new Outage('sqs', log);
  const metrics = processMetrics();
  // Read on scrape: the depth of the queue and its redrive queue, and whether Kafka answers.
  const depthSampler = startSqsDepthSampler({ sqs, queueUrl: cfg.queueUrl, metrics, log });
  const kafkaSampler = startKafkaSampler({ kafka, metrics, log });
  const stopping = new AbortController();
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let published = 0;

  // Looked up at the first too-large message, not at start: most runs never meet one.
  let redriveLookup: Promise<string | undefined> | undefined;
  const redriveQueue = () => {
    redriveLookup ??= findRedriveQueueUrl(sqs, cfg.queueUrl).catch((err: unknown) => {
      redriveLookup = undefined;
      throw new PipelineError('sqs_redrive_lookup_failed', `could not read the redrive policy: ${errorMessage(err)}`, { retriable: true, context: { queueUrl: cfg.queueUrl }, cause: err });
    });
    return redriveLookup;
  };

  /** Too-large messages whose dead letters Kafka acknowledged, to their redrive queue (if any). */
  async function moveTooLarge(tooLargeMessages: Message[]): Promise<void> {
    if (tooLargeMessages.length === 0) return;
    const redriveUrl = await redriveQueue();
    if (redriveUrl === undefined) return;
    for (const m of tooLargeMessages) {
      try {
        await moveToRedriveQueue(sqs, cfg.queueUrl, redriveUrl, m);
        log.info({ queueUrl: cfg.queueUrl, messageId: m.MessageId, redriveQueueUrl: redriveUrl }, 'too-large message moved to the redrive queue');
      } catch (err) {
        // It comes back after its visibility timeout and is dead-lettered and moved again.
        log.warn({ err: errorMessage(err), queueUrl: cfg.queueUrl, messageId: m.MessageId, redriveQueueUrl: redriveUrl }, 'could not move a too-large message to the redrive queue (needs sqs:SendMessage there)');
      }
    }
  }

  // Receive calls wait for room under CONNECTOR_MAX_BODY_BYTES (connector/body-budget.ts): the
  // pollers' client is the connector's own, with its ReceiveMessage calls counted.
  const budget = new BodyBudget(cfg.maxBodyBytes);
  // Each received batch's size, measured once: sqs-consumer hands handle() the very array it got.
  const batchBytes = new WeakMap<Message[], number>();
  const send = sqs.send.bind(sqs) as (c: unknown, o?: unknown) => Promise<unknown>;
  const budgetedSqs = {
    async send(command: unknown, options?: unknown): Promise<unknown> {
      if (!(command instanceof ReceiveMessageCommand)) return send(command, options);
      await budget.beforeReceive(stopping.signal);
      let bytes = 0;
      try {
        const out = (await send(command, options)) as { Messages?: Message[] };
        bytes = bodyBytes(out.Messages);
        if (out.Messages) batchBytes.set(out.Messages, bytes);
        return out;
      } finally {
        budget.received(bytes);
      }
    },
  } as unknown as SQSClient;

  async function handle(messages: Message[]): Promise<Message[]> {
    inFlight++;
    const held = batchBytes.get(messages) ?? 0;
    metrics.connectorReceived.inc(messages.length);
    try {
      const fit: Message[] = [];
      const tooLargeMessages: Message[] = [];
      const items: { topic: string; message: KafkaMessage }[] = [];
      for (const m of messages) {
        const record: RawRecord = toRawRecord(m, fifo);
        const size = approxRecordBytes(record);
        if (size + BATCH_OVERHEAD_BYTES <= maxRecordBytes) {
          fit.push(m);
          // Placed here, by the plan, not by the producer over the topic's current count.
          const sent = record.timestamp === undefined ? undefined : Number(record.timestamp);
          items.push({ topic: cfg.rawTopic, message: { ...record, partition: partitionFor(cfg.rawTopic, record, countAt(plan, sent)) } });
        } else {
          // Cannot go to Kafka byte for byte. The body stays in SQS (connector/too-large.ts) and
          // the dead-letter topic says why, once, so it is counted and found.
          const redriveUrl = await redriveQueue();
          tooLargeMessages.push(m);
          if (!needsDeadLetter(m, redriveUrl)) continue;
          log.warn({ queueUrl: cfg.queueUrl, messageId: m.MessageId, bytes: size, limit: maxRecordBytes, redriveQueueUrl: redriveUrl }, 'message too large for the raw topic; dead-lettered, its body kept in SQS');
          items.push({ topic: cfg.dlqTopic, message: tooLargeDeadLetter(record, size, maxRecordBytes, cfg.rawTopic, redriveUrl) });
        }
      }
      await sender.submit(items);
      published += fit.length;
      metrics.connectorPublished.inc(fit.length);
      if (tooLargeMessages.length > 0) metrics.connectorTooLarge.inc(tooLargeMessages.length);
      const deadLettered = items.length - fit.length;
      if (deadLettered > 0) metrics.deadLetters.inc({ code: 'too_large' }, deadLettered);
      metrics.connectorDeleted.inc(await deleteFromQueue(sqs, cfg.queueUrl, fit, log));
      await moveTooLarge(tooLargeMessages);
      // sqs-consumer deletes nothing itself (shouldDeleteMessages: false); the list is informational.
      return fit;
    } catch (err) {
      const ids = messages.map((m) => m.MessageId).join(',');
      log.warn({ err: errorMessage(err), messageIds: ids, topic: cfg.rawTopic }, 'publishing failed; messages stay in SQS and come back after their visibility timeout');
      throw err;
    } finally {
      budget.release(held);
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  }

  const pollers = Array.from({ length: cfg.pollers }, () => {
    const consumer = Consumer.create({
      queueUrl: cfg.queueUrl,
      sqs: budgetedSqs,
      batchSize: SQS_MAX_BATCH,
      waitTimeSeconds: cfg.waitTimeSeconds,
      visibilityTimeout: cfg.visibilityTimeoutSeconds,
      // Extends visibility while a batch waits on Kafka, so a slow publish is not delivered twice.
      heartbeatInterval: Math.max(1, Math.floor(cfg.visibilityTimeoutSeconds / 3)),
      // Only the attributes toRawRecord reads: asking for 'All' made SQS send, and the SDK
      // parse, half a dozen more per message, which showed in the connector's CPU per message.
      messageSystemAttributeNames: receiveAttributes(fifo),
      shouldDeleteMessages: false,
      handleMessageBatch: handle,
      preReceiveMessageCallback: () => sqsOutage.pause(stopping.signal),
      postReceiveMessageCallback: async () => sqsOutage.recovered(),
    });
    consumer.on('error', (err, msgs) => {
      if (stopping.signal.aborted) return; // the long poll we cancelled on purpose
      if (msgs === undefined) sqsOutage.failed(err);
      else log.warn({ err: errorMessage(err), queueUrl: cfg.queueUrl }, 'SQS call about received messages failed');
    });
    consumer.on('processing_error', () => { /* logged in handle() */ });
    return consumer;
  });
  for (const p of pollers) p.start();
  log.info({ queueUrl: cfg.queueUrl, topic: cfg.rawTopic, pollers: cfg.pollers, fifo }, 'connector started');

  let stopped: Promise<void> | undefined;
  const ended = deferred();

  return {
    name: 'connector',
    ready: () => !sqsOutage.active,
    done: ended.promise,
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        // Aborting cancels only the pending long poll; handlers in flight finish, publish and delete.
        for (const p of pollers) p.stop({ abort: true });
        if (inFlight > 0) await new Promise<void>((resolve) => { idle = resolve; });
        depthSampler.stop();
        await kafkaSampler.stop();
        await producer.disconnect();
        sqs.destroy();
        log.info({ published }, 'connector stopped');
        ended.resolve();
      })();
      return stopped;
    },
  };
}

/** Deletes what Kafka acknowledged, retrying entries SQS reports as failed; returns how many it deleted. */
async function deleteFromQueue(sqs: SQSClient, queueUrl: string, messages: Message[], log: Logger): Promise<number> {
  if (messages.length === 0) return 0;
  let remaining = messages;
  let refused = 0;
  await retry(async () => {
    const res = await sqs.send(new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: remaining.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
    }));
    const failed = new Set((res.Failed ?? []).filter((f) => !f.SenderFault).map((f) => Number(f.Id)));
    for (const f of res.Failed ?? []) {
      if (f.SenderFault) {
        refused++;
        log.warn({ queueUrl, messageId: remaining[Number(f.Id)]?.MessageId, code: f.Code }, 'SQS refused to delete a published message; it will be redelivered and deduplicated downstream');
      }
    }
    remaining = remaining.filter((_, i) => failed.has(i));
    if (remaining.length > 0) throw new PipelineError('sqs_delete_failed', `${remaining.length} deletes failed`, { retriable: true, context: { queueUrl } });
  }, { initialMs: 200, maxMs: 5_000, attempts: 6 }, {
    onRetry: (err) => log.debug({ err: errorMessage(err) }, 'retrying SQS delete'),
  }).catch((err) => {
    // Not fatal: the messages are in Kafka; SQS will hand them out again and the copies share
    // their sqs.message_id, which the sink deduplicates.
    log.warn({ err: errorMessage(err), queueUrl, count: remaining.length }, 'could not delete published messages from SQS');
  });
  // What is neither refused nor still failing when the retries ended was deleted.
  return messages.length - refused - remaining.length;
}
