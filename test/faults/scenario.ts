// One fault scenario: a fresh world, the three services as child processes, a steady stream of
// logins into SQS, the scenario's faults at random moments while it flows, then a drain and
// the checks of oracle.ts. Prints one table per scenario; the seed printed with it replays the
// same events and the same fault moments (FAULT_SEED=<seed>).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prng } from '../../cli/sample-logins.js';
import { queueDepth } from '../../lib/sqs/client.js';
import type { Kafka } from 'kafkajs';
import { db, kafka as stackKafka, sqs, startLoginpipe, waitUntil, type LoginpipeProcess } from '../integration/harness.js';
import { tally, type Row, type Tally } from './oracle.js';
import { LoginStream } from './stream.js';
import { TopicTail } from '../../lib/kafka/topic-reader.js';
import { newFaultWorld, type FaultWorld } from './world.js';

export type Kind = 'sink' | 'processor' | 'connector';
/** Downstream first, so nothing produces into a stage that is not there yet. */
export const KINDS: readonly Kind[] = ['sink', 'processor', 'connector'];

const EVENTS = Number(process.env.FAULT_EVENTS ?? 20_000);
/** About what the pipeline sustains on a small machine; a scenario may ask for less. */
const PER_SECOND = 1_000;
const MALFORMED_SHARE = 0.05;
const DRAIN_TIMEOUT_MS = 300_000;
const SAMPLE_EVERY_MS = 250;
const STUCK_AFTER_MS = 60_000;

/**
 * The services of one world, restarted as often as a scenario likes; any exit nobody asked for is
 * recorded. Each instance has a name: the first of a kind is named after it ('processor'), a
 * scenario that scales out starts more under names of its own ('processor-2').
 */
export class Services {
  readonly history: LoginpipeProcess[] = [];
  readonly unexpectedExits: string[] = [];
  private readonly current = new Map<string, LoginpipeProcess>();
  private readonly deliberate = new WeakSet<LoginpipeProcess>();

  constructor(private readonly env: Record<string, string>) {}

  async start(kind: Kind, name: string = kind): Promise<void> {
    const svc = await startLoginpipe(kind, this.env);
    this.history.push(svc);
    this.current.set(name, svc);
    void svc.exited.then((code) => {
      if (!this.deliberate.has(svc)) {
        this.unexpectedExits.push(`${name} (pid ${svc.child.pid}) exited by itself with code ${code}; its last lines:\n${svc.lines.slice(-8).join('\n')}${svc.stderr.join('')}`);
      }
    });
  }

  /** kill -9: no chance to finish, commit or leave the consumer group. */
  async kill(name: string): Promise<void> {
    const svc = this.running(name);
    this.deliberate.add(svc);
    // A frozen process takes SIGKILL too, but SIGCONT first keeps the child's exit prompt.
    svc.child.kill('SIGCONT');
    svc.child.kill('SIGKILL');
    await svc.exited;
  }

  /** SIGTERM; resolves with the exit code and how long the service took to exit. */
  async terminate(name: string): Promise<{ kind: string; code: number | null; ms: number }> {
    const svc = this.running(name);
    this.deliberate.add(svc);
    const from = Date.now();
    const code = await svc.stop();
    return { kind: name, code, ms: Date.now() - from };
  }

  /**
   * SIGSTOP: the process stops dead, sockets open, as in a long GC pause, a CPU-throttled
   * container or a VM migration; `thaw` (SIGCONT) lets it carry on where it was.
   */
  freeze(name: string): void {
    this.running(name).child.kill('SIGSTOP');
  }

  thaw(name: string): void {
    this.running(name).child.kill('SIGCONT');
  }

  running(name: string): LoginpipeProcess {
    const svc = this.current.get(name);
    if (!svc) throw new Error(`${name} was never started`);
    return svc;
  }

  isUp(name: string): boolean {
    const svc = this.current.get(name);
    return svc !== undefined && svc.child.exitCode === null && svc.child.signalCode === null;
  }

  /** Names of the instances running now, in the order they were first started. */
  up(): string[] {
    return [...this.current.keys()].filter((name) => this.isUp(name));
  }
}

export interface FaultRecord {
  what: string;
  /** When the fault began, and the stream's progress then. */
  at: number;
  progress: number;
  /** When the fault was over: the service restarted, or the server answers again. */
  healedAt?: number;
  detail?: string;
}

