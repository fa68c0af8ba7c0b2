import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isIP } from 'node:net';
import { createSampleLogins, prng } from '../../cli/sample-logins.js';
import { isDeadLetterCode } from '../../lib/records/dead-letter-codes.js';
import { validateLogin } from '../../processor/validate.js';
import { parseAppVersion } from '../../lib/runtime/app-version.js';

// ---- prng -----------------------------------------------------------------------------------------

test('prng: the same seed gives the same sequence', () => {
  const a = prng(12345);
  const b = prng(12345);
  for (let i = 0; i < 1000; i++) assert.is(a(), b());
});

const seedPairs: { name: string; input: [number, number] }[] = [
  { name: 'neighbouring seeds', input: [1, 2] },
  { name: 'zero and one', input: [0, 1] },
  { name: 'a seed and the same seed plus 2^32', input: [7, 7 + 2 ** 31] },
];

for (const c of seedPairs) {
  test(`prng: ${c.name} give different sequences`, () => {
    const a = prng(c.input[0]);
    const b = prng(c.input[1]);
    const xs = Array.from({ length: 8 }, () => a());
    const ys = Array.from({ length: 8 }, () => b());
    assert.not.equal(xs, ys);
  });
}

test('prng: values are in [0, 1), spread evenly enough over 10,000 draws', () => {
  const rand = prng(99);
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 10_000; i++) {
    const x = rand();
    assert.ok(x >= 0 && x < 1, String(x));
    buckets[Math.floor(x * 10)]! += 1;
  }
  // Each bucket expects 1,000 with a standard deviation of 30; 5 deviations is a generous bound.
  for (const n of buckets) assert.ok(Math.abs(n - 1000) < 150, `bucket counts ${buckets.join(',')}`);
});

// ---- createSampleLogins ---------------------------------------------------------------------------

test('createSampleLogins: the same seed gives the same events', () => {
  assert.equal(createSampleLogins(42).batch(500, 0.3), createSampleLogins(42).batch(500, 0.3));
});

test('createSampleLogins: different seeds give different events', () => {
  assert.not.equal(createSampleLogins(42).batch(50, 0.3), createSampleLogins(43).batch(50, 0.3));
});

const shares: { name: string; input: number; expected: { min: number; max: number } }[] = [
  // n = 10,000: the count is binomial with sd = sqrt(n p (1-p)); bounds are 5 sd either side.
  { name: 'no malformed events when the share is 0', input: 0, expected: { min: 0, max: 0 } },
  { name: 'about 10% malformed (sd 30)', input: 0.1, expected: { min: 1000 - 150, max: 1000 + 150 } },
  { name: 'about 30% malformed (sd 46)', input: 0.3, expected: { min: 3000 - 230, max: 3000 + 230 } },
  { name: 'about half malformed (sd 50)', input: 0.5, expected: { min: 5000 - 250, max: 5000 + 250 } },
  { name: 'only malformed events when the share is 1', input: 1, expected: { min: 10_000, max: 10_000 } },
];

for (const c of shares) {
  test(`createSampleLogins: ${c.name} over 10,000 events`, () => {
    const events = createSampleLogins(7).batch(10_000, c.input);
    assert.is(events.length, 10_000);
    const malformed = events.filter((e) => e.expectedCode !== undefined).length;
    assert.ok(malformed >= c.expected.min && malformed <= c.expected.max, `${malformed} malformed`);
  });
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DEVICE_ID = /^\d{3}-\d{2}-\d{4}$/;

test('createSampleLogins: every valid body of 5,000 parses, has the fields it declares, and passes the validator', () => {
  const events = createSampleLogins(3).batch(5_000, 0.2).filter((e) => e.expectedCode === undefined);
  assert.ok(events.length > 3_500);
  for (const e of events) {
    const f = e.fields;
    assert.ok(f, 'a valid event declares its fields');
    const body = JSON.parse(e.body) as Record<string, unknown>;
    assert.equal(body, { ...f });
    assert.match(f.user_id, UUID_V4);
    assert.ok(isIP(f.ip) === 4 || isIP(f.ip) === 6, `ip ${f.ip}`);
    assert.match(f.device_id, DEVICE_ID);
    assert.ok(f.device_type === null || f.device_type.length > 0);
    assert.ok(f.locale === null || (f.locale.length > 0 && f.locale.length <= 32));
    assert.ok(f.app_version === null || parseAppVersion(f.app_version) !== null, `app_version ${f.app_version}`);
    const v = validateLogin(Buffer.from(e.body, 'utf8'));
    assert.ok(v.ok, `${e.body} -> ${v.ok ? '' : v.code}`);
  }
});

test('createSampleLogins: valid events include IPv6 addresses and missing optional fields', () => {
  const valid = createSampleLogins(5).batch(2_000, 0).map((e) => e.fields!);
  assert.ok(valid.some((f) => isIP(f.ip) === 6), 'no IPv6 address');
  assert.ok(valid.some((f) => isIP(f.ip) === 4), 'no IPv4 address');
  assert.ok(valid.some((f) => f.locale === null), 'no event without locale');
  assert.ok(valid.some((f) => f.app_version === null), 'no event without app_version');
  assert.ok(valid.some((f) => f.device_type === null), 'no event without device_type');
});

test('createSampleLogins: every malformed body of 3,000 declares a known code, has no fields, and gets exactly that code', () => {
  const events = createSampleLogins(11).batch(3_000, 1);
  const seen = new Set<string>();
  for (const e of events) {
    assert.ok(e.expectedCode !== undefined && isDeadLetterCode(e.expectedCode), `code ${String(e.expectedCode)}`);
    assert.is(e.fields, undefined);
    const v = validateLogin(Buffer.from(e.body, 'utf8'));
    assert.is(v.ok ? 'ok' : v.code, e.expectedCode, e.body);
    seen.add(e.expectedCode);
  }
  // The kinds cover the validator's main rules (by the codes they declare).
  for (const code of ['invalid_json', 'not_an_object', 'missing_field', 'invalid_type', 'invalid_ip', 'invalid_app_version', 'too_long', 'contains_nul']) {
    assert.ok(seen.has(code), `no malformed event with ${code}`);
  }
});

test('createSampleLogins: valid() and malformed() draw from the same seeded stream', () => {
  const a = createSampleLogins(9);
  const b = createSampleLogins(9);
  assert.equal([a.valid(), a.malformed(), a.valid()], [b.valid(), b.malformed(), b.valid()]);
  assert.is(a.valid().expectedCode, undefined);
  assert.ok(a.malformed().expectedCode !== undefined);
});

test.run();
