import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeAppVersion, encodeAppVersion, parseAppVersion } from '../../lib/runtime/app-version.js';

// Expected values are worked out by hand from the rule: major*1_000_000 + minor*1_000 + patch.
const valid: { name: string; input: string; expected: [number, number, number]; encoded: number }[] = [
  { name: 'two parts, the second below ten percent of a thousand', input: '0.96', expected: [0, 96, 0], encoded: 96_000 },
  { name: 'three parts', input: '2.3.0', expected: [2, 3, 0], encoded: 2_003_000 },
  { name: 'two parts', input: '3.7', expected: [3, 7, 0], encoded: 3_007_000 },
  { name: 'one part', input: '4', expected: [4, 0, 0], encoded: 4_000_000 },
  { name: 'all zeros', input: '0', expected: [0, 0, 0], encoded: 0 },
  { name: 'the largest version', input: '999.999.999', expected: [999, 999, 999], encoded: 999_999_999 },
  { name: 'a leading zero does not change the number', input: '2.03', expected: [2, 3, 0], encoded: 2_003_000 },
  { name: 'three-digit parts with leading zeros', input: '007.010.001', expected: [7, 10, 1], encoded: 7_010_001 },
  { name: 'patch only non-zero', input: '0.0.1', expected: [0, 0, 1], encoded: 1 },
  { name: 'realistic three-part version', input: '1.12.7', expected: [1, 12, 7], encoded: 1_012_007 },
];

for (const c of valid) {
  test(`parseAppVersion accepts ${c.name} ("${c.input}")`, () => {
    assert.equal(parseAppVersion(c.input), c.expected);
  });
  test(`encodeAppVersion encodes ${c.name} ("${c.input}") as ${c.encoded}`, () => {
    assert.is(encodeAppVersion(c.input), c.encoded);
  });
}

const invalid: { name: string; input: string }[] = [
  { name: 'empty text', input: '' },
  { name: 'a trailing dot', input: '1.' },
  { name: 'a leading dot', input: '.1' },
  { name: 'an empty middle part', input: '1..2' },
  { name: 'four parts', input: '1.2.3.4' },
  { name: 'a sign', input: '-1' },
  { name: 'a plus sign', input: '+1' },
  { name: 'an exponent', input: '1e3' },
  { name: 'leading whitespace', input: ' 1' },
  { name: 'trailing whitespace', input: '1.2 ' },
  { name: 'a trailing newline', input: '1.2\n' },
  { name: 'a v prefix', input: 'v1.2' },
  { name: 'a part above 999', input: '1000' },
  { name: 'a four-digit part even if it is small', input: '1.0002' },
  { name: 'a pre-release suffix', input: '1.2.3-beta' },
  { name: 'a letter part', input: '2.x' },
  { name: 'a lone dot', input: '.' },
  { name: 'a comma separator', input: '1,2' },
  { name: 'Arabic-Indic digits', input: '\u0661.\u0662' },
  { name: 'fullwidth digits', input: '\uff11.\uff12' },
  { name: 'a NUL character', input: '1.2\u0000' },
  { name: 'hex', input: '0x10' },
  { name: 'a very long run of digits', input: '1'.repeat(100_000) },
  { name: 'a very long run of dots and digits', input: '1.'.repeat(50_000) },
  { name: 'Infinity', input: 'Infinity' },
  { name: 'NaN', input: 'NaN' },
];

for (const c of invalid) {
  test(`parseAppVersion rejects ${c.name}`, () => {
    assert.is(parseAppVersion(c.input), null);
  });
  test(`encodeAppVersion throws a RangeError on ${c.name}`, () => {
    assert.throws(() => encodeAppVersion(c.input), (err: unknown) => err instanceof RangeError);
  });
}

const decoded: { name: string; input: number; expected: string }[] = [
  { name: 'zero', input: 0, expected: '0.0.0' },
  { name: 'a minor-only version', input: 96_000, expected: '0.96.0' },
  { name: 'a three-part version', input: 2_003_000, expected: '2.3.0' },
  { name: 'a patch-only version', input: 1, expected: '0.0.1' },
  { name: 'the largest version', input: 999_999_999, expected: '999.999.999' },
  { name: 'a version with every part set', input: 12_034_056, expected: '12.34.56' },
];

for (const c of decoded) {
  test(`decodeAppVersion writes ${c.name} (${c.input}) as "${c.expected}"`, () => {
    assert.is(decodeAppVersion(c.input), c.expected);
  });
}

const undecodable: { name: string; input: number }[] = [
  { name: 'a negative number', input: -1 },
  { name: 'a fraction', input: 1.5 },
  { name: 'one more than the largest version', input: 1_000_000_000 },
  { name: 'NaN', input: Number.NaN },
  { name: 'Infinity', input: Number.POSITIVE_INFINITY },
];

for (const c of undecodable) {
  test(`decodeAppVersion throws a RangeError on ${c.name}`, () => {
    assert.throws(() => decodeAppVersion(c.input), (err: unknown) => err instanceof RangeError);
  });
}

test('decoding an encoded version gives its three-part spelling without leading zeros', () => {
  // Every combination of parts from a small set, spelled with and without leading zeros.
  const parts = [0, 1, 9, 10, 99, 100, 999];
  for (const a of parts) {
    for (const b of parts) {
      for (const c of parts) {
        const padded = `${String(a).padStart(3, '0')}.${String(b).padStart(3, '0')}.${String(c).padStart(3, '0')}`;
        assert.is(decodeAppVersion(encodeAppVersion(padded)), `${a}.${b}.${c}`);
      }
    }
  }
});

test('encoded versions sort in the order of the versions', () => {
  const ordered = ['0.0.1', '0.4', '0.96', '1', '1.0.1', '1.9', '1.10', '1.12.7', '2.3.0', '3.7', '999.999.999'];
  const codes = ordered.map(encodeAppVersion);
  for (let i = 1; i < codes.length; i++) assert.ok((codes[i - 1] as number) < (codes[i] as number), `${ordered[i - 1]} < ${ordered[i]}`);
});

test.run();