export interface ScenarioContext {
  world: FaultWorld;
  /** The scenario's own PRNG, from the printed seed. */
  rand: () => number;
  stream: LoginStream;
  services: Services;
  log(line: string): void;
  /** Waits until SQS has confirmed this share of the stream (or the stream is over). */
  atProgress(share: number): Promise<void>;
  /** Breaks something, then heals it (always, even if breaking failed half-way), recording both moments. */
  fault(what: string, breakIt: () => Promise<string | void>, heal: () => Promise<void>): Promise<FaultRecord>;
  /** A finding that fails the scenario once the table is printed. */
  problem(text: string): void;
}

interface Sample { t: number; n: number | null }

export interface ScenarioReport {
  name: string;
  seed: number;
  tally: Tally;
  faults: FaultRecord[];
  drainMs: number | undefined;
  wallMs: number;
}

export interface ScenarioOptions {
  perSecond?: number;
  /** Events in the stream (FAULT_EVENTS overrides it). */
  events?: number;
  /** Settings for the world's services, e.g. KAFKA_BROKERS of a test cluster. */
  env?: Record<string, string>;
  /** A client of the Kafka the services use, for reading the topics back; the stack's by default. */
  kafka?: Kafka;
  /** The queue's visibility timeout (and the connector's); the suite's short one by default. */
  visibilityTimeoutSeconds?: number;
  /** Runs once the world exists, before any service starts (e.g. to create its topics). */
  prepare?: (world: FaultWorld) => Promise<void>;
}

