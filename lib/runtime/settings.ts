// Settings every service shares. Each service adds its own in its folder's config.ts.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { BadValue, certificateFile, fileVariable, flag, integer, list, oneOf, optionalHttpUrl, optionalTokenUrl, privateKeyFile, rule, secretSetting, setting, text, topicName, httpUrl } from './config.js';

// oauthbearer: tokens from an OIDC client-credentials endpoint; aws-msk-iam: OAUTHBEARER with
// tokens signed by AWS's MSK IAM signer (see lib/kafka/oauth.ts and lib/kafka/msk-iam.ts).
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer', 'aws-msk-iam'] as const;
export type PasswordMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
const isPasswordMechanism = (m: SaslMechanism | undefined): m is PasswordMechanism => m === 'plain' || m === 'scram-sha-256' || m === 'scram-sha-512';
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** A SASL mechanism as kafkajs names it; brokers and their docs write them in capitals. Empty: none. */
export function saslMechanism(raw: string): SaslMechanism | undefined {
  if (raw.trim() === '') return undefined;
  const lower = raw.toLowerCase();
  if (!(SASL_MECHANISMS as readonly string[]).includes(lower)) throw new BadValue(`must be one of ${SASL_MECHANISMS.join(', ')} (or empty for none), got "${raw}"`);
  return lower as SaslMechanism;
}

// Kafka over TLS and SASL, for a real cluster; the local stack needs none of it.
export const kafkaSecuritySettings = {
  kafkaSsl: setting('KAFKA_SSL', 'true: connect to the brokers over TLS (SSL or SASL_SSL listeners)', 'false', flag),
  kafkaSslCa: setting('KAFKA_SSL_CA_FILE', 'PEM file of the CA certificate(s) the brokers\' certificates are checked against; empty: the system\'s trusted roots', '', certificateFile),
  kafkaSslCert: setting('KAFKA_SSL_CERT_FILE', 'PEM client certificate, for brokers that require TLS client authentication (with KAFKA_SSL_KEY_FILE)', '', certificateFile),
  kafkaSslKey: setting('KAFKA_SSL_KEY_FILE', 'PEM private key (unencrypted) of KAFKA_SSL_CERT_FILE', '', privateKeyFile),
  kafkaSaslMechanism: setting('KAFKA_SASL_MECHANISM', `SASL mechanism: ${SASL_MECHANISMS.join(', ')} (OAUTHBEARER with AWS\'s MSK IAM signer); empty: no SASL`, '', saslMechanism),
  kafkaSaslUsername: setting('KAFKA_SASL_USERNAME', 'SASL user name', '', text),
  kafkaSaslPassword: secretSetting('KAFKA_SASL_PASSWORD', 'SASL password', '', text),
  kafkaOauthTokenUrl: setting('KAFKA_OAUTH_TOKEN_URL', 'With KAFKA_SASL_MECHANISM=oauthbearer: the OAuth/OIDC token endpoint, asked for tokens with the client-credentials grant; https:// (http:// only to localhost)', '', optionalTokenUrl),
  kafkaOauthClientId: setting('KAFKA_OAUTH_CLIENT_ID', 'OAuth client id (sent with HTTP Basic to the token endpoint)', '', text),
  kafkaOauthClientSecret: secretSetting('KAFKA_OAUTH_CLIENT_SECRET', 'OAuth client secret', '', text),
  kafkaOauthScope: setting('KAFKA_OAUTH_SCOPE', 'Scopes asked of the token endpoint, space-separated; empty: none', '', text),
  kafkaAwsRegion: setting('KAFKA_AWS_REGION', 'With KAFKA_SASL_MECHANISM=aws-msk-iam: the MSK cluster\'s AWS region (credentials come from the AWS SDK\'s default chain)', '', awsRegion),
};

