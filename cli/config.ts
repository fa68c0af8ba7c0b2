// Settings of the operator commands (status, tail, dlq) beyond those the services share.
import { BadValue, rule, setting } from '../lib/runtime/config.js';

function host(raw: string): string {
  const h = raw.trim();
  if (!/^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:.]{2,45}\]$/.test(h)) throw new BadValue('must be a host name or address (an IPv6 address in brackets)');
  return h;
}

export const statusSettings = {
  healthHost: setting('STATUS_HEALTH_HOST', 'Host where `loginpipe status` asks each service\'s health port (CONNECTOR/PROCESSOR/SINK_HEALTH_PORT) for readiness', '127.0.0.1', host),
};

/**
 * A Kafka principal as ACLs name it: `<type>:<name>`, usually `User:<SASL user>`. Never a
 * wildcard: an ACL for `User:*` grants the operation to every client, anonymous ones included
 * (the sink's Read on the clean topic would be everyone's).
 */
function principal(raw: string): string {
  const p = raw.trim();
  if (!/^[A-Za-z]+:\S+$/.test(p)) throw new BadValue(`must be a Kafka principal such as User:loginpipe-connector, got "${raw}"`);
  if (p.includes('*')) throw new BadValue(`must name one principal, not a wildcard: an ACL for "${p}" would grant every client what this service may do`);
  return p;
}

// Whose ACLs `loginpipe acls` prints or creates: each service's own principal.
export const aclSettings = {
  connectorPrincipal: setting('KAFKA_CONNECTOR_PRINCIPAL', 'The connector\'s Kafka principal, for `loginpipe acls`', 'User:loginpipe-connector', principal),
  processorPrincipal: setting('KAFKA_PROCESSOR_PRINCIPAL', 'The processors\' Kafka principal, for `loginpipe acls`', 'User:loginpipe-processor', principal),
  sinkPrincipal: setting('KAFKA_SINK_PRINCIPAL', 'The sinks\' Kafka principal, for `loginpipe acls`', 'User:loginpipe-sink', principal),
};

// A principal shared by two services holds the union of their grants: the connector's principal
// could then read the clean topic, the sink's write the raw one. Each service gets its own.
rule([aclSettings.connectorPrincipal, aclSettings.processorPrincipal, aclSettings.sinkPrincipal], (connector, processor, sink) => {
  const named: [string, string][] = [['KAFKA_CONNECTOR_PRINCIPAL', connector], ['KAFKA_PROCESSOR_PRINCIPAL', processor], ['KAFKA_SINK_PRINCIPAL', sink]];
  const shared = named.filter(([, p], i) => named.some(([, q], j) => i !== j && p === q)).map(([env]) => env);
  return shared.length > 0 ? `${shared.join(' and ')} name the same principal: give each service its own, or it gets the others' access too` : undefined;
});
