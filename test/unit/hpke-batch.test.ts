// The version 2 sealed format (bound to the event id alone; written by older processors, still
// opened): many values per HPKE context (RFC 9180 multi-shot), each value
// opening alone. Checked against the RFC's vectors at sequence numbers above 0, against
// @hpke/core, and with hostile bytes; version 1 values must still open.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import {
  BatchSealer, MAX_SEQUENCE, MAX_VALUES_PER_CONTEXT, SEALED_FORMAT_V1, SEALED_FORMAT_V2, SEALED_INFO_V2, SEALED_INFO_V1, SealedValueError,
  aeadOpen, generateRawKeyPair, importOpeningKey, importSealingKey, nonceFor, open, openText, sealV1, setupBaseRecipient,
} from '../../lib/pii/hpke.js';
import { LAST_SEQUENCE, VECTOR, aadFor, hex, toHex } from './rfc9180-vectors.js';

const lib = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const pair = generateRawKeyPair();
const sealing = importSealingKey(pair.publicKey);
const opening = () => importOpeningKey(pair.privateKey); // a fresh one: no contexts remembered
const wrong = importOpeningKey(generateRawKeyPair().privateKey);
const HEADER = 1 + 32 + 4;

// ---- the RFC's vectors, through the whole format --------------------------------------------------

test('RFC 9180 vector: a BatchSealer writes the published ciphertext at sequences 0, 1, 2, 4, 255 and 256', () => {
  const sealer = new BatchSealer(importSealingKey(hex(VECTOR.pkRm)), { maxValues: LAST_SEQUENCE + 1, vector: { info: hex(VECTOR.info), ephemeralPrivate: hex(VECTOR.skEm) }, format: 2 });
  for (let i = 0; i <= LAST_SEQUENCE; i++) {
    const sealed = sealer.seal(hex(VECTOR.pt), hex(aadFor(i)));
    assert.is(sealed[0], SEALED_FORMAT_V2);
    assert.is(toHex(sealed.subarray(1, 33)), VECTOR.enc, `enc at sequence ${i}`);
    assert.is(sealed.readUInt32BE(33), i);
    const published = VECTOR.encryptions.get(i);
    if (published !== undefined) assert.is(toHex(sealed.subarray(HEADER)), published.ct, `sequence ${i}`);
  }
  assert.is(sealer.contexts, 1);
});

test('RFC 9180 vector: each published ciphertext opens alone from its enc and sequence number', () => {
  const key = importOpeningKey(hex(VECTOR.skRm));
  for (const [seq, e] of VECTOR.encryptions) {
    // Out of order, each from scratch: the recipient needs nothing but the value's own bytes.
    const ctx = setupBaseRecipient(hex(VECTOR.enc), key, hex(VECTOR.info));
    assert.is(toHex(aeadOpen(ctx.key, nonceFor(ctx.baseNonce, seq), hex(e.aad), hex(e.ct))), VECTOR.pt, `sequence ${seq}`);
  }
});

// ---- a second implementation ----------------------------------------------------------------------

test('a batch sealed by us opens in @hpke/core\'s multi-shot context, value after value', async () => {
  const sealer = new BatchSealer(sealing, { format: 2 });
  const values = Array.from({ length: 20 }, (_, i) => ({ clear: `198.51.100.${i}`, event: `evt-${i}` }));
  const sealed = values.map((v) => sealer.sealField('ip', v.clear, v.event));
  const recipient = await lib.createRecipientContext({ recipientKey: await lib.kem.deserializePrivateKey(pair.privateKey), enc: sealed[0]!.subarray(1, 33), info: SEALED_INFO_V2 });
  for (const [i, s] of sealed.entries()) {
    assert.is(toHex(s.subarray(1, 33)), toHex(sealed[0]!.subarray(1, 33)), 'one enc for the batch');
    assert.is(s.readUInt32BE(33), i);
    assert.is(Buffer.from(await recipient.open(s.subarray(HEADER), Buffer.from(values[i]!.event))).toString(), values[i]!.clear);
  }
});

test('a batch sealed by @hpke/core opens with ours, each value alone and out of order', async () => {
  const sender = await lib.createSenderContext({ recipientPublicKey: await lib.kem.deserializePublicKey(pair.publicKey), info: SEALED_INFO_V2 });
  const sealed: Buffer[] = [];
  for (let i = 0; i < 10; i++) {
    const ct = await sender.seal(Buffer.from(`dev-${i}`), Buffer.from(`evt-${i}`));
    const seq = Buffer.alloc(4);
    seq.writeUInt32BE(i);
    sealed.push(Buffer.concat([Buffer.of(SEALED_FORMAT_V2), new Uint8Array(sender.enc), seq, new Uint8Array(ct)]));
  }
  for (const i of [7, 0, 9, 3, 3]) assert.is(openText(opening(), sealed[i]!, `evt-${i}`), `dev-${i}`);
  const remembering = opening();
  for (const i of [5, 1, 8]) assert.is(openText(remembering, sealed[i]!, `evt-${i}`), `dev-${i}`);
  assert.is(remembering.contexts.size, 1, 'one context remembered for the batch');
});

