// A row's opened values against its stored masks: a value sealed by someone else (anyone with the
// public key can seal) is caught when the masking key that made the row's masks is at hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMasker } from '../../lib/pii/mask.js';
import { maskMismatches, type StoredMasks } from '../../lib/pii/mask-check.js';

const KEY = { mask: createMasker(Buffer.alloc(32, 3)), keyId: 'k1' };
const OTHER = { mask: createMasker(Buffer.alloc(32, 4)), keyId: 'k2' };
const opened = { ip: '203.0.113.5', device_id: 'dev-aaa' };
const row: StoredMasks = { maskedIp: KEY.mask('203.0.113.5'), maskedDeviceId: KEY.mask('dev-aaa'), maskKeyId: 'k1' };

const cases: { name: string; opened: { ip: string; device_id: string }; stored: StoredMasks; key: typeof KEY | undefined; expected: string[] | 'unchecked' }[] = [
  { name: 'both values match their masks', opened, stored: row, key: KEY, expected: [] },
  { name: 'a stored mask in upper case still matches', opened, stored: { ...row, maskedIp: row.maskedIp.toUpperCase() }, key: KEY, expected: [] },
  { name: 'a forged ip (sealed by someone with the public key)', opened: { ...opened, ip: '10.0.0.1' }, stored: row, key: KEY, expected: ['ip'] },
  { name: 'a forged device id', opened: { ...opened, device_id: 'dev-evil' }, stored: row, key: KEY, expected: ['device_id'] },
  { name: 'the two values swapped', opened: { ip: 'dev-aaa', device_id: '203.0.113.5' }, stored: row, key: KEY, expected: ['ip', 'device_id'] },
  { name: 'a stored mask cut short', opened, stored: { ...row, maskedIp: row.maskedIp.slice(0, 63) }, key: KEY, expected: ['ip'] },
  { name: 'an empty stored mask', opened, stored: { ...row, maskedDeviceId: '' }, key: KEY, expected: ['device_id'] },
  { name: 'masks of another key: nothing can be told', opened: { ...opened, ip: '10.0.0.1' }, stored: row, key: OTHER, expected: 'unchecked' },
  { name: 'a row without a key id', opened, stored: { ...row, maskKeyId: null }, key: KEY, expected: 'unchecked' },
  { name: 'no masking key at hand', opened, stored: row, key: undefined, expected: 'unchecked' },
];
for (const c of cases) {
  test(`mask check: ${c.name}`, () => {
    assert.equal(maskMismatches(c.opened, c.stored, c.key), c.expected);
  });
}

test.run();
