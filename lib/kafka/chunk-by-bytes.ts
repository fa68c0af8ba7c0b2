// Kafka limits a record *batch* (max.message.bytes), and kafkajs writes one batch per partition
// per send, so sends are split so that no batch can pass the limit even if all land together.

export function chunkByBytes<T>(items: T[], sizeOf: (item: T) => number, maxBytes: number, maxCount = Infinity): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxCount)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Bytes a Kafka message takes on the wire, near enough for sizing batches. */
export function approxRecordBytes(m: { key?: Buffer | string | null; value: Buffer | string | null; headers?: Record<string, unknown> }): number {
  let n = 64 + byteLength(m.key) + byteLength(m.value);
  if (m.headers) for (const [k, v] of Object.entries(m.headers)) n += 8 + Buffer.byteLength(k) + byteLength(v);
  return n;
}

function byteLength(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Buffer.isBuffer(v)) return v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + byteLength(x), 0);
  return 0;
}
