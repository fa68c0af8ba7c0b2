import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import {
  SEALED_FORMAT_V2, SEALED_INFO_V2, SealedValueError, aeadOpen, aeadSeal, deriveX25519PrivateKey, generateRawKeyPair,
  importOpeningKey, importSealingKey, nonceFor, open, openText, publicKeyOf, seal, sealText, setupBaseRecipient,
  setupBaseSender, type BaseContext,
} from '../../lib/pii/hpke.js';
import { LAST_SEQUENCE, VECTOR, aadFor, hex, toHex } from './rfc9180-vectors.js';

// A second, independent implementation (a dev dependency only), to cross-check ours.
const lib = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

// ---- RFC 9180 test vectors (./rfc9180-vectors.ts) ------------------------------------------------

function assertSchedule(ctx: BaseContext) {
  assert.is(toHex(ctx.enc), VECTOR.enc);
  assert.is(toHex(ctx.sharedSecret), VECTOR.shared_secret);
  assert.is(toHex(ctx.keyScheduleContext), VECTOR.key_schedule_context);
  assert.is(toHex(ctx.secret), VECTOR.secret);
  assert.is(toHex(ctx.key), VECTOR.key);
  assert.is(toHex(ctx.baseNonce), VECTOR.base_nonce);
  assert.is(toHex(ctx.exporterSecret), VECTOR.exporter_secret);
}

test('RFC 9180 vector: DeriveKeyPair gives the published recipient and ephemeral keys', () => {
  assert.is(toHex(deriveX25519PrivateKey(hex(VECTOR.ikmR))), VECTOR.skRm);
  assert.is(toHex(deriveX25519PrivateKey(hex(VECTOR.ikmE))), VECTOR.skEm);
  assert.is(toHex(publicKeyOf(hex(VECTOR.skRm))), VECTOR.pkRm);
  assert.is(toHex(publicKeyOf(hex(VECTOR.skEm))), VECTOR.pkEm);
});

test('RFC 9180 vector: SetupBaseS gives the published enc, shared secret and key schedule', () => {
  assertSchedule(setupBaseSender(hex(VECTOR.pkRm), hex(VECTOR.info), hex(VECTOR.skEm)));
});

test('RFC 9180 vector: SetupBaseR from the private key gives the same', () => {
  assertSchedule(setupBaseRecipient(hex(VECTOR.enc), importOpeningKey(hex(VECTOR.skRm)), hex(VECTOR.info)));
});

test('RFC 9180 vector: the published ciphertexts are sealed and opened at their sequence numbers', () => {
  const key = Buffer.from(VECTOR.key, 'hex');
  const baseNonce = Buffer.from(VECTOR.base_nonce, 'hex');
  for (const [seq, e] of VECTOR.encryptions) {
    const nonce = nonceFor(baseNonce, seq);
    assert.is(toHex(aeadSeal(key, nonce, hex(e.aad), hex(VECTOR.pt))), e.ct, `seal at sequence ${seq}`);
    assert.is(toHex(aeadOpen(key, nonce, hex(e.aad), hex(e.ct))), VECTOR.pt, `open at sequence ${seq}`);
  }
});

test('RFC 9180 vector, through @hpke/core: a second implementation agrees on every sequence and export', async () => {
  const recipientPublicKey = await lib.kem.deserializePublicKey(hex(VECTOR.pkRm));
  const ekm = await lib.kem.deriveKeyPair(hex(VECTOR.ikmE));
  const sender = await lib.createSenderContext({ recipientPublicKey, info: hex(VECTOR.info), ekm });
  const recipient = await lib.createRecipientContext({ recipientKey: await lib.kem.deserializePrivateKey(hex(VECTOR.skRm)), enc: hex(VECTOR.enc), info: hex(VECTOR.info) });
  assert.is(toHex(sender.enc), VECTOR.enc);
  for (let i = 0; i <= LAST_SEQUENCE; i++) {
    const ct = await sender.seal(hex(VECTOR.pt), hex(aadFor(i)));
    const published = VECTOR.encryptions.get(i);
    if (published !== undefined) assert.is(toHex(ct), published.ct, `sequence ${i}`);
    assert.is(toHex(await recipient.open(ct, hex(aadFor(i)))), VECTOR.pt, `sequence ${i}`);
  }
  for (const e of VECTOR.exports) {
    assert.is(toHex(await sender.export(hex(e.context), e.length)), e.value, `export "${e.context}"`);
  }
});

test('our seal opens with @hpke/core, and @hpke/core\'s seal opens with ours', async () => {
  const pair = generateRawKeyPair();
  const ours = sealText(importSealingKey(pair.publicKey), '198.51.100.9', 'evt-1');
  assert.is(ours.readUInt32BE(33), 0, 'a value sealed alone is sequence 0 of its context');
  const clear = await lib.open({ recipientKey: await lib.kem.deserializePrivateKey(pair.privateKey), enc: ours.subarray(1, 33), info: SEALED_INFO_V2 }, ours.subarray(37), Buffer.from('evt-1'));
  assert.is(Buffer.from(clear).toString(), '198.51.100.9');
  const theirs = await lib.seal({ recipientPublicKey: await lib.kem.deserializePublicKey(pair.publicKey), info: SEALED_INFO_V2 }, Buffer.from('dev-42'), Buffer.from('evt-2'));
  const sealed = Buffer.concat([Buffer.of(SEALED_FORMAT_V2), new Uint8Array(theirs.enc), Buffer.alloc(4), new Uint8Array(theirs.ct)]);
  assert.is(openText(importOpeningKey(pair.privateKey), sealed, 'evt-2'), 'dev-42');
});