{
  const s = kafkaSecuritySettings;
  const needsTls = (file: typeof s.kafkaSslCa) =>
    rule([s.kafkaSsl, file], (ssl, pem) => (pem !== undefined && !ssl ? `${file.env} is set but KAFKA_SSL is not true` : undefined));
  needsTls(s.kafkaSslCa);
  needsTls(s.kafkaSslCert);
  needsTls(s.kafkaSslKey);
  rule([s.kafkaSslCert, s.kafkaSslKey], (cert, key) => {
    if ((cert === undefined) !== (key === undefined)) return 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: set both or neither';
    if (cert !== undefined && key !== undefined && !new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
      return 'KAFKA_SSL_KEY_FILE is not the private key of the (first) certificate in KAFKA_SSL_CERT_FILE';
    }
    return undefined;
  });
  rule([s.kafkaSaslMechanism, s.kafkaSaslUsername, s.kafkaSaslPassword], (mechanism, username, password) => {
    if (!isPasswordMechanism(mechanism)) {
      return username !== '' || password !== '' ? 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM plain, scram-sha-256 or scram-sha-512' : undefined;
    }
    const missing = [username === '' ? 'KAFKA_SASL_USERNAME' : '', password === '' ? `KAFKA_SASL_PASSWORD (or ${fileVariable('KAFKA_SASL_PASSWORD')})` : ''].filter(Boolean);
    return missing.length > 0 ? `KAFKA_SASL_MECHANISM=${mechanism} needs ${missing.join(' and ')}` : undefined;
  });
  rule([s.kafkaSaslMechanism, s.kafkaOauthTokenUrl, s.kafkaOauthClientId, s.kafkaOauthClientSecret, s.kafkaOauthScope], (mechanism, url, id, secret, scope) => {
    if (mechanism !== 'oauthbearer') {
      return url !== undefined || id !== '' || secret !== '' || scope !== '' ? 'KAFKA_OAUTH_TOKEN_URL, KAFKA_OAUTH_CLIENT_ID, KAFKA_OAUTH_CLIENT_SECRET and KAFKA_OAUTH_SCOPE need KAFKA_SASL_MECHANISM=oauthbearer' : undefined;
    }
    const missing = [url === undefined ? 'KAFKA_OAUTH_TOKEN_URL' : '', id === '' ? 'KAFKA_OAUTH_CLIENT_ID' : '', secret === '' ? `KAFKA_OAUTH_CLIENT_SECRET (or ${fileVariable('KAFKA_OAUTH_CLIENT_SECRET')})` : ''].filter(Boolean);
    return missing.length > 0 ? `KAFKA_SASL_MECHANISM=oauthbearer needs ${missing.join(' and ')}` : undefined;
  });
  rule([s.kafkaSaslMechanism, s.kafkaAwsRegion, s.kafkaSsl], (mechanism, region, ssl) => {
    if (mechanism !== 'aws-msk-iam') return region !== undefined ? 'KAFKA_AWS_REGION needs KAFKA_SASL_MECHANISM=aws-msk-iam' : undefined;
    if (region === undefined) return 'KAFKA_SASL_MECHANISM=aws-msk-iam needs KAFKA_AWS_REGION (the cluster\'s region, e.g. eu-west-1)';
    // MSK serves IAM only on its TLS listener (port 9098 or 9198).
    return ssl ? undefined : 'KAFKA_SASL_MECHANISM=aws-msk-iam needs KAFKA_SSL=true: MSK accepts IAM only over TLS';
  });
}

/** An AWS region name such as eu-west-1 or us-gov-west-1; empty: none. */
export function awsRegion(raw: string): string | undefined {
  if (raw.trim() === '') return undefined;
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(raw)) throw new BadValue(`must be an AWS region such as eu-west-1, got "${raw.slice(0, 40)}"`);
  return raw;
}

const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;
const TEN_YEARS_MS = 3650 * 24 * 3600 * 1000;

export const kafkaSettings = {
  brokers: setting('KAFKA_BROKERS', 'Kafka bootstrap servers, comma-separated', '127.0.0.1:9092', list),
  clientId: setting('KAFKA_CLIENT_ID', 'Client id prefix sent to Kafka', 'loginpipe', topicName),
  rawTopic: setting('RAW_TOPIC', 'Topic the connector writes SQS bodies to, unchanged', 'logins.raw', topicName),
  cleanTopic: setting('CLEAN_TOPIC', 'Topic of masked Avro records', 'logins.clean', topicName),
  dlqTopic: setting('DLQ_TOPIC', 'Dead-letter topic: rejected bytes, with error headers', 'logins.dlq', topicName),
  topicPartitions: setting('TOPIC_PARTITIONS', 'Partitions for topics loginpipe creates (existing topics are left as they are)', '6', integer(1, 10_000)),
  sessionTimeoutMs: setting('KAFKA_SESSION_TIMEOUT_MS', 'Consumer group session timeout: how soon a crashed instance\'s partitions go to the others', '10000', integer(6_000, 300_000)),
  replicationFactor: setting('TOPIC_REPLICATION_FACTOR', 'Replication factor for topics loginpipe creates', '1', integer(1, 16)),
  minInsyncReplicas: setting('TOPIC_MIN_INSYNC_REPLICAS', 'min.insync.replicas of topics loginpipe creates with 3 or more replicas: how many replicas must hold a record before it is acknowledged', '2', integer(1, 16)),
  ...kafkaSecuritySettings,
  // The raw and dead-letter topics hold clear ip and device_id: their retention is how long.
  rawRetentionMs: setting('RAW_RETENTION_MS', 'retention.ms of the raw topic when loginpipe creates it: how long clear PII stays there', String(SEVEN_DAYS_MS), integer(60_000, TEN_YEARS_MS)),
  dlqRetentionMs: setting('DLQ_RETENTION_MS', 'retention.ms of the dead-letter topic when loginpipe creates it: how long clear PII stays there', String(SEVEN_DAYS_MS), integer(60_000, TEN_YEARS_MS)),
};

// More required in-sync replicas than replicas: no write could ever be acknowledged.
rule([kafkaSettings.replicationFactor, kafkaSettings.minInsyncReplicas], (replicas, minInsync) =>
  replicas >= 3 && minInsync > replicas ? `TOPIC_MIN_INSYNC_REPLICAS (${minInsync}) must not exceed TOPIC_REPLICATION_FACTOR (${replicas})` : undefined);

// Declared beside the registry's authentication, in lib/registry/settings.ts.
export { registrySettings } from '../registry/settings.js';

export const runtimeSettings = {
  logLevel: setting('LOG_LEVEL', 'pino log level', 'info', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent')),
  shutdownTimeoutMs: setting('SHUTDOWN_TIMEOUT_MS', 'Longest a service waits for in-flight work after SIGTERM/SIGINT before exiting', '10000', integer(100, 600_000)),
};