// ---- old rows ---------------------------------------------------------------------------------------

test('a version 1 value (one context per value) still opens, ours and @hpke/core\'s', async () => {
  const old = sealV1(sealing, Buffer.from('203.0.113.5'), Buffer.from('evt-old'));
  assert.is(old[0], SEALED_FORMAT_V1);
  assert.is(old.length, 1 + 32 + 11 + 16);
  assert.is(openText(opening(), old, 'evt-old'), '203.0.113.5');
  const theirs = await lib.seal({ recipientPublicKey: await lib.kem.deserializePublicKey(pair.publicKey), info: SEALED_INFO_V1 }, Buffer.from('dev-old'), Buffer.from('evt-old'));
  assert.is(openText(opening(), Buffer.concat([Buffer.of(SEALED_FORMAT_V1), new Uint8Array(theirs.enc), new Uint8Array(theirs.ct)]), 'evt-old'), 'dev-old');
  assert.throws(() => openText(opening(), old, 'evt-other'), (e: unknown) => e instanceof SealedValueError && e.code === 'does_not_open');
});

test('a version 1 value relabelled as version 2 does not open (the info differs too)', () => {
  const old = sealV1(sealing, Buffer.from('203.0.113.5'), Buffer.from('evt-old'));
  const relabelled = Buffer.concat([Buffer.of(SEALED_FORMAT_V2), old.subarray(1, 33), Buffer.alloc(4), old.subarray(33)]);
  assert.throws(() => openText(opening(), relabelled, 'evt-old'), (e: unknown) => e instanceof SealedValueError && e.code === 'does_not_open');
});

// ---- the sealer ---------------------------------------------------------------------------------------

test('a sealer encapsulates afresh after maxValues values, and every value still opens', () => {
  const sealer = new BatchSealer(sealing, { maxValues: 3, format: 2 });
  const sealed = Array.from({ length: 7 }, (_, i) => sealer.sealField('ip', '192.0.2.1', `e${i}`));
  assert.equal(sealed.map((s) => s.readUInt32BE(33)), [0, 1, 2, 0, 1, 2, 0]);
  assert.is(new Set(sealed.map((s) => toHex(s.subarray(1, 33)))).size, 3);
  assert.is(sealer.contexts, 3);
  sealed.forEach((s, i) => assert.is(openText(opening(), s, `e${i}`), '192.0.2.1'));
});

test('a sealer that seals nothing encapsulates nothing; the default limit is MAX_VALUES_PER_CONTEXT', () => {
  const sealer = new BatchSealer(sealing, { format: 2 });
  assert.is(sealer.contexts, 0);
  for (let i = 0; i <= MAX_VALUES_PER_CONTEXT; i++) sealer.sealField('ip', 'x', `e${i}`);
  assert.is(sealer.contexts, 2);
});

test('equal values sealed in one context differ (each has its own nonce)', () => {
  const sealer = new BatchSealer(sealing, { format: 2 });
  const a = sealer.sealField('ip', '203.0.113.77', 'same-event');
  const b = sealer.sealField('ip', '203.0.113.77', 'same-event');
  assert.is.not(toHex(a.subarray(HEADER)), toHex(b.subarray(HEADER)));
});

test('each value is bound to its own event id, also when ids alternate within one sealer', () => {
  const sealer = new BatchSealer(sealing, { format: 2 });
  const ids = ['e1', 'e1', 'e2', 'e1', '', 'e2'];
  const sealed = ids.map((id, i) => sealer.sealField('ip', `v${i}`, id));
  sealed.forEach((s, i) => {
    assert.is(openText(opening(), s, ids[i]!), `v${i}`);
    for (const other of ['e1', 'e2', ''].filter((o) => o !== ids[i])) {
      assert.throws(() => openText(opening(), s, other), (e: unknown) => e instanceof SealedValueError && e.code === 'does_not_open');
    }
  });
});

for (const maxValues of [0, -1, 1.5, Number.NaN, MAX_SEQUENCE + 2]) {
  test(`a sealer refuses ${maxValues} values per context`, () => {
    assert.throws(() => new BatchSealer(sealing, { maxValues }), (e: unknown) => e instanceof RangeError);
  });
}

// ---- refused ------------------------------------------------------------------------------------------

