// Settings of the operator commands (status, tail, dlq) beyond those the services share.
import { BadValue, setting } from '../lib/runtime/config.js';

function host(raw: string): string {
  const h = raw.trim();
  if (!/^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:.]{2,45}\]$/.test(h)) throw new BadValue('must be a host name or address (an IPv6 address in brackets)');
  return h;
}

export const statusSettings = {
  healthHost: setting('STATUS_HEALTH_HOST', 'Host where `loginpipe status` asks each service\'s health port (CONNECTOR/PROCESSOR/SINK_HEALTH_PORT) for readiness', '127.0.0.1', host),
};

/** A Kafka principal as ACLs name it: `<type>:<name>`, usually `User:<SASL user>`. */
function principal(raw: string): string {
  const p = raw.trim();
  if (!/^[A-Za-z]+:\S+$/.test(p)) throw new BadValue(`must be a Kafka principal such as User:loginpipe-connector, got "${raw}"`);
  return p;
}

// Whose ACLs `loginpipe acls` prints or creates: each service's own principal.
export const aclSettings = {
  connectorPrincipal: setting('KAFKA_CONNECTOR_PRINCIPAL', 'The connector\'s Kafka principal, for `loginpipe acls`', 'User:loginpipe-connector', principal),
  processorPrincipal: setting('KAFKA_PROCESSOR_PRINCIPAL', 'The processors\' Kafka principal, for `loginpipe acls`', 'User:loginpipe-processor', principal),
  sinkPrincipal: setting('KAFKA_SINK_PRINCIPAL', 'The sinks\' Kafka principal, for `loginpipe acls`', 'User:loginpipe-sink', principal),
};
