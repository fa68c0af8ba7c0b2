import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import {
  SEALED_FORMAT_V1, SEALED_INFO, SealedValueError, aeadOpen, aeadSeal, deriveX25519PrivateKey, generateRawKeyPair,
  importOpeningKey, importSealingKey, nonceFor, open, openText, publicKeyOf, seal, sealText, setupBaseRecipient,
  setupBaseSender, type BaseContext,
} from '../../lib/pii/hpke.js';

// A second, independent implementation (a dev dependency only), to cross-check ours.
const lib = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

// ---- RFC 9180 test vectors ---------------------------------------------------------------------
// The CFRG's published set (test-vectors.json of the draft repository, commit 5f503c5, the one
// RFC 9180 Appendix A is taken from): the entry with mode 0, kem_id 0x0020 (DHKEM(X25519,
// HKDF-SHA256)), kdf_id 0x0001 (HKDF-SHA256), aead_id 0x0002 (AES-256-GCM). Only the values used
// here are copied.
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

const VECTOR = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  ikmR: 'dac33b0e9db1b59dbbea58d59a14e7b5896e9bdf98fad6891e99d1686492b9ee',
  ikmE: '2cd7c601cefb3d42a62b04b7a9041494c06c7843818e0ce28a8f704ae7ab20f9',
  skRm: '497b4502664cfea5d5af0b39934dac72242a74f8480451e1aee7d6a53320333d',
  skEm: '179d4b53b6365c45b600c4163b61d95cbc2f4d9e36f1695558dce265ab8bab11',
  pkRm: '430f4b9859665145a6b1ba274024487bd66f03a2dd577d7753c68d7d7d00c00c',
  pkEm: '6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256',
  enc: '6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256',
  shared_secret: '3101c54c3a4f87439eaac080699ed9bbcc726ffe44e860c0424ccb7e3e2ead7b',
  key_schedule_context: '004ce5472ecdd5093ba0aecb8f871ff13f1fbc90ee76f0e18ace1a1b7e565bafa306f6ef962c9ee7cea40407b5d60f0f26990472faae3ac44c78366f1cac1ecde1',
  secret: '2058ac9b02c1f52c1aaf08bedbec9198219751a94ef67b7d5f0c8b6e2b54ebfb',
  key: 'f50b0609186798729ed0564b36ef2ef8044f1f9d05636874d1f46c819c7a669f',
  base_nonce: '151d9929e2449747889bc923',
  exporter_secret: '86017151bbff6a1940e8abae2ac9e0e7032e33df1eaaecc02ca6259b130d62df',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  // sequence number -> aad and ciphertext
  encryptions: new Map<number, { aad: string; ct: string }>([
    [0, { aad: '436f756e742d30', ct: 'e5d84cd531cfb583096e7cfa9641bd3079cf3a91cda813c52deb5f512be9931980a41de125a925cdad859d5b7a' }],
    [1, { aad: '436f756e742d31', ct: '2c43aff25343fdbff864506f0818b9d87df84ea01b1a2144d23b4d40c26bf655fdf197fe40297a8aebeed5cc2d' }],
    [2, { aad: '436f756e742d32', ct: 'e0a8f2cf92ff61215edbb8c55dc31fe9e2eb42a5685867bb6854211542099f9e940c4b41c192bc390835b1a5f7' }],
    [4, { aad: '436f756e742d34', ct: '448a8892f261cbb6bf5b7b64a4fae8a2c86492494b069c10525895d871c27c2f12cd17e0588fedaba9f7b0cd4c' }],
    [255, { aad: '436f756e742d323535', ct: 'f6ad1823eb0b932d04b6e23010eea64f1fe5edd0583dae5ba27ca6363f4ea104bd217331460ef4208040423641' }],
    [256, { aad: '436f756e742d323536', ct: '53624f4f9f173453b14e633b45390ff54cacaa4428d44baee1bff8133fab1ab3afe60f88e4634b525c54e92eda' }],
  ]),
  exports: [
    { context: '', length: 32, value: 'ded6cffafaea6b812cbf3e241e88332adbc077aca81512914213810ee291770a' },
    { context: '00', length: 32, value: '04d3cb6cc116b28ffd22ad5bc276c60d31fec71ceb87ae24db811c64b7507339' },
    { context: '54657374436f6e74657874', length: 32, value: '7c5ded445732c14fe09727d29b4251c0fd38455fe8440571e687f0886aac94d2' },
  ],
};
const LAST_SEQUENCE = 256;
// The vectors' aad for sequence i is the ASCII of "Count-i"; it is derived for the ones not listed.
const aadFor = (i: number) => VECTOR.encryptions.get(i)?.aad ?? Buffer.from(`Count-${i}`).toString('hex');

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
  const clear = await lib.open({ recipientKey: await lib.kem.deserializePrivateKey(pair.privateKey), enc: ours.subarray(1, 33), info: SEALED_INFO }, ours.subarray(33), Buffer.from('evt-1'));
  assert.is(Buffer.from(clear).toString(), '198.51.100.9');
  const theirs = await lib.seal({ recipientPublicKey: await lib.kem.deserializePublicKey(pair.publicKey), info: SEALED_INFO }, Buffer.from('dev-42'), Buffer.from('evt-2'));
  const sealed = Buffer.concat([Buffer.of(SEALED_FORMAT_V1), new Uint8Array(theirs.enc), new Uint8Array(theirs.ct)]);
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
    assert.is(sealed[0], SEALED_FORMAT_V1);
    assert.is(sealed.length, 1 + 32 + Buffer.byteLength(c.value) + 16);
    // (A value of one or two bytes turns up in random bytes by chance; longer ones must not.)
    if (Buffer.byteLength(c.value) >= 4) assert.not.ok(sealed.includes(Buffer.from(c.value)), 'the clear value shows in the sealed bytes');
    assert.is(openText(opening, sealed, EVENT), c.value);
  });
}

test('two seals of one value differ (a fresh ephemeral key each time)', async () => {
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
  { name: 'an unknown format byte', key: opening, sealed: Buffer.concat([Buffer.of(0x02), good.subarray(1)]), eventId: EVENT, code: 'unknown_format' },
  { name: 'the clear value itself', key: opening, sealed: Buffer.from(CLEAR_IP), eventId: EVENT, code: 'unknown_format' },
  { name: 'fewer bytes than enc and a tag', key: opening, sealed: good.subarray(0, 48), eventId: EVENT, code: 'unknown_format' },
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
