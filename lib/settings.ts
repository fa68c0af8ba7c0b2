// Settings every service shares. Each service adds its own in its folder's config.ts.
import { integer, list, oneOf, setting, topicName, httpUrl } from './config.js';

export const kafkaSettings = {
  brokers: setting('KAFKA_BROKERS', 'Kafka bootstrap servers, comma-separated', '127.0.0.1:9092', list),
  clientId: setting('KAFKA_CLIENT_ID', 'Client id prefix sent to Kafka', 'loginpipe', topicName),
  rawTopic: setting('RAW_TOPIC', 'Topic the connector writes SQS bodies to, unchanged', 'logins.raw', topicName),
  cleanTopic: setting('CLEAN_TOPIC', 'Topic of masked Avro records', 'logins.clean', topicName),
  dlqTopic: setting('DLQ_TOPIC', 'Dead-letter topic: rejected bytes, with error headers', 'logins.dlq', topicName),
  topicPartitions: setting('TOPIC_PARTITIONS', 'Partitions for topics loginpipe creates (existing topics are left as they are)', '6', integer(1, 10_000)),
  sessionTimeoutMs: setting('KAFKA_SESSION_TIMEOUT_MS', 'Consumer group session timeout: how soon a crashed instance\'s partitions go to the others', '10000', integer(6_000, 300_000)),
  replicationFactor: setting('TOPIC_REPLICATION_FACTOR', 'Replication factor for topics loginpipe creates', '1', integer(1, 16)),
};

export const registrySettings = {
  registryUrl: setting('SCHEMA_REGISTRY_URL', 'Confluent-compatible Schema Registry base URL', 'http://127.0.0.1:8081/apis/ccompat/v7', httpUrl),
};

export const runtimeSettings = {
  logLevel: setting('LOG_LEVEL', 'pino log level', 'info', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent')),
  shutdownTimeoutMs: setting('SHUTDOWN_TIMEOUT_MS', 'Longest a service waits for in-flight work after SIGTERM/SIGINT before exiting', '10000', integer(100, 600_000)),
};
