import { identifier, integer, loadSettings, postgresUrl, setting, topicName, type Parsed } from '../lib/config.js';
import { kafkaSettings, registrySettings, runtimeSettings } from '../lib/settings.js';

export const databaseSettings = {
  databaseUrl: setting('DATABASE_URL', 'Postgres connection URL', 'postgres://postgres@127.0.0.1:5432/loginpipe', postgresUrl),
  databaseSchema: setting('DATABASE_SCHEMA', 'Postgres schema that holds user_logins (created if missing)', 'public', identifier),
  databasePoolSize: setting('DATABASE_POOL_SIZE', 'Connections the sink keeps to Postgres', '4', integer(1, 100)),
};

export const sinkSettings = {
  ...kafkaSettings,
  ...registrySettings,
  ...runtimeSettings,
  ...databaseSettings,
  groupId: setting('SINK_GROUP_ID', 'Consumer group of the sinks', 'loginpipe-sink', topicName),
  healthPort: setting('SINK_HEALTH_PORT', 'Port of the sink\'s /healthz, /readyz and /metrics (0: any free port)', '9403', integer(0, 65_535)),
  batchSize: setting('SINK_BATCH_SIZE', 'Rows per INSERT: a batch is written when it has this many rows...', '1000', integer(1, 50_000)),
  batchWaitMs: setting('SINK_BATCH_WAIT_MS', '...or when its first row has waited this long', '100', integer(0, 60_000)),
};

export type SinkConfig = Parsed<typeof sinkSettings>;
export type DatabaseConfig = Parsed<typeof databaseSettings>;

export function loadSinkConfig(env: NodeJS.ProcessEnv = process.env): SinkConfig {
  return loadSettings(sinkSettings, env);
}
