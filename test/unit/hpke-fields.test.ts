// The version 3 sealed format: each value is bound to its column ("ip" or "device_id") as well
// as its event, so a row's two sealed values cannot be swapped, nor one moved to another row or
// column. Values of versions 1 and 2 (bound to the event id alone) still open, and no value
// opens under another version's label.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import {
  BatchSealer, SEALED_FORMAT_V2, SEALED_FORMAT_V3, SEALED_INFO, SealedValueError, fieldAad, generateRawKeyPair, importOpeningKey,
  importSealingKey, openField, sealField, sealText, sealV1, type SealedField,
} from '../../lib/pii/hpke.js';

const lib = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const pair = generateRawKeyPair();
const sealing = importSealingKey(pair.publicKey);
const opening = () => importOpeningKey(pair.privateKey);
const HEADER = 1 + 32 + 4;
const doesNotOpen = (e: unknown) => e instanceof SealedValueError && e.code === 'does_not_open';

const sealer = new BatchSealer(sealing);
const ip = sealer.sealField('ip', '203.0.113.5', 'e1');
const device = sealer.sealField('device_id', 'dev-aaa', 'e1');
const otherIp = sealer.sealField('ip', '192.0.2.9', 'e2');

test('a processor\'s sealer writes version 3, laid out as version 2', () => {
  for (const s of [ip, device, otherIp]) assert.is(s[0], SEALED_FORMAT_V3);
  assert.is(ip.length, HEADER + Buffer.byteLength('203.0.113.5') + 16);
  assert.is(openField(opening(), ip, 'ip', 'e1'), '203.0.113.5');
  assert.is(openField(opening(), device, 'device_id', 'e1'), 'dev-aaa');
});

const moved: { name: string; sealed: Buffer; field: SealedField; eventId: string }[] = [
  { name: 'the sealed ip read as the device id (the two swapped)', sealed: ip, field: 'device_id', eventId: 'e1' },
  { name: 'the sealed device id read as the ip', sealed: device, field: 'ip', eventId: 'e1' },
  { name: 'an ip moved onto another row', sealed: otherIp, field: 'ip', eventId: 'e1' },
  { name: 'an ip moved onto another row\'s device id', sealed: otherIp, field: 'device_id', eventId: 'e1' },
  // Without the 0 byte between them, "ip" + "x" and "ipx" + "" would be the same bytes.
  { name: 'a value whose field and event id run together differently', sealed: sealField(sealing, 'ip', 'v', 'device_id'), field: 'device_id', eventId: '' },
];
for (const c of moved) {
  test(`version 3: ${c.name} does not open`, () => {
    assert.throws(() => openField(opening(), c.sealed, c.field, c.eventId), doesNotOpen);
  });
}

test('version 3 relabelled as version 2 does not open under the weaker binding (the info differs)', () => {
  const relabelled = Buffer.concat([Buffer.of(SEALED_FORMAT_V2), ip.subarray(1)]);
  assert.throws(() => openField(opening(), relabelled, 'ip', 'e1'), doesNotOpen);
  assert.throws(() => openField(opening(), relabelled, 'device_id', 'e1'), doesNotOpen);
});

test('version 2 relabelled as version 3 does not open either', () => {
  const old = sealText(sealing, '203.0.113.5', 'e1');
  const relabelled = Buffer.concat([Buffer.of(SEALED_FORMAT_V3), old.subarray(1)]);
  assert.throws(() => openField(opening(), relabelled, 'ip', 'e1'), doesNotOpen);
});

test('old rows keep opening: versions 1 and 2, in either column, under their event id', () => {
  const v1 = sealV1(sealing, Buffer.from('198.51.100.1'), Buffer.from('old-1'));
  const v2 = new BatchSealer(sealing, { format: 2 }).sealField('device_id', 'dev-old', 'old-2');
  assert.is(v2[0], SEALED_FORMAT_V2);
  assert.is(openField(opening(), v1, 'ip', 'old-1'), '198.51.100.1');
  assert.is(openField(opening(), v2, 'device_id', 'old-2'), 'dev-old');
  assert.throws(() => openField(opening(), v2, 'device_id', 'old-1'), doesNotOpen);
});

test('version 3 opens in @hpke/core with the documented info and associated data, and theirs in ours', async () => {
  const recipient = await lib.createRecipientContext({ recipientKey: await lib.kem.deserializePrivateKey(pair.privateKey), enc: ip.subarray(1, 33), info: SEALED_INFO });
  assert.is(Buffer.from(await recipient.open(ip.subarray(HEADER), Buffer.from('ip\u0000e1'))).toString(), '203.0.113.5');
  const theirs = await lib.seal({ recipientPublicKey: await lib.kem.deserializePublicKey(pair.publicKey), info: SEALED_INFO }, Buffer.from('dev-42'), fieldAad('device_id', 'e9'));
  const sealed = Buffer.concat([Buffer.of(SEALED_FORMAT_V3), new Uint8Array(theirs.enc), Buffer.alloc(4), new Uint8Array(theirs.ct)]);
  assert.is(openField(opening(), sealed, 'device_id', 'e9'), 'dev-42');
  assert.throws(() => openField(opening(), sealed, 'ip', 'e9'), doesNotOpen);
});

test('a context remembered from one version is not used for the other', () => {
  const key = opening();
  assert.is(openField(key, ip, 'ip', 'e1'), '203.0.113.5');
  const relabelled = Buffer.concat([Buffer.of(SEALED_FORMAT_V2), ip.subarray(1)]);
  assert.throws(() => openField(key, relabelled, 'ip', 'e1'), doesNotOpen);
});

test.run();
