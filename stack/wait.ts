// Probes of whether a local service answers. Every probe has its own short timeout so that one
// hung connection cannot eat a whole wait (waiting itself is lib/runtime/wait-until.ts).
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { clusterMetadata } from './kafka-metadata.js';

/** True when a TCP connection to host:port opens within timeoutMs. */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when an HTTP request answers with a 2xx status within timeoutMs. */
export async function httpOk(url: string, init: RequestInit = {}, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer(); // drain, so the keep-alive socket is reusable and nothing dangles
    return res.ok;
  } catch {
    return false;
  }
}

/** A probe that throws counts as "not yet". */
export async function probe(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

/**
 * A real request answered by a broker that knows its cluster: an open port alone also answers
 * while it is still loading. The request names no topic, so a leftover topic without a leader
 * (from a multi-broker test) cannot make a healthy broker look down.
 * `ssl`: TLS options for a listener that wants them (a client certificate for one that requires
 * it); kafkajs's admin speaks TLS, and its describeCluster names no topic either.
 */
export async function kafkaAnswers(broker: string, ssl?: ConnectionOptions): Promise<boolean> {
  const [host, port] = [broker.slice(0, broker.lastIndexOf(':')), Number(broker.slice(broker.lastIndexOf(':') + 1))];
  if (!(await tcpOpen(host, port))) return false;
  if (ssl !== undefined) return tlsClusterAnswers(broker, ssl);
  try {
    const { brokers, controllerId } = await clusterMetadata(host, port);
    return brokers.length > 0 && controllerId >= 0;
  } catch {
    return false;
  }
}

async function tlsClusterAnswers(broker: string, ssl: ConnectionOptions): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'loginpipe-stack-probe',
    brokers: [broker],
    ssl,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const { brokers, controller } = await admin.describeCluster();
    return brokers.length > 0 && controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
