import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac, randomBytes } from 'node:crypto';
import { BadValue } from '../../lib/runtime/config.js';
import { canonicalIp } from '../../processor/canonical-ip.js';
import { createMasker, parseHmacKey } from '../../processor/mask.js';

// ---- parseHmacKey ----------------------------------------------------------------------------

/** The 32 bytes 0x00..0x1f; its base64 forms below were written out by hand / with base64(1). */
const BYTES_0_TO_31 = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

const goodKeys: { name: string; input: string; expected: Buffer }[] = [
  { name: 'standard base64 with padding (openssl rand -base64 32 output)', input: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', expected: BYTES_0_TO_31 },
  { name: 'standard base64 without padding', input: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', expected: BYTES_0_TO_31 },
  { name: 'a trailing newline, as read from a secret file', input: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n', expected: BYTES_0_TO_31 },
  { name: 'CRLF line breaks inside, as wrapped base64 output has', input: 'AAECAwQFBgcICQoLDA0O\r\nDxAREhMUFRYXGBkaGxwdHh8=\r\n', expected: BYTES_0_TO_31 },
  { name: 'url-safe base64 without padding', input: '-_'.repeat(22), expected: Buffer.from('fbffbf'.repeat(11), 'hex') },
  { name: 'url-safe base64 with padding', input: `${'-_'.repeat(20)}-_A=`, expected: Buffer.from('fbffbf'.repeat(10) + 'fbf0', 'hex') },
  { name: 'standard base64 with the "+/" characters', input: '+/'.repeat(22), expected: Buffer.from('fbffbf'.repeat(11), 'hex') },
  { name: 'a 64-byte key', input: 'A'.repeat(84) + 'AA==', expected: Buffer.alloc(64) },
];

for (const c of goodKeys) {
  test(`parseHmacKey accepts ${c.name}`, () => {
    const key = parseHmacKey(c.input);
    assert.ok(key.equals(c.expected), key.toString('hex'));
  });
}

const SECRET_LOOKING = 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3t!!';
const badKeys: { name: string; input: string }[] = [
  { name: 'an empty value', input: '' },
  { name: 'only whitespace', input: ' \n\t' },
  { name: 'a key of 31 bytes', input: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==' },
  { name: 'a short passphrase', input: 'hunter2' },
  { name: 'characters outside base64 (Buffer.from would skip them)', input: SECRET_LOOKING },
  { name: 'a dot in the middle', input: 'AAECAwQFBgcICQoLDA0ODxAREhMU.FRYXGBkaGxwdHh8=' },
  { name: 'a non-breaking space in the middle', input: 'AAECAwQFBgcICQoLDA0ODxAR\u00a0EhMUFRYXGBkaGxwdHh8=' },
  { name: 'a mix of the standard and url-safe alphabets', input: '+_'.repeat(22) },
  { name: 'padding in the middle', input: 'AAECAwQFBgcICQoL=DA0ODxAREhMUFRYXGBkaGxwdHh8=' },
  { name: 'three padding characters', input: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8===' },
  { name: 'too much padding for the length', input: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==' },
  { name: 'a length that no byte string has (4n+1 characters)', input: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gI' },
  { name: 'unused bits set in the last character', input: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=' },
  { name: 'hex digits, which decode as base64 to too few bytes', input: '000102030405060708090a0b0c0d0e0f' },
  { name: 'a data URL', input: 'data:;base64,AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=' },
  { name: 'a NUL character', input: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\u0000' },
  { name: 'non-ASCII letters', input: 'ÀAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=' },
];

for (const c of badKeys) {
  test(`parseHmacKey rejects ${c.name} with a BadValue that says how to make a key and does not echo it`, () => {
    let caught: unknown;
    try {
      parseHmacKey(c.input);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof BadValue, 'throws BadValue');
    const message = (caught as Error).message;
    assert.ok(message.includes('openssl rand -base64 32'), message);
    if (c.input.trim().length >= 4) assert.not.ok(message.includes(c.input.trim()), message);
    // Not even a recognisable piece of it.
    if (c.input.length >= 12) assert.not.ok(message.includes(c.input.slice(0, 8)), message);
  });
}

test('parseHmacKey accepts what openssl rand -base64 32 would print for random keys', () => {
  for (let k = 0; k < 200; k++) {
    const bytes = randomBytes(32 + (k % 40));
    assert.ok(parseHmacKey(`${bytes.toString('base64')}\n`).equals(bytes));
    assert.ok(parseHmacKey(bytes.toString('base64url')).equals(bytes));
  }
});

// ---- createMasker ----------------------------------------------------------------------------

// RFC 4231 section 4: the two test cases whose key is at least 32 bytes (131 bytes of 0xaa).
const rfc4231: { name: string; key: Buffer; input: string; expected: string }[] = [
  {
    name: 'RFC 4231 test case 6 (key larger than the block size)',
    key: Buffer.alloc(131, 0xaa),
    input: 'Test Using Larger Than Block-Size Key - Hash Key First',
    expected: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    name: 'RFC 4231 test case 7 (key and data larger than the block size)',
    key: Buffer.alloc(131, 0xaa),
    input: 'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    expected: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
  // A 32-byte key (shorter than the block, so used as is), values computed with
  // `openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f`.
  { name: '32-byte key over an IPv4 address', key: BYTES_0_TO_31, input: '192.168.1.1', expected: '31ee747b28c0d8b6a38cfd6948037962566627b401e8a1c4aeac1170a4d89d8c' },
  { name: '32-byte key over an IPv6 address', key: BYTES_0_TO_31, input: '2001:db8::1', expected: 'c1b0edb4c1ffb477edb03ec3a4518b21aa3128f2b13cfc9fbd6e3da8ace3d344' },
  { name: '32-byte key over a device id', key: BYTES_0_TO_31, input: '593-47-5928', expected: 'ba7094e9ba29a10ab42334d73454748d97ec401cfb3ddbe3ea14fdd24e1d368e' },
  { name: '32-byte key over non-ASCII text (hashed as UTF-8)', key: BYTES_0_TO_31, input: 'appareil-\u00e9-\u{1f4f1}', expected: '70f2c9dedc30b305b23114f504cdf827fed0b15f36066ea4fec7352a4ede6791' },
];

for (const c of rfc4231) {
  test(`mask matches ${c.name}`, () => {
    assert.is(createMasker(c.key)(c.input), c.expected);
  });
}

test('masks agree with node:crypto HMAC-SHA256 for random keys and values', () => {
  for (let k = 0; k < 300; k++) {
    const key = randomBytes(32 + (k % 100));
    const value = randomBytes(k % 64).toString('base64');
    const expected = createHmac('sha256', key).update(Buffer.from(value, 'utf8')).digest('hex');
    assert.is(createMasker(key)(value), expected);
  }
});

test('a mask is 64 lowercase hex characters', () => {
  const mask = createMasker(randomBytes(32));
  for (const v of ['', 'a', '1.2.3.4', 'x'.repeat(10_000)]) assert.match(mask(v), /^[0-9a-f]{64}$/);
});

const sameAddress: { name: string; spellings: string[] }[] = [
  { name: 'an IPv4 address and its IPv4-mapped IPv6 forms', spellings: ['192.168.1.1', '::ffff:192.168.1.1', '0:0:0:0:0:FFFF:C0A8:0101'] },
  { name: 'an IPv6 address in long and short form', spellings: ['2001:0DB8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1', '2001:db8:0:0:1::1'] },
];

for (const c of sameAddress) {
  test(`one address written different ways gets one mask: ${c.name}`, () => {
    const mask = createMasker(BYTES_0_TO_31);
    const masks = c.spellings.map((s) => mask(canonicalIp(s) as string));
    for (const m of masks) assert.is(m, masks[0]);
  });
}

test('different keys give different masks for the same value', () => {
  const a = createMasker(BYTES_0_TO_31);
  const b = createMasker(Buffer.from(BYTES_0_TO_31.map((x) => x ^ 1)));
  assert.is.not(a('192.168.1.1'), b('192.168.1.1'));
});

test('different values give different masks under one key', () => {
  const mask = createMasker(BYTES_0_TO_31);
  assert.is.not(mask('192.168.1.1'), mask('192.168.1.2'));
});

test('changing the key buffer after createMasker does not change the masks', () => {
  const key = Buffer.from(BYTES_0_TO_31);
  const mask = createMasker(key);
  key.fill(0);
  assert.is(mask('192.168.1.1'), '31ee747b28c0d8b6a38cfd6948037962566627b401e8a1c4aeac1170a4d89d8c');
});

const shortKeys: { name: string; input: Buffer }[] = [
  { name: 'an empty key', input: Buffer.alloc(0) },
  { name: 'a 20-byte key (RFC 4231 test case 1)', input: Buffer.alloc(20, 0x0b) },
  { name: 'a 31-byte key', input: Buffer.alloc(31, 1) },
];

for (const c of shortKeys) {
  test(`createMasker refuses ${c.name}`, () => {
    assert.throws(() => createMasker(c.input), (err: unknown) => err instanceof RangeError);
  });
}

test.run();
