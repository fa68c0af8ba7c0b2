// A TCP proxy in front of the one local broker that, when armed, lets the next Produce request
// through and drops its answer, closing the connection: the broker has appended the batch, the
// client never hears so. Or it answers the next AddOffsetsToTxn itself with an error code,
// without the broker seeing it, as a coordinator still busy with the previous transaction does. kafkajs connects through it by `socketFactory` (the broker's advertised
// address stays 127.0.0.1:9092, so every connection has to be sent here explicitly).
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

const PRODUCE = 0;
const ADD_OFFSETS_TO_TXN = 25;

export interface AnswerDroppingProxy {
  socketFactory: ISocketFactory;
  /** The answers of the next `count` Produce requests are dropped; resolves once they were. */
  dropProduceAnswers(count: number): Promise<void>;
  /** The next `count` AddOffsetsToTxn requests are answered with this error code (v0/v1 layout). */
  refuseAddOffsets(count: number, errorCode: number): void;
  close(): Promise<void>;
}

/** Splits a byte stream into Kafka frames (int32 size, then the frame). */
function framer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = pending.readInt32BE(0);
      onFrame(pending.subarray(0, 4 + size));
      pending = pending.subarray(4 + size);
    }
  };
}

export async function startAnswerDroppingProxy(port: number, broker = { host: '127.0.0.1', port: 9092 }): Promise<AnswerDroppingProxy> {
  let toDrop = 0;
  let allDropped: (() => void) | undefined;
  let toRefuse = 0;
  let refusal = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(broker);
    sockets.add(client).add(upstream);
    let victim: number | undefined;
    const kill = () => { client.destroy(); upstream.destroy(); };
    client.on('error', kill).on('close', kill);
    upstream.on('error', kill).on('close', kill);
    // Request header: size, api key (int16), api version (int16), correlation id (int32).
    client.on('data', framer((frame) => {
      if (toDrop > 0 && victim === undefined && frame.readInt16BE(4) === PRODUCE) {
        victim = frame.readInt32BE(8);
        toDrop--;
      }
      if (toRefuse > 0 && frame.readInt16BE(4) === ADD_OFFSETS_TO_TXN && frame.readInt16BE(6) <= 1) {
        toRefuse--;
        // size, correlation id, throttle_time_ms, error_code
        const answer = Buffer.alloc(14);
        answer.writeInt32BE(10, 0);
        answer.writeInt32BE(frame.readInt32BE(8), 4);
        answer.writeInt32BE(0, 8);
        answer.writeInt16BE(refusal, 12);
        client.write(answer);
        return;
      }
      upstream.write(frame);
    }));
    // Response header: size, correlation id.
    upstream.on('data', framer((frame) => {
      if (victim !== undefined && frame.readInt32BE(4) === victim) {
        kill();
        if (toDrop === 0) allDropped?.();
        return;
      }
      client.write(frame);
    }));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port }, onConnect),
    refuseAddOffsets: (count, errorCode) => { toRefuse = count; refusal = errorCode; },
    dropProduceAnswers: (count) => new Promise<void>((resolve) => { toDrop = count; allDropped = resolve; }),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