// ---- loginpipe's sealed format ---------------------------------------------------------------

const pair = generateRawKeyPair();
const other = generateRawKeyPair();
const sealing = importSealingKey(pair.publicKey);
const opening = importOpeningKey(pair.privateKey);
const wrongOpening = importOpeningKey(other.privateKey);
const EVENT = 'c0ffee00-1111-4222-8333-444455556666';
const CLEAR_IP = '203.0.113.77';

test('a generated key pair is 32 + 32 bytes and its public half is derived from the private one', () => {
  assert.is(pair.publicKey.length, 32);
  assert.is(pair.privateKey.length, 32);
  assert.is(toHex(publicKeyOf(pair.privateKey)), toHex(pair.publicKey));
});

const roundTrips: { name: string; value: string }[] = [
  { name: 'an IPv4 address', value: CLEAR_IP },
  { name: 'an IPv6 address', value: '2001:db8::1' },
  { name: 'a device id of 256 characters', value: 'd'.repeat(256) },
  { name: 'non-ASCII text', value: 'gerät-ñ-😀' },
  { name: 'one character', value: 'x' },
];
for (const c of roundTrips) {
  test(`seal then open gives back ${c.name}, in the documented layout`, async () => {
    const sealed = sealText(sealing, c.value, EVENT);
    assert.is(sealed[0], SEALED_FORMAT_V2);
    assert.is(sealed.length, 1 + 32 + 4 + Buffer.byteLength(c.value) + 16);
    // (A value of one or two bytes turns up in random bytes by chance; longer ones must not.)
    if (Buffer.byteLength(c.value) >= 4) assert.not.ok(sealed.includes(Buffer.from(c.value)), 'the clear value shows in the sealed bytes');
    assert.is(openText(opening, sealed, EVENT), c.value);
  });
}

test('two seals of one value differ (a fresh context each time)', async () => {
  const a = sealText(sealing, CLEAR_IP, EVENT);
  const b = sealText(sealing, CLEAR_IP, EVENT);
  assert.is.not(a.toString('hex'), b.toString('hex'));
});

test('an empty value seals and opens', async () => {
  const sealed = seal(sealing, new Uint8Array(0), Buffer.from(EVENT));
  assert.is(open(opening, sealed, Buffer.from(EVENT)).length, 0);
});

const good = sealText(sealing, CLEAR_IP, EVENT);
const flip = (b: Buffer, at: number) => { const c = Buffer.from(b); c[at] = c[at]! ^ 0x01; return c; };
const failures: { name: string; key: typeof opening; sealed: Buffer; eventId: string; code: SealedValueError['code'] }[] = [
  { name: 'the wrong private key', key: wrongOpening, sealed: good, eventId: EVENT, code: 'does_not_open' },
  { name: 'another event id as aad (a value copied onto another row)', key: opening, sealed: good, eventId: 'another-event', code: 'does_not_open' },
  { name: 'an empty event id as aad', key: opening, sealed: good, eventId: '', code: 'does_not_open' },
  { name: 'a flipped bit in the ciphertext', key: opening, sealed: flip(good, 40), eventId: EVENT, code: 'does_not_open' },
  { name: 'a flipped bit in the tag', key: opening, sealed: flip(good, good.length - 1), eventId: EVENT, code: 'does_not_open' },
  { name: 'a flipped bit in enc', key: opening, sealed: flip(good, 5), eventId: EVENT, code: 'does_not_open' },
  { name: 'a truncated tag', key: opening, sealed: good.subarray(0, good.length - 1), eventId: EVENT, code: 'does_not_open' },
  { name: 'an appended byte', key: opening, sealed: Buffer.concat([good, Buffer.of(0)]), eventId: EVENT, code: 'does_not_open' },
  { name: 'an unknown format byte', key: opening, sealed: Buffer.concat([Buffer.of(0x04), good.subarray(1)]), eventId: EVENT, code: 'unknown_format' },
  { name: 'the clear value itself', key: opening, sealed: Buffer.from(CLEAR_IP), eventId: EVENT, code: 'unknown_format' },
  { name: 'fewer bytes than enc, a sequence number and a tag', key: opening, sealed: good.subarray(0, 52), eventId: EVENT, code: 'unknown_format' },
  { name: 'no bytes', key: opening, sealed: Buffer.alloc(0), eventId: EVENT, code: 'not_sealed' },
];
for (const c of failures) {
  test(`open refuses ${c.name} with ${c.code}, echoing nothing`, async () => {
    try {
      openText(c.key, c.sealed, c.eventId);
      assert.unreachable('it opened');
    } catch (err) {
      assert.instance(err, SealedValueError);
      const e = err as SealedValueError;
      assert.is(e.code, c.code);
      assert.not.ok(e.message.includes(CLEAR_IP), e.message);
      assert.not.ok(e.message.includes(c.sealed.toString('hex').slice(0, 16)) && c.sealed.length > 0, e.message);
      assert.not.ok(e.message.includes(c.eventId) && c.eventId !== '', e.message);
      assert.is(e.cause, undefined);
    }
  });
}

const badKeys: { name: string; bytes: Uint8Array }[] = [
  { name: 'an empty key', bytes: new Uint8Array(0) },
  { name: '31 bytes', bytes: new Uint8Array(31) },
  { name: '33 bytes', bytes: new Uint8Array(33) },
];
for (const c of badKeys) {
  test(`importing ${c.name} as a public or private key is refused`, async () => {
    for (const importer of [importSealingKey, importOpeningKey]) {
      try {
        importer(c.bytes);
        assert.unreachable('imported');
      } catch (err) {
        assert.instance(err, RangeError);
      }
    }
  });
}

test.run();