export async function runScenario(
  name: string,
  inject: (ctx: ScenarioContext) => Promise<void>,
  opts: ScenarioOptions = {},
): Promise<ScenarioReport> {
  const wallFrom = Date.now();
  const events = process.env.FAULT_EVENTS ? EVENTS : opts.events ?? EVENTS;
  const kafka = opts.kafka ?? stackKafka;
  const seed = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : Math.floor(Math.random() * 2 ** 31);
  const perSecond = Number(process.env.FAULT_RATE ?? opts.perSecond ?? PER_SECOND);
  const log = (line: string) => console.log(`[${name} +${((Date.now() - wallFrom) / 1000).toFixed(1)}s] ${line}`);
  log(`seed ${seed} (replay with FAULT_SEED=${seed}); ${events} events at ${perSecond}/s, ${MALFORMED_SHARE * 100}% malformed`);

  const world = await newFaultWorld(name, opts.env, opts.visibilityTimeoutSeconds);
  const table = `"${world.schema}".user_logins`;
  const services = new Services(world.env);
  const faults: FaultRecord[] = [];
  const problems: string[] = [];
  const samples: Sample[] = [];
  const stream = new LoginStream({ queueUrl: world.queueUrl, total: events, perSecond, malformedShare: MALFORMED_SHARE, seed, log });
  let sampling = true;
  let sampler: Promise<void> = Promise.resolve();
  const tails: TopicTail[] = [];
  let passed = false;
  let report: ScenarioReport | undefined;
  const failures: string[] = [];

  try {
    await opts.prepare?.(world);
    for (const kind of KINDS) await services.start(kind);
    log(`services started: ${KINDS.map((k) => `${k} pid ${services.running(k).child.pid}`).join(', ')}`);

    sampler = (async () => {
      while (sampling) {
        const n = await db.one(`SELECT count(*)::int AS n FROM ${table}`).then((r: { n: number }) => r.n, () => null);
        samples.push({ t: Date.now(), n });
        await sleep(SAMPLE_EVERY_MS);
      }
    })();

    const ctx: ScenarioContext = {
      world,
      rand: prng(seed ^ 0x5bd1e995),
      stream,
      services,
      log,
      atProgress: (share) => waitUntil(() => stream.progress >= share || stream.finished, {
        timeoutMs: 600_000, what: `the stream to reach ${Math.round(share * 100)}%`, intervalMs: 50,
      }),
      async fault(what, breakIt, heal) {
        const record: FaultRecord = { what, at: Date.now(), progress: stream.progress };
        faults.push(record);
        log(`${what} (stream at ${Math.round(record.progress * 100)}%)`);
        try {
          const detail = await breakIt();
          if (detail) record.detail = detail;
        } finally {
          await heal();
          record.healedAt = Date.now();
          log(`${what}: healed after ${((record.healedAt - record.at) / 1000).toFixed(1)} s${record.detail ? ` (${record.detail})` : ''}`);
        }
        return record;
      },
      problem(text) {
        log(`PROBLEM: ${text}`);
        problems.push(text);
      },
    };

    const streaming = stream.start();
    try {
      await inject(ctx);
    } catch (err) {
      // Reported with the table: what was lost up to here is still worth knowing.
      failures.push(`the fault itself failed: ${(err as Error).message}`);
      log(`the fault failed: ${(err as Error).message}`);
    } finally {
      await streaming;
    }
    log(`stream done: ${stream.confirmed} confirmed in ${((stream.endedAt - stream.startedAt) / 1000).toFixed(1)} s` +
      `, ${stream.unconfirmed.length} unconfirmed, ${stream.refused} refused, stalled ${(stream.stalledMs / 1000).toFixed(1)} s`);

    // Drain: every valid id has its row, every malformed id a dead letter, both queues empty.
    const drainFrom = Math.max(stream.endedAt, ...faults.map((f) => f.healedAt ?? 0));
    const malformedIds = new Set(stream.sent.filter((e) => e.sample.expectedCode !== undefined).map((e) => e.id));
    const validIds = stream.sent.filter((e) => e.sample.expectedCode === undefined).map((e) => e.id);
    const deadSeen = new Set<string>();
    tails.push(await TopicTail.start(kafka, world.env.CLEAN_TOPIC!));
    tails.push(await TopicTail.start(kafka, world.env.RAW_TOPIC!));
    tails.push(await TopicTail.start(kafka, world.env.DLQ_TOPIC!, (r) => {
      const id = r.headers['sqs.message_id'];
      if (id && malformedIds.has(id)) deadSeen.add(id);
    }));
    let state = { rows: 0, deadLetters: 0, queue: -1, redrive: -1 };
    let lastChange = { at: Date.now(), key: '' };
    let drainMs: number | undefined;
    try {
      const down = KINDS.filter((k) => !services.isUp(k));
      if (down.length > 0) throw new Error(`not attempted: ${down.join(', ')} not running`);
      await waitUntil(async () => {
        state.deadLetters = deadSeen.size;
        const total = await db.one(`SELECT count(*)::int AS n FROM ${table}`).then((r: { n: number }) => r.n);
        state.rows = total < validIds.length ? total : (await db.one(`SELECT count(*)::int AS n FROM ${table} WHERE event_id = ANY($1::text[])`, [validIds])).n;
        const [q, r] = await Promise.all([queueDepth(sqs, world.queueUrl), queueDepth(sqs, world.redriveUrl)]);
        state = { ...state, queue: q.visible + q.inFlight + q.delayed, redrive: r.visible + r.inFlight + r.delayed };
        const key = JSON.stringify(state);
        if (key !== lastChange.key) lastChange = { at: Date.now(), key };
        return state.rows === validIds.length && deadSeen.size === malformedIds.size && state.queue === 0 && state.redrive === 0;
      }, {
        timeoutMs: DRAIN_TIMEOUT_MS,
        intervalMs: 500,
        what: `the pipeline to drain (${validIds.length} rows, ${malformedIds.size} dead letters, empty queues)`,
        failIf: () => services.unexpectedExits[0]
          ?? (state.redrive > 0 ? `${state.redrive} messages went to the redrive queue` : undefined)
          // Well past any consumer-group session timeout or visibility timeout: it is stuck.
          ?? (Date.now() - lastChange.at > STUCK_AFTER_MS ? `no progress for ${STUCK_AFTER_MS / 1000} s (${lastChange.key})` : undefined),
        state: () => state,
      });
      drainMs = Date.now() - drainFrom;
      samples.push({ t: Date.now(), n: state.rows });
      log(`drained ${(drainMs / 1000).toFixed(1)} s after the stream ended and every fault was healed`);
    } catch (err) {
      failures.push(`drain: ${(err as Error).message}`);
      log(`drain failed: ${(err as Error).message}`);
    }
    sampling = false;
    await sampler;

    // Stop everything with SIGTERM: each must exit 0.
    const stops = await Promise.all(services.up().map((name) => services.terminate(name)));
    for (const s of stops) if (s.code !== 0) failures.push(`${s.kind} exited with ${s.code} after SIGTERM (took ${s.ms} ms)`);
    failures.push(...services.unexpectedExits);

    // Collect what is there now that nothing writes any more.
    const rows = await db.any<Row>(`SELECT event_id, user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date::text AS create_date FROM ${table}`)
      .catch((err: Error) => { failures.push(`reading ${table}: ${err.message}`); return [] as Row[]; });
    for (const t of tails) {
      await t.readToEnd(60_000).catch((err: Error) => failures.push(`reading ${t.topic}: ${err.message}`));
    }
    const [q, r] = await Promise.all([queueDepth(sqs, world.queueUrl), queueDepth(sqs, world.redriveUrl)]);
    const t = tally(world.hmacKey, stream.sent, stream.unconfirmed, {
      rows,
      clean: tails[0]!.records,
      raw: tails[1]!.records,
      dead: tails[2]!.records,
      queueLeft: q.visible + q.inFlight + q.delayed,
      redriveLeft: r.visible + r.inFlight + r.delayed,
    });
    report = { name, seed, tally: t, faults, drainMs, wallMs: Date.now() - wallFrom };
    printReport(report, samples, stream);

    failures.push(...problems);
    const must: [string, number][] = [
      ['valid events without a row', t.lostRows],
      ['malformed events without a dead letter', t.lostDeadLetters],
      ['dead letters beyond one per malformed event', t.extraDeadLetters],
      ['event ids repeated in the clean topic', t.cleanDuplicates],
      ['rows beyond one per event', t.rowDuplicates],
      ['valid events missing from the clean topic', t.lostClean],
      ['malformed events with a row', t.malformedWithRow],
      ['valid events dead-lettered', t.validDeadLettered],
      ['rows with wrong values', t.wrongRows],
      ['dead letters with the wrong code or bytes', t.wrongCodes],
      ['rows or records of events nobody sent', t.strays],
      ['messages left in the queue', t.queueLeft],
      ['messages in the redrive queue', t.redriveLeft],
    ];
    for (const [what, n] of must) if (n !== 0) failures.push(`${n} ${what}`);
    if (failures.length > 0) {
      throw new Error(`${name} (seed ${seed}, world ${world.id}):\n  - ${[...failures, ...t.problems.map((p) => `e.g. ${p}`)].join('\n  - ')}`);
    }
    passed = true;
    return report;
  } finally {
    sampling = false;
    await sampler;
    await stream.abort();
    await Promise.all(tails.map((t) => t.stop().catch(() => {})));
    await Promise.all(services.up().map((name) => services.terminate(name)));
    const dir = saveLogs(world.id, services.history);
    if (passed) {
      await world.cleanup();
    } else {
      log(`service logs in ${dir}; world ${world.id} (queue, topics, schema ${world.schema}) kept for inspection`);
      for (const s of services.history.slice(-3)) console.error(`--- ${s.kind} (pid ${s.child.pid}) log tail ---\n${s.lines.slice(-12).join('\n')}\n${s.stderr.join('')}`);
    }
  }
}

