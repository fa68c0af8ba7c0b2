import { integer, loadSettings, httpUrl, optionalHttpUrl, nonEmpty, setting, type Parsed } from '../lib/runtime/config.js';
import { kafkaSettings, runtimeSettings } from '../lib/runtime/settings.js';
import { parsePartitionPlan } from './partition-plan.js';

export const sqsSettings = {
  queueUrl: setting('SQS_QUEUE_URL', 'URL of the SQS queue to drain', 'http://127.0.0.1:9324/000000000000/login-queue', httpUrl),
  endpoint: setting('SQS_ENDPOINT', 'SQS endpoint; "none" uses AWS\'s own for the region (and the usual AWS credential chain)', 'http://127.0.0.1:9324', optionalHttpUrl),
  region: setting('AWS_REGION', 'AWS region of the queue', 'us-east-1', nonEmpty),
};

export const connectorSettings = {
  ...kafkaSettings,
  ...runtimeSettings,
  ...sqsSettings,
  pollers: setting('SQS_POLLERS', 'Receive loops run in parallel; each takes up to 10 messages per call', '4', integer(1, 64)),
  waitTimeSeconds: setting('SQS_WAIT_TIME_SECONDS', 'Long-polling wait per receive call', '20', integer(0, 20)),
  healthPort: setting('CONNECTOR_HEALTH_PORT', 'Port of the connector\'s /healthz, /readyz and /metrics (0: any free port)', '9401', integer(0, 65_535)),
  partitionPlan: setting('RAW_PARTITION_PLAN', 'Partition counts the connector hashes message ids over, by SQS sent time: "6", or "6,12@2026-12-10T00:00:00Z" after adding raw partitions (docs/operations.md, "Adding raw partitions"); empty: TOPIC_PARTITIONS', '', (raw) => (raw.trim() === '' ? undefined : parsePartitionPlan(raw))),
  maxBodyBytes: setting('CONNECTOR_MAX_BODY_BYTES', 'Most bytes of SQS bodies held at once (received, not yet published and deleted): a receive call waits for room; one batch always fits. With it, what bounds the connector\'s memory', String(16 * 1024 * 1024), integer(1024 * 1024, 1024 * 1024 * 1024)),
  visibilityTimeoutSeconds: setting('SQS_VISIBILITY_TIMEOUT_SECONDS', 'Visibility timeout asked for received messages; extended while they are being published', '30', integer(5, 43_200)),
};

export type ConnectorConfig = Parsed<typeof connectorSettings>;

export function loadConnectorConfig(env: NodeJS.ProcessEnv = process.env): ConnectorConfig {
  return loadSettings(connectorSettings, env);
}
