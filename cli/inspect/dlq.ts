// `loginpipe dlq stats|show|replay`: the dead-letter topic after the fact. Replay sends matching
// dead letters back where they came from (rules in replay-plan.ts) and prints what it did.
import type { Message } from 'kafkajs';
import { loadSettings } from '../../lib/runtime/config.js';
import { kafkaSettings } from '../../lib/runtime/settings.js';
import { producerOptions, topicPartitionCount, withAdmin } from '../../lib/kafka/client.js';
import { sendPerPartition } from '../../lib/kafka/partition-sends.js';
import { NotADeadLetter, parseDeadLetter, type ParsedDeadLetter } from '../../lib/records/dead-letter.js';
import { HEADER_REPLAY_OF, headerText } from '../../lib/records/headers.js';
import { cliKafka, stopOnSignal, type Out } from '../cli-context.js';
import { scanTopic, type ScanStart, type ScannedRecord } from './topic-scan.js';
import { deadLetterView } from './record-view.js';
import { countByCode, planReplay } from './replay-plan.js';
import { progressOn } from '../progress.js';

/** A dead-letter-topic record read back, or why it is not a dead letter. */
type Read = { ok: true; d: ParsedDeadLetter; r: ScannedRecord } | { ok: false; why: string; r: ScannedRecord };

function read(r: ScannedRecord): Read {
  try {
    const headers = r.message.headers as Record<string, unknown> | undefined;
    return { ok: true, r, d: parseDeadLetter({ key: r.message.key, value: r.message.value, headers, timestamp: r.message.timestamp }, { topic: r.topic, partition: r.partition, offset: r.offset }) };
  } catch (err) {
    if (err instanceof NotADeadLetter) return { ok: false, r, why: err.message };
    throw err;
  }
}

const NOT_A_DEAD_LETTER = '(not a dead letter)';

/** Reads the dead-letter topic from `start` to its current end. */
async function readDeadLetters(start: ScanStart, filter: (x: Read) => boolean, each: (x: Read) => void | Promise<void>, max?: number): Promise<number> {
  const cfg = loadSettings(kafkaSettings);
  const progress = progressOn();
  try {
    return await scanTopic(cliKafka(cfg, 'dlq'), {
      topic: cfg.dlqTopic, start, toEnd: true, max, signal: stopOnSignal(),
      filter: (r) => filter(read(r)),
      onRecord: (r) => each(read(r)),
      onProgress: (n, total) => progress.update(`read ${n}${total !== undefined ? ` of ${total}` : ''} dead letters`),
    });
  } finally {
    progress.done();
  }
}

export async function dlqStats(opts: { sinceMs: number; json: boolean }, out: Out, now = Date.now()): Promise<number> {
  const { dlqTopic } = loadSettings(kafkaSettings);
  const codes: string[] = [];
  await readDeadLetters({ sinceMs: opts.sinceMs }, () => true, (x) => { codes.push(x.ok ? x.d.code : NOT_A_DEAD_LETTER); });
  const byCode = countByCode(codes);
  const since = new Date(opts.sinceMs).toISOString();
  if (opts.json) {
    out(JSON.stringify({ topic: dlqTopic, since, until: new Date(now).toISOString(), total: codes.length, by_code: byCode }));
    return 0;
  }
  out(`${codes.length} dead letters in ${dlqTopic} since ${since}`);
  const width = Math.max(4, ...byCode.map((c) => c.code.length));
  for (const c of byCode) out(`  ${c.code.padEnd(width)}  ${String(c.count).padStart(7)}`);
  return 0;
}

