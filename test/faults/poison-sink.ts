// Clean records for the sink's poison tests: valid Avro, written through the registry as the
// processor writes them, on a clean topic of one partition so that order is the topic's order.
import type { Message } from 'kafkajs';
import { ensureTopics, pipelineTopicSpecs, withAdmin } from '../../lib/kafka/client.js';
import { SchemaRegistry } from '../../lib/registry/client.js';
import { createUserLoginEncoder, type UserLogin } from '../../lib/records/user-login.js';
import { HEADER_MESSAGE_ID } from '../../lib/records/headers.js';
import { kafka, type World } from '../integration/harness.js';

export function login(eventId: string, change: Partial<UserLogin> = {}): UserLogin {
  return {
    event_id: eventId, user_id: `u-${eventId}`, device_type: 'android', masked_ip: 'a'.repeat(64), masked_device_id: 'b'.repeat(64),
    locale: 'RU', app_version: '2.3.0', login_time: Date.UTC(2026, 11, 6), sealed_ip: null, sealed_device_id: null, mask_key_id: null,
    ...change,
  };
}

/** The world's topics, the clean one with a single partition; `dlqConfig` replaces the dead-letter topic's settings. */
export async function oneCleanPartition(world: World, dlqConfig?: { name: string; value: string }[]): Promise<void> {
  const specs = pipelineTopicSpecs({
    rawTopic: world.env.RAW_TOPIC!, cleanTopic: world.env.CLEAN_TOPIC!, dlqTopic: world.env.DLQ_TOPIC!, topicPartitions: 1, replicationFactor: 1,
  });
  if (dlqConfig) specs[2]!.configEntries = dlqConfig;
  await withAdmin(kafka, (admin) => ensureTopics(admin, specs));
}

/** Clean-topic messages for these records, keyed and headed by their event ids as the processor does. */
export async function cleanMessages(world: World, records: UserLogin[]): Promise<Message[]> {
  const encode = await createUserLoginEncoder(new SchemaRegistry(world.env.SCHEMA_REGISTRY_URL!), world.env.CLEAN_TOPIC!);
  return records.map((r) => ({ key: r.user_id, value: encode(r), headers: { [HEADER_MESSAGE_ID]: r.event_id } }));
}

/** The group's committed offset on partition 0 of the clean topic (-1: none). */
export async function committedOffset(world: World): Promise<string> {
  return withAdmin(kafka, async (admin) => {
    const [t] = await admin.fetchOffsets({ groupId: world.env.SINK_GROUP_ID!, topics: [world.env.CLEAN_TOPIC!] });
    return t?.partitions.find((p) => p.partition === 0)?.offset ?? '-1';
  });
}
