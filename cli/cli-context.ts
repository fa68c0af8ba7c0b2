// What the operator commands share: a quiet Kafka client (its warnings go to stderr, never
// among the results on stdout) and stopping on Ctrl-C.
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, type KafkaConfig } from '../lib/kafka/client.js';
import { createLogger } from '../lib/observability/log.js';

export type Out = (line: string) => void;

export function cliKafka(cfg: KafkaConfig, suffix: string): Kafka {
  // The commands report what failed themselves; kafkajs's own lines only with LOG_LEVEL=debug.
  return createKafka(cfg, createLogger({ level: process.env.LOG_LEVEL === 'debug' ? 'debug' : 'silent', destination: process.stderr }), `cli-${suffix}`);
}

/** Fails at once, naming the topic, where kafkajs would retry a missing topic for most of a minute. */
export async function requireTopic(admin: Admin, topic: string): Promise<void> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) throw new Error(`topic ${topic} does not exist (the services create it at start)`);
}

/** Aborted by SIGINT or SIGTERM, so a following command ends cleanly (exit 0). */
export function stopOnSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}