export async function dlqShow(opts: { code: string | undefined; max: number; sinceMs: number | undefined; json: boolean; showValue: boolean }, out: Out): Promise<number> {
  await readDeadLetters(
    opts.sinceMs === undefined ? 'earliest' : { sinceMs: opts.sinceMs },
    (x) => opts.code === undefined || (x.ok && x.d.code === opts.code),
    (x) => {
      if (!x.ok) {
        out(opts.json ? JSON.stringify({ partition: x.r.partition, offset: x.r.offset, not_a_dead_letter: x.why }) : `${x.r.partition}/${x.r.offset}  ${NOT_A_DEAD_LETTER}: ${x.why}`);
        return;
      }
      const v = deadLetterView(x.d, x.r.message.timestamp, headerText(x.r.message.headers as Record<string, unknown>, HEADER_REPLAY_OF), opts.showValue);
      out(opts.json ? JSON.stringify(v.json) : v.line);
    },
    opts.max,
  );
  return 0;
}

export interface ReplayOptions { code: string; sinceMs: number | undefined; dryRun: boolean; json: boolean }

export interface ReplayReport { replayed: { from: string; to: string; messageId: string | null }[]; skipped: { from: string; why: string }[] }

/** Batches written per send: replay keeps little in memory however many dead letters match. */
const REPLAY_BATCH = 500;

export async function dlqReplay(opts: ReplayOptions, out: Out): Promise<number> {
  const cfg = loadSettings(kafkaSettings);
  const kafka = cliKafka(cfg, 'replay');
  const producer = kafka.producer(producerOptions());
  if (!opts.dryRun) await producer.connect();
  const report: ReplayReport = { replayed: [], skipped: [] };
  const pending = new Map<string, Message[]>();
  const partitions = new Map<string, number>();
  // One partition per send(), one after the other (the producer is idempotent): a send() over
  // several brokers can drop records when one of them fails over (lib/kafka/partition-sends.ts).
  const flush = async () => {
    for (const [topic, messages] of pending) {
      if (messages.length === 0) continue;
      if (!partitions.has(topic)) partitions.set(topic, await withAdmin(kafka, (admin) => topicPartitionCount(admin, topic)));
      await sendPerPartition(producer, topic, messages, partitions.get(topic)!, undefined, { sequential: true });
    }
    pending.clear();
  };
  const progress = progressOn();
  const verb = opts.dryRun ? 'would replay' : 'replayed';
  try {
    await readDeadLetters(
      opts.sinceMs === undefined ? 'earliest' : { sinceMs: opts.sinceMs },
      (x) => x.ok && x.d.code === opts.code,
      async (x) => {
        if (!x.ok) return;
        const from = `${x.d.at.topic}/${x.d.at.partition}/${x.d.at.offset}`;
        const step = planReplay(x.d, cfg);
        if (!step.replay) {
          report.skipped.push({ from, why: step.why });
          if (!opts.json) out(`skipped ${from}: ${step.why}`);
          return;
        }
        report.replayed.push({ from, to: step.topic, messageId: x.d.messageId ?? null });
        if (!opts.json) out(`${verb} ${from} -> ${step.topic}${x.d.messageId ? ` (message id ${x.d.messageId})` : ''}`);
        if (opts.dryRun) return;
        const list = pending.get(step.topic) ?? [];
        const message: Message = { key: step.key, value: step.value, headers: step.headers };
        if (x.d.timestamp !== undefined) message.timestamp = x.d.timestamp;
        list.push(message);
        pending.set(step.topic, list);
        if (list.length >= REPLAY_BATCH) await flush();
        progress.update(`replayed ${report.replayed.length}, skipped ${report.skipped.length}`);
      },
    );
    await flush();
  } finally {
    progress.done();
    if (!opts.dryRun) await producer.disconnect();
  }
  const byTopic = new Map<string, number>();
  for (const r of report.replayed) byTopic.set(r.to, (byTopic.get(r.to) ?? 0) + 1);
  if (opts.json) {
    out(JSON.stringify({ code: opts.code, dry_run: opts.dryRun, replayed: report.replayed.length, to: Object.fromEntries(byTopic), skipped: report.skipped }));
  } else {
    const to = [...byTopic].map(([t, n]) => `${n} to ${t}`).join(', ');
    out(`${verb} ${report.replayed.length} dead letters with code ${opts.code}${to ? ` (${to})` : ''}; skipped ${report.skipped.length}`);
  }
  return 0;
}