function saveLogs(worldId: string, history: LoginpipeProcess[]): string {
  const dir = join(tmpdir(), 'loginpipe-faults', worldId);
  mkdirSync(dir, { recursive: true });
  history.forEach((s, i) => {
    writeFileSync(join(dir, `${String(i).padStart(2, '0')}-${s.kind}-${s.child.pid}.log`), `${s.lines.join('\n')}\n${s.stderr.join('')}`);
  });
  return dir;
}

interface Recovery { wholeAt: number | undefined; resumeMs: number | undefined; catchUpMs: number | undefined }

/** The first moment at or after `t` when no fault is in progress (faults may overlap). */
function wholeAgain(t: number, faults: FaultRecord[]): number | undefined {
  for (let moved = true; moved;) {
    moved = false;
    for (const g of faults) {
      if (g.at <= t && (g.healedAt === undefined || g.healedAt > t)) {
        if (g.healedAt === undefined) return undefined;
        t = g.healedAt;
        moved = true;
      }
    }
  }
  return t;
}

/**
 * Recovery after one fault, from the row counts sampled every 250 ms and measured from the
 * moment the pipeline is whole again (this fault healed, and any fault overlapping it too):
 * "resume" lasts until the row count grows again; "catch-up" until there are as many rows as
 * valid events SQS had confirmed by then (the pipeline has absorbed the fault's backlog).
 */
function recoveryOf(f: FaultRecord, faults: FaultRecord[], samples: Sample[], stream: LoginStream): Recovery {
  const healed = f.healedAt === undefined ? undefined : wholeAgain(f.healedAt, faults);
  if (healed === undefined) return { wholeAt: undefined, resumeMs: undefined, catchUpMs: undefined };
  let atHeal = 0;
  for (const s of samples) if (s.t <= healed && s.n !== null) atHeal = s.n;
  const target = stream.validSentBy(healed);
  const after = samples.filter((s) => s.t > healed && s.n !== null);
  const resumed = after.find((s) => s.n! > atHeal);
  const caughtUp = atHeal >= target ? { t: healed } : after.find((s) => s.n! >= target);
  return { wholeAt: healed, resumeMs: resumed && resumed.t - healed, catchUpMs: caughtUp && caughtUp.t - healed };
}

