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
