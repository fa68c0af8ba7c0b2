// Realistic login events for seeding, demos, tests and benchmarks, from a seeded PRNG so a run
// can be repeated. Malformed bodies say which dead-letter code their kind of damage must get,
// taken from the rule they break, not from running the validator.
import type { DeadLetterCode } from '../lib/records/dead-letter-codes.js';

export interface SampleLogin {
  body: string;
  /** undefined for a valid event; otherwise the dead-letter code the processor must give it. */
  expectedCode: DeadLetterCode | undefined;
  /** What was sent, for valid events: tests recompute the masks from these. */
  fields?: { user_id: string; ip: string; device_id: string; device_type: string | null; locale: string | null; app_version: string | null };
}

/** mulberry32: tiny, fast, good enough for test data; not for anything secret. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERSIONS = ['0.96', '2.3.0', '3.7', '2.2.1', '0.4', '3.0.0', '1.12.7', '4'];
const DEVICE_TYPES = ['android', 'iOS'];
const LOCALES = ['RU', 'PH', 'US', 'DE', 'BR', 'IN', 'FR', 'JP', 'en-GB', 'es-MX'];

export function createSampleLogins(seed = 1) {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');

  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}`;
  const ipv4 = () => `${1 + int(223)}.${int(256)}.${int(256)}.${int(256)}`;
  const ipv6 = () => `2001:db8:${int(65536).toString(16)}::${int(65536).toString(16)}`;
  const deviceId = () => `${100 + int(900)}-${10 + int(90)}-${1000 + int(9000)}`;

  function valid(): SampleLogin {
    const fields = {
      user_id: uuid(),
      app_version: rand() < 0.1 ? null : pick(VERSIONS),
      device_type: rand() < 0.05 ? null : pick(DEVICE_TYPES),
      ip: rand() < 0.1 ? ipv6() : ipv4(),
      // About a third of real events have no locale.
      locale: rand() < 0.33 ? null : pick(LOCALES),
      device_id: deviceId(),
    };
    return { body: JSON.stringify(fields), expectedCode: undefined, fields };
  }

  const base = () => JSON.parse(valid().body) as Record<string, unknown>;
  const withField = (k: string, v: unknown) => JSON.stringify({ ...base(), [k]: v });
  const without = (k: string) => { const o = base(); delete o[k]; return JSON.stringify(o); };

  const malformedKinds: (() => SampleLogin)[] = [
    () => ({ body: '{"foo": "oops_wrong_msg_type", "bar": "123"}', expectedCode: 'missing_field' }),
    () => ({ body: `not json at all ${int(1000)}`, expectedCode: 'invalid_json' }),
    () => ({ body: '{"user_id": "abc", "ip": ', expectedCode: 'invalid_json' }),
    () => ({ body: JSON.stringify([base()]), expectedCode: 'not_an_object' }),
    () => ({ body: without('ip'), expectedCode: 'missing_field' }),
    () => ({ body: without('device_id'), expectedCode: 'missing_field' }),
    () => ({ body: withField('user_id', 12345), expectedCode: 'invalid_type' }),
    () => ({ body: withField('ip', '999.1.1.1'), expectedCode: 'invalid_ip' }),
    () => ({ body: withField('ip', 'localhost'), expectedCode: 'invalid_ip' }),
    () => ({ body: withField('app_version', '2.x'), expectedCode: 'invalid_app_version' }),
    () => ({ body: withField('locale', 'x'.repeat(40)), expectedCode: 'too_long' }),
    () => ({ body: withField('device_type', 'android\u0000'), expectedCode: 'contains_nul' }),
  ];

  return {
    valid,
    malformed: (): SampleLogin => pick(malformedKinds)(),
    /** `count` events, about `malformedShare` of them malformed, in random order. */
    batch(count: number, malformedShare: number): SampleLogin[] {
      return Array.from({ length: count }, () => (rand() < malformedShare ? pick(malformedKinds)() : valid()));
    },
  };
}