const batch = new BatchSealer(sealing, { format: 2 });
const EVENT = 'c0ffee00-1111-4222-8333-444455556666';
const CLEAR = '203.0.113.77';
const first = batch.sealField('ip', '198.51.100.1', 'evt-first');
const good = batch.sealField('ip', CLEAR, EVENT);
const withSeq = (b: Buffer, seq: number) => { const c = Buffer.from(b); c.writeUInt32BE(seq, 33); return c; };
const flip = (b: Buffer, at: number) => { const c = Buffer.from(b); c[at] = c[at]! ^ 0x01; return c; };

const refused: { name: string; sealed: Buffer; eventId: string; code: SealedValueError['code']; key?: ReturnType<typeof opening> }[] = [
  { name: 'a value moved onto another row (another event id)', sealed: good, eventId: 'evt-first', code: 'does_not_open' },
  { name: 'a value moved onto a row of the same batch', sealed: first, eventId: EVENT, code: 'does_not_open' },
  { name: 'the wrong private key', sealed: good, eventId: EVENT, code: 'does_not_open', key: wrong },
  { name: 'another sequence number of the same context', sealed: withSeq(good, 0), eventId: EVENT, code: 'does_not_open' },
  { name: 'a sequence number of 2^32 - 1', sealed: withSeq(good, MAX_SEQUENCE), eventId: EVENT, code: 'does_not_open' },
  { name: 'a flipped bit in the sequence number\'s high byte', sealed: flip(good, 33), eventId: EVENT, code: 'does_not_open' },
  { name: 'a flipped bit in enc', sealed: flip(good, 1), eventId: EVENT, code: 'does_not_open' },
  { name: 'an all-zero enc (a small-order point)', sealed: Buffer.concat([good.subarray(0, 1), Buffer.alloc(32), good.subarray(33)]), eventId: EVENT, code: 'does_not_open' },
  { name: 'a flipped bit in the ciphertext', sealed: flip(good, HEADER + 2), eventId: EVENT, code: 'does_not_open' },
  { name: 'a flipped bit in the tag', sealed: flip(good, good.length - 1), eventId: EVENT, code: 'does_not_open' },
  { name: 'one byte cut off', sealed: good.subarray(0, good.length - 1), eventId: EVENT, code: 'does_not_open' },
  { name: 'a byte appended', sealed: Buffer.concat([good, Buffer.of(0)]), eventId: EVENT, code: 'does_not_open' },
  { name: 'a header and a tag only (one byte short)', sealed: good.subarray(0, HEADER + 15), eventId: EVENT, code: 'unknown_format' },
  { name: 'the version byte alone', sealed: good.subarray(0, 1), eventId: EVENT, code: 'unknown_format' },
  { name: 'version 0', sealed: Buffer.concat([Buffer.of(0x00), good.subarray(1)]), eventId: EVENT, code: 'unknown_format' },
  { name: 'version 4', sealed: Buffer.concat([Buffer.of(0x04), good.subarray(1)]), eventId: EVENT, code: 'unknown_format' },
  { name: 'version 255', sealed: Buffer.concat([Buffer.of(0xff), good.subarray(1)]), eventId: EVENT, code: 'unknown_format' },
  { name: 'a version 2 value read as version 1', sealed: Buffer.concat([Buffer.of(SEALED_FORMAT_V1), good.subarray(1)]), eventId: EVENT, code: 'does_not_open' },
  { name: 'the clear value', sealed: Buffer.from(CLEAR), eventId: EVENT, code: 'unknown_format' },
];
for (const c of refused) {
  test(`open refuses ${c.name} with ${c.code}, echoing nothing, remembering no context`, () => {
    const key = c.key ?? opening();
    try {
      openText(key, c.sealed, c.eventId);
      assert.unreachable('it opened');
    } catch (err) {
      assert.instance(err, SealedValueError);
      const e = err as SealedValueError;
      assert.is(e.code, c.code);
      for (const secret of [CLEAR, c.eventId, c.sealed.toString('hex').slice(0, 16), c.sealed.toString('base64').slice(0, 16)]) {
        assert.not.ok(e.message.includes(secret), e.message);
      }
      assert.is(e.cause, undefined);
    }
    assert.is(key.contexts.size, 0);
  });
}

test('a context remembered from a good value does not open a moved one', () => {
  const key = opening();
  assert.is(openText(key, first, 'evt-first'), '198.51.100.1');
  assert.is(key.contexts.size, 1);
  assert.throws(() => openText(key, good, 'evt-first'), (e: unknown) => e instanceof SealedValueError && e.code === 'does_not_open');
  assert.is(openText(key, good, EVENT), CLEAR);
});

test('open takes a view into a larger buffer (as pg gives bytea columns)', () => {
  const big = Buffer.concat([Buffer.alloc(7, 9), good, Buffer.alloc(5, 1)]);
  assert.is(open(opening(), big.subarray(7, 7 + good.length), Buffer.from(EVENT)).toString(), CLEAR);
});

test.run();