/**
 * The longest time the row count stood still while valid events SQS had confirmed were still
 * missing from Postgres (samples taken while Postgres was down count as standing still).
 */
function longestStall(samples: Sample[], stream: LoginStream): number {
  let longest = 0;
  let last = 0;
  let since: number | undefined;
  for (const s of samples) {
    const n = s.n ?? last;
    if (n > last || n >= stream.validSentBy(s.t)) {
      since = undefined;
    } else {
      since ??= s.t;
      longest = Math.max(longest, s.t - since);
    }
    last = n;
  }
  return longest;
}

const secs = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);

function printReport(r: ScenarioReport, samples: Sample[], stream: LoginStream): void {
  const t = r.tally;
  const lines: string[] = [`\n== ${r.name}: seed ${r.seed} ==`];
  const recoveries = r.faults.map((f) => recoveryOf(f, r.faults, samples, stream));
  const at = (t: number) => `+${((t - stream.startedAt) / 1000).toFixed(1)}s`;
  r.faults.forEach((f, i) => {
    const rec = recoveries[i]!;
    const whole = rec.wholeAt !== undefined && rec.wholeAt !== f.healedAt ? ` (pipeline whole at ${at(rec.wholeAt)})` : '';
    lines.push(`  ${at(f.at).padStart(7)} ${f.what} at ${Math.round(f.progress * 100)}% of the stream` +
      `; healed after ${secs(f.healedAt && f.healedAt - f.at)}${whole}; rows grew again ${secs(rec.resumeMs)} later, caught up ${secs(rec.catchUpMs)} later` +
      (f.detail ? ` [${f.detail}]` : ''));
  });
  const worst = (pick: (x: Recovery) => number | undefined) => {
    const xs = recoveries.map(pick);
    return xs.some((x) => x === undefined) ? undefined : Math.max(0, ...(xs as number[]));
  };
  const cols: [string, string][] = [
    ['scenario', r.name],
    ['sent', String(t.sent)],
    ['valid', String(t.valid)],
    ['malformed', String(t.malformed)],
    ['rows', String(t.rows)],
    ['dead letters', String(t.deadRecords)],
    ['clean', String(t.cleanRecords)],
    ['duplicates', `${t.cleanDuplicates + t.rowDuplicates} (${t.cleanDuplicates} clean, ${t.rowDuplicates} rows)`],
    ['losses', `${t.lostRows + t.lostDeadLetters} (${t.lostRows} rows, ${t.lostClean} clean, ${t.lostDeadLetters} dlq; ${t.lostRaw} never in raw)`],
    ['resume (max)', secs(worst((x) => x.resumeMs))],
    ['catch-up (max)', secs(worst((x) => x.catchUpMs))],
    ['longest stall', secs(longestStall(samples, stream))],
    ['drain', secs(r.drainMs)],
    ['wall', secs(r.wallMs)],
  ];
  const widths = cols.map(([h, v]) => Math.max(h.length, v.length));
  lines.push(cols.map(([h], i) => h.padEnd(widths[i]!)).join(' | '));
  lines.push(widths.map((w) => '-'.repeat(w)).join('-|-'));
  lines.push(cols.map(([, v], i) => v.padEnd(widths[i]!)).join(' | '));
  const extra = [
    t.unconfirmed > 0 ? `${t.unconfirmed} sends unconfirmed (${t.landedUnconfirmed} of them landed anyway, not counted)` : '',
    t.rawCopies > 0 ? `${t.rawCopies} raw records repeat an event id (redelivered by SQS, published again by the connector) for the processor to drop` : '',
    t.extraDeadLetters > 0 ? `${t.extraDeadLetters} extra dead letters for malformed events` : '',
    t.lostClean > 0 ? `missing from the clean topic, by raw partition and offsets: ${t.cleanMissingAt}` : '',
    t.queueLeft + t.redriveLeft > 0 ? `queue ${t.queueLeft}, redrive queue ${t.redriveLeft}` : '',
  ].filter(Boolean);
  if (extra.length > 0) lines.push(`  (${extra.join('; ')})`);
  console.log(lines.join('\n'));
}
