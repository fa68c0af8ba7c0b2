// What the operator commands share: a quiet Kafka client (its warnings go to stderr, never
// among the results on stdout) and stopping on Ctrl-C.
import type { Kafka } from 'kafkajs';
import { createKafka, type KafkaConfig } from '../lib/kafka.js';
import { createLogger } from '../lib/log.js';

export type Out = (line: string) => void;

export function cliKafka(cfg: KafkaConfig, suffix: string): Kafka {
  return createKafka(cfg, createLogger({ level: process.env.LOG_LEVEL === 'debug' ? 'debug' : 'error', destination: process.stderr }), `cli-${suffix}`);
}

/** Aborted by SIGINT or SIGTERM, so a following command ends cleanly (exit 0). */
export function stopOnSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}
