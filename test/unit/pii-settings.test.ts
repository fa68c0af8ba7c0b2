import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings } from '../../lib/runtime/config.js';
import { pipelineTopicSpecs } from '../../lib/kafka/client.js';
import { kafkaSettings } from '../../lib/runtime/settings.js';
import { generateRawKeyPair } from '../../lib/pii/hpke.js';
import { formatKey } from '../../lib/pii/keys.js';
import { keyFingerprint, maskKeyIdFrom, sealingKeyFrom, sealingSettings } from '../../lib/pii/settings.js';

const scratch = mkdtempSync(join(tmpdir(), 'loginpipe-pii-settings-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));
const pub = formatKey(generateRawKeyPair().publicKey);
const pubFile = join(scratch, 'recovery.pub');
writeFileSync(pubFile, pub + '\n');

test('without a recovery key nothing is sealed', () => {
  assert.is(sealingKeyFrom(loadSettings(sealingSettings, {})), undefined);
});

test('the recovery public key is read from the setting or from its _FILE variant, the same key', () => {
  const a = sealingKeyFrom(loadSettings(sealingSettings, { PII_RECOVERY_PUBLIC_KEY: pub }));
  const b = sealingKeyFrom(loadSettings(sealingSettings, { PII_RECOVERY_PUBLIC_KEY_FILE: pubFile }));
  assert.ok(a !== undefined && b !== undefined);
  assert.is(a!.raw.toString('base64'), pub);
  assert.is(b!.raw.toString('base64'), pub);
});

test('setting both the key and its file is refused, naming both', () => {
  assert.throws(() => sealingKeyFrom(loadSettings(sealingSettings, { PII_RECOVERY_PUBLIC_KEY: pub, PII_RECOVERY_PUBLIC_KEY_FILE: pubFile })),
    (e: unknown) => e instanceof ConfigError && e.message.includes('PII_RECOVERY_PUBLIC_KEY and PII_RECOVERY_PUBLIC_KEY_FILE'));
});

const refusals: { name: string; env: Record<string, string>; names: string }[] = [
  { name: 'a public key that is not 32 bytes of base64', env: { PII_RECOVERY_PUBLIC_KEY: 'bm90IGEga2V5' }, names: 'PII_RECOVERY_PUBLIC_KEY' },
  { name: 'a public key file that does not exist', env: { PII_RECOVERY_PUBLIC_KEY_FILE: join(scratch, 'missing.pub') }, names: 'PII_RECOVERY_PUBLIC_KEY_FILE' },
  { name: 'a key id with a space', env: { PII_HMAC_KEY_ID: 'key one' }, names: 'PII_HMAC_KEY_ID' },
  { name: 'a key id of 33 characters', env: { PII_HMAC_KEY_ID: 'k'.repeat(33) }, names: 'PII_HMAC_KEY_ID' },
];
for (const c of refusals) {
  test(`${c.name} stops the program, naming ${c.names}`, () => {
    assert.throws(() => loadSettings(sealingSettings, c.env), (e: unknown) => e instanceof ConfigError && e.message.includes(c.names));
  });
}

const KEY = Buffer.alloc(32, 9);
test('the default key id is the first 8 hex digits of HMAC(key, "loginpipe key id")', () => {
  const expected = createHmac('sha256', KEY).update('loginpipe key id').digest('hex').slice(0, 8);
  assert.is(keyFingerprint(KEY), expected);
  assert.is(maskKeyIdFrom({ hmacKey: KEY, hmacKeyId: null }), expected);
  assert.ok(!expected.includes(KEY.toString('hex').slice(0, 8)));
});

test('another key gets another fingerprint; PII_HMAC_KEY_ID wins over the fingerprint', () => {
  assert.is.not(keyFingerprint(KEY), keyFingerprint(Buffer.alloc(32, 10)));
  assert.is(maskKeyIdFrom({ hmacKey: KEY, ...loadSettings(sealingSettings, { PII_HMAC_KEY_ID: '2026-12' }) }), '2026-12');
});

test('raw and dead-letter topics are created with 7 days of retention by default, the clean topic with the broker default', () => {
  const cfg = loadSettings(kafkaSettings, {});
  const specs = pipelineTopicSpecs(cfg);
  const retention = (i: number) => specs[i]!.configEntries?.find((e) => e.name === 'retention.ms')?.value;
  assert.is(retention(0), String(7 * 24 * 3600 * 1000));
  assert.is(retention(2), String(7 * 24 * 3600 * 1000));
  assert.is(retention(1), undefined);
  // max.message.bytes stays on both.
  assert.ok(specs[0]!.configEntries?.some((e) => e.name === 'max.message.bytes'));
  assert.ok(specs[2]!.configEntries?.some((e) => e.name === 'max.message.bytes'));
});

test('RAW_RETENTION_MS and DLQ_RETENTION_MS set each topic\'s retention; nonsense is refused', () => {
  const specs = pipelineTopicSpecs(loadSettings(kafkaSettings, { RAW_RETENTION_MS: '3600000', DLQ_RETENTION_MS: '86400000' }));
  assert.is(specs[0]!.configEntries?.find((e) => e.name === 'retention.ms')?.value, '3600000');
  assert.is(specs[2]!.configEntries?.find((e) => e.name === 'retention.ms')?.value, '86400000');
  for (const bad of ['-1', '0', 'a week', '1.5']) {
    assert.throws(() => loadSettings(kafkaSettings, { RAW_RETENTION_MS: bad }), (e: unknown) => e instanceof ConfigError && e.message.includes('RAW_RETENTION_MS'));
  }
});

test.run();
