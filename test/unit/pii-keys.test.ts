import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadValue } from '../../lib/runtime/config.js';
import { importOpeningKey, importSealingKey, openText, publicKeyOf, sealText } from '../../lib/pii/hpke.js';
import { PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, parseKeyText, readPrivateKeyFile } from '../../lib/pii/keys.js';
import { KeyFileExists, generateKeyFiles } from '../../cli/pii/keys.js';

const scratch = mkdtempSync(join(tmpdir(), 'loginpipe-keys-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

test('generateKeyFiles writes a private key only its owner can read, and the matching public key', () => {
  const dir = join(scratch, 'a');
  const r = generateKeyFiles(dir);
  assert.is(statSync(join(dir, PRIVATE_KEY_FILE)).mode & 0o777, 0o600);
  const pub = readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8');
  assert.is(pub, r.publicKey + '\n');
  const priv = readPrivateKeyFile(join(dir, PRIVATE_KEY_FILE));
  assert.is(publicKeyOf(priv).toString('base64'), r.publicKey);
  // And the pair works: what is sealed to the public key opens with the private one.
  const sealed = sealText(importSealingKey(parseKeyText(pub, 'public key')), '192.0.2.1', 'e1');
  assert.is(openText(importOpeningKey(priv), sealed, 'e1'), '192.0.2.1');
});

test('generateKeyFiles never overwrites an existing key', () => {
  const dir = join(scratch, 'b');
  const first = generateKeyFiles(dir);
  const before = readFileSync(join(dir, PRIVATE_KEY_FILE), 'utf8');
  assert.throws(() => generateKeyFiles(dir), (e: unknown) => e instanceof KeyFileExists);
  assert.is(readFileSync(join(dir, PRIVATE_KEY_FILE), 'utf8'), before);
  assert.is(readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8'), first.publicKey + '\n');
});

test('two generated pairs differ', () => {
  assert.is.not(generateKeyFiles(join(scratch, 'c')).publicKey, generateKeyFiles(join(scratch, 'd')).publicKey);
});

const KEY = Buffer.alloc(32, 0xab).toString('base64');
const goodTexts: { name: string; text: string }[] = [
  { name: 'the 44 characters', text: KEY },
  { name: 'with a trailing newline (a file)', text: KEY + '\n' },
  { name: 'with surrounding spaces', text: `  ${KEY}  ` },
];
for (const c of goodTexts) {
  test(`parseKeyText accepts ${c.name}`, () => {
    assert.ok(parseKeyText(c.text, 'key').equals(Buffer.alloc(32, 0xab)));
  });
}

const badTexts: { name: string; text: string }[] = [
  { name: 'an empty text', text: '' },
  { name: 'only a newline', text: '\n' },
  { name: '31 bytes', text: Buffer.alloc(31, 1).toString('base64') },
  { name: '33 bytes', text: Buffer.alloc(33, 1).toString('base64') },
  { name: 'url-safe base64', text: Buffer.alloc(32, 0xff).toString('base64url') + '=' },
  { name: 'no padding', text: KEY.slice(0, 43) },
  { name: 'non-canonical last character', text: KEY.slice(0, 42) + 'v=' },
  { name: 'a hex key', text: Buffer.alloc(32, 1).toString('hex') },
  { name: 'a PEM key', text: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEIA==\n-----END PRIVATE KEY-----' },
  { name: 'two keys on two lines', text: `${KEY}\n${KEY}` },
];
for (const c of badTexts) {
  test(`parseKeyText refuses ${c.name}, without echoing it`, () => {
    try {
      parseKeyText(c.text, 'recovery public key');
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, BadValue);
      if (c.text.trim() !== '') assert.not.ok((e as Error).message.includes(c.text.trim()), (e as Error).message);
    }
  });
}

test('readPrivateKeyFile refuses a file that others may read, and a missing file, naming the path', () => {
  const path = join(scratch, 'loose.key');
  writeFileSync(path, KEY + '\n');
  chmodSync(path, 0o644);
  assert.throws(() => readPrivateKeyFile(path), (e: unknown) => e instanceof BadValue && e.message.includes('chmod 600') && !e.message.includes(KEY));
  assert.throws(() => readPrivateKeyFile(join(scratch, 'none.key')), (e: unknown) => e instanceof BadValue && e.message.includes('ENOENT'));
});

test.run();
