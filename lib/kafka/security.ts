// What createKafka hands kafkajs for TLS and SASL, from the parsed KAFKA_SSL* and KAFKA_SASL_*
// settings. Pure, so the mapping is tested without a broker.
// An OAUTHBEARER mechanism gets a token provider; nothing is fetched until kafkajs connects.
import type { ConnectionOptions } from 'node:tls';
import type { Mechanism, SASLOptions } from 'kafkajs';
import type { SaslMechanism } from '../runtime/settings.js';
import { cachedTokens, oauthBearerMechanism, oidcTokenSource } from './oauth.js';
import { mskIamTokenSource } from './msk-iam.js';

export interface KafkaSecurityConfig {
  kafkaSsl?: boolean;
  kafkaSslCa?: string;
  kafkaSslCert?: string;
  kafkaSslKey?: string;
  kafkaSaslMechanism?: SaslMechanism;
  kafkaSaslUsername?: string;
  kafkaSaslPassword?: string;
  kafkaOauthTokenUrl?: string;
  kafkaOauthClientId?: string;
  kafkaOauthClientSecret?: string;
  kafkaOauthScope?: string;
  kafkaAwsRegion?: string;
}

export interface KafkaSecurityOptions {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions | Mechanism;
}

export function kafkaSecurityOptions(cfg: KafkaSecurityConfig): KafkaSecurityOptions {
  const out: KafkaSecurityOptions = {};
  if (cfg.kafkaSsl) {
    // Certificates are always verified, host names included: a broker with a private CA gets
    // KAFKA_SSL_CA_FILE, never a switch that turns verification off.
    const ssl: ConnectionOptions = { rejectUnauthorized: true };
    if (cfg.kafkaSslCa !== undefined) ssl.ca = cfg.kafkaSslCa;
    if (cfg.kafkaSslCert !== undefined && cfg.kafkaSslKey !== undefined) {
      ssl.cert = cfg.kafkaSslCert;
      ssl.key = cfg.kafkaSslKey;
    }
    out.ssl = ssl;
  }
  if (cfg.kafkaSaslMechanism !== undefined) {
    const credentials = { username: cfg.kafkaSaslUsername ?? '', password: cfg.kafkaSaslPassword ?? '' };
    // Spelled out per mechanism: kafkajs's SASLOptions is a union keyed on the literal.
    switch (cfg.kafkaSaslMechanism) {
      case 'plain': out.sasl = { mechanism: 'plain', ...credentials }; break;
      case 'scram-sha-256': out.sasl = { mechanism: 'scram-sha-256', ...credentials }; break;
      case 'scram-sha-512': out.sasl = { mechanism: 'scram-sha-512', ...credentials }; break;
      case 'oauthbearer': {
        const url = cfg.kafkaOauthTokenUrl ?? '';
        const source = oidcTokenSource({ tokenUrl: url, clientId: cfg.kafkaOauthClientId ?? '', clientSecret: cfg.kafkaOauthClientSecret ?? '', scope: cfg.kafkaOauthScope ?? '' });
        out.sasl = oauthBearerMechanism(cachedTokens(source), `KAFKA_OAUTH_TOKEN_URL (${url}) for KAFKA_OAUTH_CLIENT_ID ${cfg.kafkaOauthClientId ?? ''}`);
        break;
      }
      case 'aws-msk-iam': {
        const region = cfg.kafkaAwsRegion ?? '';
        out.sasl = oauthBearerMechanism(cachedTokens(mskIamTokenSource(region)), `the MSK IAM signer (KAFKA_AWS_REGION ${region}, AWS default credentials chain)`);
        break;
      }
    }
  }
  return out;
}
