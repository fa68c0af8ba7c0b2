import { integer, loadSettings, oneOf, rule, secretSetting, setting, topicName, type Parsed } from '../lib/runtime/config.js';
import { BODY_FORMATS } from './sns-envelope.js';
import { kafkaSettings, registrySettings, runtimeSettings } from '../lib/runtime/settings.js';
import { parseHmacKey } from './mask.js';
import { sealingKeyFrom, sealingSettings } from '../lib/pii/settings.js';
import { cleanSchemaSettings } from '../lib/records/clean-schema.js';
import { COMPATIBILITY_LEVELS } from '../lib/registry/compatibility.js';

export const piiSettings = {
  hmacKey: secretSetting('PII_HMAC_KEY', 'Secret key (base64, at least 32 bytes) for masking ip and device_id; make one with `openssl rand -base64 32`', undefined, parseHmacKey),
  ...sealingSettings,
};

export const processorSettings = {
  ...kafkaSettings,
  ...registrySettings,
  ...runtimeSettings,
  ...piiSettings,
  ...cleanSchemaSettings,
  schemaCompatibility: setting('CLEAN_SCHEMA_COMPATIBILITY', 'Compatibility level the processor sets on the clean subject and checks its schema against before it starts (a schema that breaks it stops the processor, naming the field)', 'FULL_TRANSITIVE', oneOf(...COMPATIBILITY_LEVELS)),
  groupId: setting('PROCESSOR_GROUP_ID', 'Consumer group of the processors', 'loginpipe-processor', topicName),
  healthPort: setting('PROCESSOR_HEALTH_PORT', 'Port of the processor\'s /healthz, /readyz and /metrics (0: any free port)', '9402', integer(0, 65_535)),
  bodyFormat: setting('SQS_BODY_FORMAT', 'What an SQS body is: `raw` (the login event), `sns` (an SNS Notification envelope whose Message is the event) or `auto` (an envelope when it has the shape of one, else the event)', 'auto', oneOf(...BODY_FORMATS)),
  dedupWindow: setting('PROCESSOR_DEDUP_WINDOW', 'Event ids remembered per raw partition: a record repeating one of them (a redelivered SQS message) is dropped; 0 turns this off', '100000', integer(0, 10_000_000)),
  // A fetch returns once it has fetchMinBytes or has waited fetchMaxWaitMs: under a steady stream
  // the wait fills each batch (one transaction) with hundreds of records instead of a handful; a
  // lone event waits at most fetchMaxWaitMs longer than it would with fetchMinBytes 1.
  fetchMinBytes: setting('PROCESSOR_FETCH_MIN_BYTES', 'Bytes a fetch waits for before it returns (1: return at once); more bytes, bigger transactions...', String(256 * 1024), integer(1, 64 * 1024 * 1024)),
  fetchMaxWaitMs: setting('PROCESSOR_FETCH_MAX_WAIT_MS', '...but no longer than this: the most latency the wait adds to an event', '100', integer(0, 10_000)),
  maxBatchBytes: setting('PROCESSOR_FETCH_MAX_BYTES', 'Most bytes fetched per partition per batch (one transaction each)', String(1024 * 1024), integer(64 * 1024, 64 * 1024 * 1024)),
  // What a fetch brings is held until its last batch is processed: with the duplicate filter, the
  // processor's memory (docs/operations.md#memory).
  fetchTotalBytes: setting('PROCESSOR_FETCH_TOTAL_BYTES', 'Most bytes one fetch brings across all partitions (at least PROCESSOR_FETCH_MAX_BYTES): with PROCESSOR_DEDUP_WINDOW, what bounds the processor\'s memory', String(2 * 1024 * 1024), integer(1024 * 1024, 256 * 1024 * 1024)),
};

rule([processorSettings.maxBatchBytes, processorSettings.fetchTotalBytes], (perPartition, total) =>
  total < perPartition ? `PROCESSOR_FETCH_TOTAL_BYTES (${total}) must be at least PROCESSOR_FETCH_MAX_BYTES (${perPartition})` : undefined);

/**
 * Settings an older processor read and this one ignores (with a warning at start, so an operator
 * can tidy them away): PROCESSOR_TRANSACTIONAL_ID gave each instance one transactional id; now
 * each raw partition has its own, `<PROCESSOR_GROUP_ID>:<raw topic>:<partition>`.
 */
export const RETIRED_PROCESSOR_SETTINGS = ['PROCESSOR_TRANSACTIONAL_ID'] as const;

export function retiredProcessorSettings(env: NodeJS.ProcessEnv): string[] {
  return RETIRED_PROCESSOR_SETTINGS.filter((name) => env[name] !== undefined && env[name] !== '');
}

export type ProcessorConfig = Parsed<typeof processorSettings>;

export function loadProcessorConfig(env: NodeJS.ProcessEnv = process.env): ProcessorConfig {
  const cfg = loadSettings(processorSettings, env);
  sealingKeyFrom(cfg); // refuses both PII_RECOVERY_PUBLIC_KEY and its _FILE at start
  return cfg;
}
