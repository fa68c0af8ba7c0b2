// Confluent wire format: magic byte 0, big-endian 4-byte schema id, then the Avro body.
// Any consumer that speaks Schema Registry (kcat -s avro, ksqlDB, Kafka Connect) can read it.

const MAGIC = 0;
const HEADER_BYTES = 5;

export class WireFormatError extends Error {}

export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out.writeUInt8(MAGIC, 0);
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, HEADER_BYTES);
  return out;
}

export function unframe(buf: Buffer): { schemaId: number; body: Buffer } {
  if (buf.length < HEADER_BYTES) throw new WireFormatError(`record of ${buf.length} bytes is shorter than the 5-byte wire-format header`);
  const magic = buf.readUInt8(0);
  if (magic !== MAGIC) throw new WireFormatError(`unknown magic byte ${magic}, expected ${MAGIC}`);
  return { schemaId: buf.readUInt32BE(1), body: buf.subarray(HEADER_BYTES) };
}
