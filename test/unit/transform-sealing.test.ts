// The processor's transform with a recovery key: the canonical ip and the device id are sealed,
// each bound to its field and the event id, and the record says which key made its masks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac } from 'node:crypto';
import { SEALED_FORMAT_V3, generateRawKeyPair, importOpeningKey, importSealingKey, openField, sealField } from '../../lib/pii/hpke.js';
import { keyFingerprint } from '../../lib/pii/settings.js';
import { createMasker } from '../../processor/mask.js';
import { transform, type PiiOptions, type RawInput } from '../../processor/transform.js';
import { piiPolicyFrom } from '../../processor/pii-options.js';

const KEY = Buffer.alloc(32, 5);
const mask = createMasker(KEY);
const hmac = (v: string) => createHmac('sha256', KEY).update(v, 'utf8').digest('hex');
const pair = generateRawKeyPair();
const sealing = importSealingKey(pair.publicKey);
const opening = importOpeningKey(pair.privateKey);
const pii: PiiOptions = { maskKeyId: keyFingerprint(KEY), seal: (field, clear, eventId) => sealField(sealing, field, clear, eventId) };

const input = (id: string, ip: string, deviceId: string): RawInput => ({
  value: Buffer.from(JSON.stringify({ user_id: 'u-1', ip, device_id: deviceId, device_type: 'ios' })),
  headers: { 'sqs.message_id': Buffer.from(id), 'sqs.sent_timestamp': Buffer.from('1700000000000') },
  timestamp: '1700000000000',
});

const cases: { name: string; ip: string; canonical: string; deviceId: string }[] = [
  { name: 'an IPv4 address', ip: '203.0.113.9', canonical: '203.0.113.9', deviceId: '593-47-5928' },
  { name: 'an IPv6 address, sealed in its canonical form', ip: '2001:0DB8:0000:0000:0000:0000:0000:0001', canonical: '2001:db8::1', deviceId: 'A1B2-C3D4-E5F6' },
  { name: 'an IPv4-mapped address, sealed as plain IPv4', ip: '::ffff:198.51.100.2', canonical: '198.51.100.2', deviceId: 'ünï-😀' },
];
for (const c of cases) {
  test(`with a recovery key, ${c.name} and the device id are sealed to it, each bound to its field and the event id`, () => {
    const out = transform(input('evt-1', c.ip, c.deviceId), mask, pii);
    assert.is(out.kind, 'clean');
    if (out.kind !== 'clean') return;
    const r = out.record;
    assert.is(r.masked_ip, hmac(c.canonical));
    assert.is(r.masked_device_id, hmac(c.deviceId));
    assert.is(r.mask_key_id, keyFingerprint(KEY));
    assert.is(r.sealed_ip![0], SEALED_FORMAT_V3);
    assert.is(openField(opening, r.sealed_ip!, 'ip', 'evt-1'), c.canonical);
    assert.is(openField(opening, r.sealed_device_id!, 'device_id', 'evt-1'), c.deviceId);
    assert.throws(() => openField(opening, r.sealed_ip!, 'ip', 'evt-2'));
    // The row's two sealed values swapped: neither opens.
    assert.throws(() => openField(opening, r.sealed_ip!, 'device_id', 'evt-1'));
    assert.throws(() => openField(opening, r.sealed_device_id!, 'ip', 'evt-1'));
    for (const clear of [c.ip, c.canonical, c.deviceId]) {
      assert.not.ok(r.sealed_ip!.includes(Buffer.from(clear)) || r.sealed_device_id!.includes(Buffer.from(clear)), 'clear bytes in a sealed value');
      assert.not.ok(JSON.stringify(out).includes(clear), 'clear value in the outcome');
    }
  });
}

test('without a recovery key nothing is sealed, and the key id still names the masks', () => {
  const out = transform(input('evt-1', '203.0.113.9', 'd'), mask, { maskKeyId: 'k-2026', seal: null });
  assert.ok(out.kind === 'clean' && out.record.sealed_ip === null && out.record.sealed_device_id === null && out.record.mask_key_id === 'k-2026');
});

test('a dead letter seals nothing', () => {
  let calls = 0;
  const out = transform(input('evt-1', '999.1.1.1', 'd'), mask, { maskKeyId: 'k', seal: (field, v, id) => { calls++; return sealField(sealing, field, v, id); } });
  assert.is(out.kind, 'dead');
  assert.is(calls, 0);
});

test('one batch\'s values share one HPKE context, each opens alone, and the next batch gets another', () => {
  const policy = piiPolicyFrom({ hmacKey: KEY, hmacKeyId: null, recoveryPublicKey: pair.publicKey, recoveryPublicKeyFile: null });
  assert.ok(policy.sealing);
  const encOf = (b: Buffer) => b.subarray(1, 33).toString('hex');
  const batch = policy.forBatch();
  const records = ['evt-a', 'evt-b', 'evt-c'].map((id, i) => {
    const out = transform(input(id, `203.0.113.${i}`, `dev-${i}`), mask, batch);
    if (out.kind !== 'clean') throw new Error('not clean');
    return out.record;
  });
  const sealed = records.flatMap((r) => [r.sealed_ip!, r.sealed_device_id!]);
  assert.is(new Set(sealed.map(encOf)).size, 1);
  assert.equal(sealed.map((s) => s.readUInt32BE(33)), [0, 1, 2, 3, 4, 5]);
  records.forEach((r, i) => {
    assert.is(openField(importOpeningKey(pair.privateKey), r.sealed_device_id!, 'device_id', r.event_id), `dev-${i}`);
    assert.is(r.mask_key_id, keyFingerprint(KEY));
  });
  const next = transform(input('evt-d', '203.0.113.9', 'dev-9'), mask, policy.forBatch());
  assert.ok(next.kind === 'clean' && encOf(next.record.sealed_ip!) !== encOf(sealed[0]!));
});

test('without a recovery key the policy seals nothing and still names the masking key', () => {
  const policy = piiPolicyFrom({ hmacKey: KEY, hmacKeyId: 'k-1', recoveryPublicKey: null, recoveryPublicKeyFile: null });
  assert.is(policy.sealing, false);
  assert.equal(policy.forBatch(), { maskKeyId: 'k-1', seal: null });
});

test.run();
