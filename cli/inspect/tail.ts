// `loginpipe tail clean|raw|dlq`: prints a topic's committed records, as they arrive or from the
// beginning. Clean records are decoded through the registry; dead letters are parsed into code,
// message and source; raw and dead-letter values (clear PII) only with --show-value.
import type { Kafka } from 'kafkajs';
import { loadSettings } from '../../lib/runtime/config.js';
import { kafkaSettings, registrySettings } from '../../lib/runtime/settings.js';
import { SchemaRegistry, registryOptionsFrom, type RegistryOptions } from '../../lib/registry/client.js';
import { createUserLoginDecoder } from '../../lib/records/user-login.js';
import { parseDeadLetter } from '../../lib/records/dead-letter.js';
import { HEADER_MESSAGE_ID, HEADER_REPLAY_OF, headerText } from '../../lib/records/headers.js';
import { errorMessage } from '../../lib/runtime/errors.js';
import { cliKafka, stopOnSignal, type Out } from '../cli-context.js';
import { scanTopic, type ScannedRecord } from './topic-scan.js';
import { cleanView, deadLetterView, rawView, undecodableView } from './record-view.js';

export type TailTopic = 'clean' | 'raw' | 'dlq';

export interface TailOptions {
  topic: TailTopic;
  fromBeginning: boolean;
  max: number | undefined;
  json: boolean;
  count: boolean;
  showValue: boolean;
}

/** Turns one record into its printable forms, for the chosen topic. */
export function recordPrinter(topic: TailTopic, registry: string | RegistryOptions, showValue: boolean): (r: ScannedRecord) => Promise<{ json: object; line: string }> {
  const decode = createUserLoginDecoder(new SchemaRegistry(registry));
  return async ({ topic: name, partition, offset, message }) => {
    const at = { partition, offset, timestamp: message.timestamp };
    const headers = message.headers as Record<string, unknown> | undefined;
    if (topic === 'raw') return rawView(at, headerText(headers, HEADER_MESSAGE_ID), message.value, showValue);
    if (topic === 'dlq') {
      try {
        const d = parseDeadLetter({ key: message.key, value: message.value, headers }, { topic: name, partition, offset });
        return deadLetterView(d, message.timestamp, headerText(headers, HEADER_REPLAY_OF), showValue);
      } catch (err) {
        return undecodableView(at, errorMessage(err));
      }
    }
    if (message.value === null) return undecodableView(at, 'no value');
    try {
      return cleanView(at, await decode(message.value));
    } catch (err) {
      return undecodableView(at, errorMessage(err));
    }
  };
}

export function topicName(cfg: { rawTopic: string; cleanTopic: string; dlqTopic: string }, topic: TailTopic): string {
  return topic === 'raw' ? cfg.rawTopic : topic === 'clean' ? cfg.cleanTopic : cfg.dlqTopic;
}

export async function tailCommand(opts: TailOptions, out: Out): Promise<number> {
  const cfg = loadSettings({ ...kafkaSettings, ...registrySettings });
  const kafka: Kafka = cliKafka(cfg, 'tail');
  const topic = topicName(cfg, opts.topic);
  const signal = stopOnSignal();
  if (opts.count) {
    // Counting is for scripts: everything committed up to the topic's current end.
    const n = await scanTopic(kafka, { topic, start: 'earliest', toEnd: true, max: opts.max, signal, onRecord: () => {} });
    out(String(n));
    return 0;
  }
  const print = recordPrinter(opts.topic, registryOptionsFrom(cfg), opts.showValue);
  await scanTopic(kafka, {
    topic,
    start: opts.fromBeginning ? 'earliest' : 'latest',
    toEnd: false,
    max: opts.max,
    signal,
    onRecord: async (r) => {
      const v = await print(r);
      out(opts.json ? JSON.stringify(v.json) : v.line);
    },
  });
  return 0;
}
