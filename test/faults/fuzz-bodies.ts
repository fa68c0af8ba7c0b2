// Hostile bodies for the fuzz test, from a seeded PRNG. Each says where it can travel (SQS only
// carries valid Unicode without NUL; anything else is written straight to the raw topic, as
// another producer could) and, when its damage decides it, which dead-letter code it must get.
import { prng } from '../../cli/sample-logins.js';
import type { DeadLetterCode } from '../../lib/records/dead-letter-codes.js';

export interface FuzzBody {
  kind: string;
  body: Buffer;
  /** Only through the raw topic: SQS would refuse these bytes. */
  rawOnly: boolean;
  /** undefined: valid, must land. A code: must be dead-lettered with it. 'any': with some code. */
  expected: DeadLetterCode | 'any' | undefined;
  /** For valid ones: the fields as sent. */
  fields?: Record<string, string | null>;
}

const SQL = ["'; DROP TABLE user_logins; --", 'Robert"); DELETE FROM user_logins WHERE (1=1', '1 OR 1=1', "$$; SELECT pg_sleep(10); $$", '\\x00\\\\'];

export function fuzzBodies(seed: number, malformed: number, valid: number): FuzzBody[] {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const good = (): Record<string, unknown> => ({
    user_id: `u-${int(1e9)}`, app_version: pick(['2.3.0', '0.96', '3.7']), device_type: 'android',
    ip: `10.${int(256)}.${int(256)}.${int(256)}`, locale: pick(['RU', null]), device_id: `${int(1e6)}-dev`,
  });
  const json = (o: unknown) => Buffer.from(JSON.stringify(o), 'utf8');
  const requiredFields = ['user_id', 'ip', 'device_id'];

  const malformedKinds: (() => Omit<FuzzBody, 'rawOnly'> & { rawOnly?: boolean })[] = [
    () => { const t = JSON.stringify(good()); return { kind: 'truncated json', body: Buffer.from(t.slice(0, 1 + int(t.length - 1))), expected: 'invalid_json' }; },
    () => ({ kind: 'wrong type', body: json({ ...good(), [pick(requiredFields)]: pick([42, true, [], {}, 3.14]) }), expected: 'invalid_type' }),
    () => ({ kind: 'number for user_id', body: json({ ...good(), user_id: int(1e9) }), expected: 'invalid_type' }),
    () => ({ kind: 'huge user_id', body: json({ ...good(), user_id: 'u'.repeat(129 + int(rand() < 0.01 ? 900_000 : 20_000)) }), expected: 'too_long' }),
    () => ({ kind: 'huge device_id', body: json({ ...good(), device_id: 'd'.repeat(257 + int(5_000)) }), expected: 'too_long' }),
    () => { let v: unknown = 1; const depth = 65 + int(3_000); for (let i = 0; i < depth; i++) v = [v]; return { kind: 'deep nesting', body: json({ ...good(), extra: v }), expected: 'invalid_json' }; },
    () => ({ kind: 'escaped NUL', body: json({ ...good(), locale: `R\u0000U` }), expected: 'contains_nul' }),
    () => ({ kind: 'raw NUL byte', body: Buffer.concat([Buffer.from('{"user_id":"a'), Buffer.from([0]), Buffer.from('"}')]), rawOnly: true, expected: 'invalid_json' }),
    () => { const b = Buffer.alloc(1 + int(300)); for (let i = 0; i < b.length; i++) b[i] = int(256); b[0] = 0xff; return { kind: 'invalid UTF-8', body: b, rawOnly: true, expected: 'invalid_encoding' }; },
    () => ({ kind: 'lone continuation byte', body: Buffer.concat([json(good()).subarray(0, 5), Buffer.from([0x80]), json(good()).subarray(5)]), rawOnly: true, expected: 'invalid_encoding' }),
    () => ({ kind: 'not an object', body: Buffer.from(pick(['[]', '42', '"text"', 'null', 'true', '[{"user_id":"x"}]'])), expected: 'not_an_object' }),
    () => ({ kind: 'the assignment junk', body: Buffer.from('{"foo": "oops_wrong_msg_type", "bar": "123"}'), expected: 'missing_field' }),
    () => { const gone = pick(requiredFields); return { kind: 'missing field', body: json(Object.fromEntries(Object.entries(good()).filter(([k]) => k !== gone))), expected: 'missing_field' }; },
    () => ({ kind: 'bad ip', body: json({ ...good(), ip: pick(['256.1.1.1', '1.2.3', '::g', 'localhost', "1.2.3.4'; --", '1.2.3.4 ']) }), expected: 'invalid_ip' }),
    () => ({ kind: 'bad version', body: json({ ...good(), app_version: pick(['1.2.3.4', 'v2', '1000', '-1', '1e3', '2.x']) }), expected: 'invalid_app_version' }),
    () => ({ kind: 'random text', body: Buffer.from(Array.from({ length: 1 + int(200) }, () => String.fromCodePoint(pick([0x20 + int(95), 0xa0 + int(0x700), 0x1f600 + int(50)]))).join('')), expected: 'any' }),
    () => ({ kind: 'sql instead of json', body: Buffer.from(pick(SQL)), expected: 'invalid_json' }),
  ];

  const out: FuzzBody[] = [];
  for (let i = 0; i < malformed; i++) {
    const b = pick(malformedKinds)();
    out.push({ rawOnly: false, ...b });
  }
  for (let i = 0; i < valid; i++) {
    // Valid, and still hostile: SQL, quotes, emoji and right-to-left text must land verbatim.
    const fields = { ...good(), user_id: rand() < 0.3 ? pick(SQL) : `u-${int(1e9)}-✓`, device_type: rand() < 0.3 ? 'ios 😀 ‮rtl' : 'android' } as Record<string, string | null>;
    out.push({ kind: 'valid', body: json(fields), rawOnly: false, expected: undefined, fields });
  }
  // Interleave so valid and malformed share batches and transactions.
  for (let i = out.length - 1; i > 0; i--) { const j = int(i + 1); [out[i], out[j]] = [out[j]!, out[i]!]; }
  return out;
}
