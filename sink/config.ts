import { certificateFile, fileVariable, identifier, integer, loadSettings, postgresUrl, rule, secretSetting, setting, text, topicName, type Parsed } from '../lib/runtime/config.js';
import { sslModeOf } from '../lib/postgres/connection.js';
import { kafkaSettings, registrySettings, runtimeSettings } from '../lib/runtime/settings.js';
import { cleanSchemaSettings } from '../lib/records/clean-schema.js';

export const databaseSettings = {
  databaseUrl: secretSetting('DATABASE_URL', 'Postgres connection URL; `sslmode=require`, `verify-ca` or `verify-full` in it turns on TLS', 'postgres://postgres@127.0.0.1:5432/loginpipe', postgresUrl),
  databasePassword: secretSetting('DATABASE_PASSWORD', 'Postgres password, when it is not in DATABASE_URL (keeps the URL free of secrets)', '', text),
  databaseSslCa: setting('DATABASE_SSL_CA_FILE', 'PEM file of the CA certificate(s) the server\'s certificate must chain to (needs an sslmode in DATABASE_URL)', '', certificateFile),
  databaseSchema: setting('DATABASE_SCHEMA', 'Postgres schema that holds user_logins (created if missing)', 'public', identifier),
  databasePoolSize: setting('DATABASE_POOL_SIZE', 'Connections the sink keeps to Postgres', '4', integer(1, 100)),
};

rule([databaseSettings.databaseUrl, databaseSettings.databasePassword], (url, password) =>
  password !== '' && new URL(url).password !== ''
    ? `DATABASE_URL holds a password and DATABASE_PASSWORD (or ${fileVariable('DATABASE_PASSWORD')}) gives another; keep one`
    : undefined);
rule([databaseSettings.databaseUrl, databaseSettings.databaseSslCa], (url, ca) => {
  const mode = sslModeOf(url);
  return ca !== undefined && (mode === undefined || mode === 'disable')
    ? 'DATABASE_SSL_CA_FILE is set but DATABASE_URL asks for no TLS: add sslmode=verify-full (or verify-ca, require) to it'
    : undefined;
});

// The roles `loginpipe migrate --roles` creates and grants to (sink/roles.ts).
export const roleSettings = {
  ownerRole: setting('DATABASE_OWNER_ROLE', 'Role that owns the schema, the tables and the PII functions; `migrate --roles` runs the migrations as it', 'loginpipe_owner', identifier),
  sinkRole: setting('DATABASE_SINK_ROLE', 'Insert-only role for the sink, made and granted by `migrate --roles`', 'loginpipe_sink', identifier),
  piiRole: setting('DATABASE_PII_ROLE', 'Role for reveal, rekey and forget, which may only execute the PII functions; made and granted by `migrate --roles`', 'loginpipe_pii', identifier),
};

// user_logins's daily partitions (sink/sql/005_...): made ahead and dropped when expired by
// `loginpipe migrate` and by every sink (at start and hourly), through user_logins_upkeep.
export const partitionSettings = {
  partitionsAhead: setting('USER_LOGINS_PARTITIONS_AHEAD', 'Days ahead of today for which user_logins partitions are kept made (by `migrate` and every sink, hourly)', '14', integer(1, 366)),
  retentionDays: setting('USER_LOGINS_RETENTION_DAYS', 'Days of logins kept: a day\'s partition older than this is dropped whole (0: off, rows are kept for ever)', '0', integer(0, 36_500)),
};

export const sinkSettings = {
  ...kafkaSettings,
  ...registrySettings,
  ...runtimeSettings,
  ...databaseSettings,
  ...partitionSettings,
  ...cleanSchemaSettings,
  groupId: setting('SINK_GROUP_ID', 'Consumer group of the sinks', 'loginpipe-sink', topicName),
  healthPort: setting('SINK_HEALTH_PORT', 'Port of the sink\'s /healthz, /readyz and /metrics (0: any free port)', '9403', integer(0, 65_535)),
  batchSize: setting('SINK_BATCH_SIZE', 'Rows per INSERT: a batch is written when it has this many rows...', '1000', integer(1, 50_000)),
  flushesInFlight: setting('SINK_FLUSHES_IN_FLIGHT', 'Batches written to Postgres at the same time, each in its own transaction and connection (at most DATABASE_POOL_SIZE)', '2', integer(1, 16)),
  batchWaitMs: setting('SINK_BATCH_WAIT_MS', '...or when its first row has waited this long', '100', integer(0, 60_000)),
  // A fetch's records are decoded and held until their rows are committed: what bounds the sink's
  // memory (docs/operations.md#memory).
  fetchMaxBytes: setting('SINK_FETCH_MAX_BYTES', 'Most bytes fetched per partition per batch', String(1024 * 1024), integer(64 * 1024, 64 * 1024 * 1024)),
  fetchTotalBytes: setting('SINK_FETCH_TOTAL_BYTES', 'Most bytes one fetch brings across all partitions (at least SINK_FETCH_MAX_BYTES): what bounds the sink\'s memory', String(4 * 1024 * 1024), integer(256 * 1024, 256 * 1024 * 1024)),
};

rule([sinkSettings.fetchMaxBytes, sinkSettings.fetchTotalBytes], (perPartition, total) =>
  total < perPartition ? `SINK_FETCH_TOTAL_BYTES (${total}) must be at least SINK_FETCH_MAX_BYTES (${perPartition})` : undefined);

export type SinkConfig = Parsed<typeof sinkSettings>;
export type DatabaseConfig = Parsed<typeof databaseSettings>;
export type PartitionConfig = Parsed<typeof partitionSettings>;

export function loadSinkConfig(env: NodeJS.ProcessEnv = process.env): SinkConfig {
  return loadSettings(sinkSettings, env);
}
