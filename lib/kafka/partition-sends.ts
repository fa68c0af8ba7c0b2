// Sends to a topic as one produce call per partition, so that no single kafkajs send() ever
// spans two brokers.
//
// Why: kafkajs 2.2.4 (sendMessages.js) keeps, across the retries of one send(), a map of the
// brokers that already answered, and on a retry it only sends to brokers without an answer. When
// a broker fails over mid-send, its partitions move to a broker that has already answered, so
// their records are never sent again, and send() resolves as if they had been written (kafkajs
// #1303, PR #1798). With the idempotent producer the skipped records' sequence numbers are also
// left out of step with the broker, which then refuses the partition's later batches with
// OUT_OF_ORDER_SEQUENCE_NUMBER. A send() that names a single partition has one leader at a time:
// a retry after a failover goes to the new leader, because no other broker answered.
import { Partitioners, type Message, type PartitionerArgs, type ProducerRecord } from 'kafkajs';
import { sendInChunks } from './client.js';

export interface Sends {
  send(record: ProducerRecord): Promise<unknown>;
}

// The partitioner is built once: it only hashes keys (and counts round-robin for keyless messages),
// and a send per transaction must not pay for a new one. The metadata it reads only needs the
// partition ids, so one array per partition count serves every call.
const partitioner = Partitioners.DefaultPartitioner();
const metadataByCount = new Map<number, PartitionerArgs['partitionMetadata']>();
function metadataFor(partitions: number): PartitionerArgs['partitionMetadata'] {
  let metadata = metadataByCount.get(partitions);
  if (metadata === undefined) {
    metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 })) as PartitionerArgs['partitionMetadata'];
    metadataByCount.set(partitions, metadata);
  }
  return metadata;
}

/** The partition the Java client (and kafkajs's DefaultPartitioner) would choose for this key among `partitions`. */
export function partitionFor(topic: string, message: Message, partitions: number): number {
  return partitioner({ topic, partitionMetadata: metadataFor(partitions), message });
}

/**
 * Messages grouped by the partition the Java client (and kafkajs's DefaultPartitioner) would
 * choose for their key, in their original order within each partition. A message that names its
 * partition keeps it. Messages without a key are spread round-robin.
 */
export function groupByPartition(topic: string, messages: Message[], partitions: number): Map<number, Message[]> {
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`topic ${topic}: cannot place messages on ${partitions} partitions`);
  const partitionMetadata = metadataFor(partitions);
  const groups = new Map<number, Message[]>();
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
      throw new Error(`topic ${topic} has partitions 0-${partitions - 1}; a message names partition ${partition}`);
    }
    const group = groups.get(partition) ?? [];
    group.push({ ...message, partition });
    groups.set(partition, group);
  }
  return groups;
}

/**
 * Writes every message, each partition's share in its own send() calls (chunked by bytes), the
 * partitions in parallel, or one after the other with `sequential` (for a transaction, or an
 * idempotent producer, which kafkajs does not make safe for concurrent sends). Resolves once all
 * are acknowledged; if any partition fails, waits for the others to finish and then rejects with
 * the first error, so a caller that retries the whole lot never has sends of an earlier attempt
 * still in flight.
 */
export async function sendPerPartition(to: Sends, topic: string, messages: Message[], partitions: number, maxBytes?: number, opts: { sequential?: boolean } = {}): Promise<void> {
  const groups = [...groupByPartition(topic, messages, partitions).values()];
  if (opts.sequential) {
    for (const group of groups) await sendInChunks(to, topic, group, maxBytes);
    return;
  }
  const results = await Promise.allSettled(groups.map((group) => sendInChunks(to, topic, group, maxBytes)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
