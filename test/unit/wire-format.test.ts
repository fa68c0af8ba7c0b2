import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { frame, unframe, WireFormatError } from '../../lib/records/wire-format.js';
import { prng } from '../../cli/sample-logins.js';

// Confluent wire format: byte 0 is the magic 0, bytes 1-4 the schema id as a big-endian unsigned
// 32-bit integer, then the body. Expected bytes are written out by hand.

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');

const frames: { name: string; input: { id: number; body: Buffer }; expected: Buffer }[] = [
  { name: 'schema id 1 with a three-byte body', input: { id: 1, body: hex('aabbcc') }, expected: hex('00 00000001 aabbcc') },
  { name: 'the id is big-endian', input: { id: 0x01020304, body: hex('') }, expected: hex('00 01020304') },
  { name: 'schema id 0', input: { id: 0, body: hex('ff') }, expected: hex('00 00000000 ff') },
  { name: 'the largest unsigned 32-bit id', input: { id: 0xffffffff, body: hex('00') }, expected: hex('00 ffffffff 00') },
  { name: 'an id above 2^31 is not written as a negative number', input: { id: 0x80000000, body: hex('01') }, expected: hex('00 80000000 01') },
  { name: 'a body that itself starts with a zero byte and a fake header', input: { id: 7, body: hex('00 00000009 00') }, expected: hex('00 00000007 00 00000009 00') },
];

for (const c of frames) {
  test(`frame writes ${c.name}`, () => {
    assert.equal(frame(c.input.id, c.input.body).toString('hex'), c.expected.toString('hex'));
  });
  test(`unframe reads back ${c.name}`, () => {
    const { schemaId, body } = unframe(c.expected);
    assert.is(schemaId, c.input.id);
    assert.is(body.toString('hex'), c.input.body.toString('hex'));
  });
}

const badIds: { name: string; input: number }[] = [
  { name: 'a negative id', input: -1 },
  { name: 'an id of 2^32', input: 2 ** 32 },
];

for (const c of badIds) {
  test(`frame refuses ${c.name} instead of wrapping it`, () => {
    assert.throws(() => frame(c.input, hex('00')), (e: unknown) => e instanceof RangeError);
  });
}

const badFrames: { name: string; input: Buffer; expected: RegExp }[] = [
  { name: 'an empty record', input: hex(''), expected: /0 bytes is shorter than the 5-byte/ },
  { name: 'one byte', input: hex('00'), expected: /1 bytes is shorter/ },
  { name: 'four bytes (the id cut short)', input: hex('00 000000'), expected: /4 bytes is shorter/ },
  { name: 'magic byte 1', input: hex('01 00000001 aa'), expected: /unknown magic byte 1\b/ },
  { name: 'magic byte 0xff', input: hex('ff 00000001'), expected: /unknown magic byte 255\b/ },
  { name: 'a JSON text (magic "{")', input: Buffer.from('{"user_id":"x"}'), expected: /unknown magic byte 123\b/ },
  { name: 'a short record with a wrong magic byte reports the length first', input: hex('7b'), expected: /1 bytes is shorter/ },
];

for (const c of badFrames) {
  test(`unframe rejects ${c.name} with a WireFormatError`, () => {
    assert.throws(() => unframe(c.input), (e: unknown) => e instanceof WireFormatError && c.expected.test(e.message));
  });
}

test('unframe of exactly the five header bytes gives an empty body', () => {
  const { schemaId, body } = unframe(hex('00 0000002a'));
  assert.is(schemaId, 42);
  assert.is(body.length, 0);
});

test('frame does not change the body it was given', () => {
  const body = hex('0102030405');
  frame(3, body);
  assert.is(body.toString('hex'), '0102030405');
});

test('frame then unframe gives the id and body back over 1,000 seeded random inputs', () => {
  const rand = prng(77);
  for (let i = 0; i < 1000; i++) {
    const id = Math.floor(rand() * 2 ** 32);
    const body = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
    const framed = frame(id, body);
    assert.is(framed.length, body.length + 5);
    assert.is(framed[0], 0);
    // The id's bytes, worked out independently of Buffer's writer.
    const idBytes = [Math.floor(id / 2 ** 24) % 256, Math.floor(id / 2 ** 16) % 256, Math.floor(id / 2 ** 8) % 256, id % 256];
    assert.equal([...framed.subarray(1, 5)], idBytes);
    const back = unframe(framed);
    assert.is(back.schemaId, id);
    assert.ok(back.body.equals(body), `body differs for id ${id}`);
  }
});

test.run();
