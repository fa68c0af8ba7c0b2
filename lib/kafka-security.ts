// What createKafka hands kafkajs for TLS and SASL, from the parsed KAFKA_SSL* and KAFKA_SASL_*
// settings. Pure, so the mapping is tested without a broker.
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { SaslMechanism } from './settings.js';

export interface KafkaSecurityConfig {
  kafkaSsl?: boolean;
  kafkaSslCa?: string;
  kafkaSslCert?: string;
  kafkaSslKey?: string;
  kafkaSaslMechanism?: SaslMechanism;
  kafkaSaslUsername?: string;
  kafkaSaslPassword?: string;
}

export interface KafkaSecurityOptions {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
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
    }
  }
  return out;
}
