// The processor's CPU path for one record (validate, canonicalise, mask, Avro-encode, frame),
// with no I/O: the ceiling the Kafka wiring works under. Prints events/s and µs per event, and a
// RESULT line (bench/child-result.ts) for bench/run.ts.
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createSampleLogins } from '../cli/sample-logins.js';
import { createMasker } from '../processor/mask.js';
import { transform, NO_PII_OPTIONS, type PiiOptions, type RawInput } from '../processor/transform.js';
import { BatchSealer, generateRawKeyPair, importSealingKey } from '../lib/pii/hpke.js';
import { HEADER_MESSAGE_ID, HEADER_SENT_TIMESTAMP } from '../lib/records/headers.js';
import { userLoginType } from '../lib/records/user-login.js';
import { frame } from '../lib/records/wire-format.js';
import { reportResult } from './child-result.js';
import { BODY_FORMATS } from '../processor/sns-envelope.js';
import { snsEnvelope } from '../cli/sqs-traffic.js';
import { oneOf } from '../lib/runtime/config.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const RUNS = Number(process.env.BENCH_CORE_RUNS ?? 7);
// BENCH_BODY_FORMAT: SQS_BODY_FORMAT (raw, sns, auto: the default); with sns every body is wrapped
// in an SNS envelope, so the figure includes parsing the envelope and then its Message.
const FORMAT = oneOf(...BODY_FORMATS)(process.env.BENCH_BODY_FORMAT ?? 'auto');

const gen = createSampleLogins(42);
const inputs: RawInput[] = gen.batch(EVENTS, 0.05).map((s, i) => ({
  value: Buffer.from(FORMAT === 'sns' ? snsEnvelope(s.body) : s.body),
  headers: { [HEADER_MESSAGE_ID]: Buffer.from(`id-${i}`), [HEADER_SENT_TIMESTAMP]: Buffer.from(String(Date.now())) },
  timestamp: String(Date.now()),
}));
const mask = createMasker(randomBytes(32));
// BENCH_SEAL=1: also seal ip and device_id to a recovery key, as with PII_RECOVERY_PUBLIC_KEY set.
const sealing = process.env.BENCH_SEAL === '1' ? importSealingKey(generateRawKeyPair().publicKey) : undefined;
// As the processor does: a sealer (one HPKE context) per batch of BATCH events.
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const piiForBatch = (): PiiOptions => {
  if (sealing === undefined) return NO_PII_OPTIONS;
  const sealer = new BatchSealer(sealing);
  return { maskKeyId: 'bench', seal: (field, clear, id) => sealer.sealField(field, clear, id) };
};

let sink = 0; // consumed so the work cannot be optimised away
let cpuMicros = 0; // user + system over the timed runs, for the RESULT line
function once(): number {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let pii = piiForBatch();
  for (let i = 0; i < inputs.length; i++) {
    if (i % BATCH === 0 && i > 0) pii = piiForBatch();
    const out = transform(inputs[i]!, mask, pii, FORMAT);
    if (out.kind === 'clean') sink += frame(1, userLoginType.toBuffer(out.record)).length;
    else sink += out.code.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  cpuMicros += used.user + used.system;
  return seconds;
}

once(); // warm-up: JIT and caches
cpuMicros = 0;
const seconds = Array.from({ length: RUNS }, once).sort((a, b) => a - b);
const median = seconds[Math.floor(RUNS / 2)]!;
console.log(`processor core, SQS_BODY_FORMAT=${FORMAT}${sealing ? `, with sealing (one context per ${BATCH} events)` : ''}: ${EVENTS} events x ${RUNS} runs on ${cpus()[0]?.model ?? 'unknown CPU'} (one core)`);
console.log(`  median ${(EVENTS / median).toFixed(0)} events/s, ${((median / EVENTS) * 1e6).toFixed(2)} µs/event (best ${(EVENTS / seconds[0]!).toFixed(0)}, worst ${(EVENTS / seconds[RUNS - 1]!).toFixed(0)} events/s)`);
if (sink === 0) console.log('(nothing produced)');
// For bench/run.ts: the median rate, and the CPU per event over all timed runs (steadier than
// the wall clock on a shared machine).
reportResult({ rate: EVENTS / median, seconds: median, cpuPerUnitMicros: cpuMicros / (EVENTS * RUNS) });
