// The cluster's own metadata, asked for no topic at all: a Metadata request (version 4) with an
// empty topic list answers with the brokers and the controller only. kafkajs cannot send that: it
// writes an empty topic list as null, which means "every topic", and then fails the whole answer
// on any one partition without a leader. A waiting `stack up` must not depend on a leftover topic
// of some earlier test, so this probe speaks those two messages itself, over one short connection.
// Plaintext only: the local stack's listeners.
import { connect } from 'node:net';

const METADATA_API_KEY = 3;
const METADATA_VERSION = 4;

export interface ClusterMetadata { brokers: number[]; controllerId: number }

/** The request frame: size, header v1 (api key, version, correlation id, client id), no topics, no auto-creation. */
export function metadataRequest(correlationId: number, clientId: string): Buffer {
  const client = Buffer.from(clientId, 'utf8');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + client.length + 4 + 1);
  let at = body.writeInt16BE(METADATA_API_KEY, 0);
  at = body.writeInt16BE(METADATA_VERSION, at);
  at = body.writeInt32BE(correlationId, at);
  at = body.writeInt16BE(client.length, at);
  at += client.copy(body, at);
  at = body.writeInt32BE(0, at); // an empty array: no topics (not null: every topic)
  body.writeUInt8(0, at); // allow_auto_topic_creation false
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/**
 * Reads a version-4 Metadata response (without its size prefix) as far as the controller id:
 * correlation id, throttle time, brokers (node id, host, port, rack), cluster id, controller id.
 * Throws on a wrong correlation id or a response that ends early.
 */
export function readMetadataResponse(buf: Buffer, correlationId: number): ClusterMetadata {
  let at = 0;
  const need = (n: number) => {
    if (at + n > buf.length) throw new Error(`metadata response ends early (${buf.length} bytes)`);
  };
  const int32 = () => { need(4); const v = buf.readInt32BE(at); at += 4; return v; };
  const int16 = () => { need(2); const v = buf.readInt16BE(at); at += 2; return v; };
  const skipString = (nullable: boolean) => {
    const n = int16();
    if (n < 0 && !nullable) throw new Error('metadata response has a null where a string must be');
    if (n > 0) { need(n); at += n; }
  };
  const got = int32();
  if (got !== correlationId) throw new Error(`metadata response for request ${got}, not ${correlationId}`);
  int32(); // throttle_time_ms
  const count = int32();
  if (count < 0 || count > 100_000) throw new Error(`metadata response claims ${count} brokers`);
  const brokers: number[] = [];
  for (let i = 0; i < count; i++) {
    brokers.push(int32());
    skipString(false); // host
    int32(); // port
    skipString(true); // rack
  }
  skipString(true); // cluster_id
  return { brokers, controllerId: int32() };
}

/** Asks `host:port` for the cluster's metadata; rejects on any failure or after timeoutMs. */
export function clusterMetadata(host: string, port: number, timeoutMs = 3000): Promise<ClusterMetadata> {
  const correlationId = 1 + Math.floor(Math.random() * 0x7ffffffe);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const finish = (err: Error | undefined, value?: ClusterMetadata) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no metadata from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once('error', (err) => finish(err));
    socket.once('close', () => finish(new Error(`${host}:${port} closed the connection before answering`)));
    socket.once('connect', () => socket.write(metadataRequest(correlationId, 'loginpipe-stack-probe')));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const size = received.readInt32BE(0);
      if (received.length < 4 + size) return;
      try {
        finish(undefined, readMetadataResponse(received.subarray(4, 4 + size), correlationId));
      } catch (err) {
        finish(err as Error);
      }
    });
  });
}
