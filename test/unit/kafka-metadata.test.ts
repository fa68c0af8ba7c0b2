import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { metadataRequest, readMetadataResponse } from '../../stack/kafka-metadata.js';

test('the Metadata request names no topic (an empty array, not null) and asks for no auto-creation', () => {
  const frame = metadataRequest(7, 'probe');
  assert.is(frame.readInt32BE(0), frame.length - 4, 'size prefix');
  assert.equal([frame.readInt16BE(4), frame.readInt16BE(6), frame.readInt32BE(8)], [3, 4, 7], 'api key, version, correlation id');
  assert.is(frame.readInt16BE(12), 5);
  assert.is(frame.subarray(14, 19).toString(), 'probe');
  assert.is(frame.readInt32BE(19), 0, 'zero topics');
  assert.is(frame.readUInt8(23), 0, 'no auto-creation');
  assert.is(frame.length, 24);
});

/** A version-4 response body as a broker writes it. */
function response(opts: { correlationId?: number; brokers?: { id: number; host: string; port: number; rack: string | null }[]; clusterId?: string | null; controllerId?: number }): Buffer {
  const parts: Buffer[] = [];
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); parts.push(b); };
  const str = (s: string | null) => { const b = Buffer.alloc(2); b.writeInt16BE(s === null ? -1 : Buffer.byteLength(s)); parts.push(b); if (s !== null) parts.push(Buffer.from(s)); };
  i32(opts.correlationId ?? 7);
  i32(0);
  const brokers = opts.brokers ?? [{ id: 1, host: '127.0.0.1', port: 9092, rack: null }];
  i32(brokers.length);
  for (const b of brokers) { i32(b.id); str(b.host); i32(b.port); str(b.rack); }
  str(opts.clusterId === undefined ? 'abc' : opts.clusterId);
  i32(opts.controllerId ?? 1);
  i32(0); // topics: none
  return Buffer.concat(parts);
}

const good: { name: string; body: Buffer; expected: { brokers: number[]; controllerId: number } }[] = [
  { name: 'one broker, its own controller', body: response({}), expected: { brokers: [1], controllerId: 1 } },
  { name: 'three brokers with racks', body: response({ brokers: [1, 2, 3].map((id) => ({ id, host: `h${id}`, port: 9000 + id, rack: `r${id}` })), controllerId: 2 }), expected: { brokers: [1, 2, 3], controllerId: 2 } },
  { name: 'no cluster id, no controller yet', body: response({ clusterId: null, controllerId: -1 }), expected: { brokers: [1], controllerId: -1 } },
  { name: 'no brokers yet', body: response({ brokers: [] }), expected: { brokers: [], controllerId: 1 } },
];

for (const c of good) {
  test(`readMetadataResponse: ${c.name}`, () => {
    assert.equal(readMetadataResponse(c.body, 7), c.expected);
  });
}

const bad: { name: string; body: Buffer; error: RegExp }[] = [
  { name: 'another request\'s answer', body: response({ correlationId: 8 }), error: /request 8, not 7/ },
  { name: 'empty', body: Buffer.alloc(0), error: /ends early/ },
  { name: 'cut in the middle of a host', body: response({}).subarray(0, 20), error: /ends early/ },
  { name: 'cut before the controller id', body: response({}).subarray(0, response({}).length - 8), error: /ends early/ },
  { name: 'a negative broker count', body: (() => { const b = response({}); b.writeInt32BE(-5, 8); return b; })(), error: /claims -5 brokers/ },
  { name: 'a huge broker count', body: (() => { const b = response({}); b.writeInt32BE(2 ** 31 - 1, 8); return b; })(), error: /claims/ },
  { name: 'a null host', body: (() => { const b = response({}); b.writeInt16BE(-1, 16); return b; })(), error: /null/ },
  { name: 'a host longer than the response', body: (() => { const b = response({}); b.writeInt16BE(30_000, 16); return b; })(), error: /ends early/ },
];

for (const c of bad) {
  test(`readMetadataResponse refuses ${c.name}`, () => {
    assert.throws(() => readMetadataResponse(c.body, 7), c.error);
  });
}

test.run();
