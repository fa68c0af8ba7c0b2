// A steady stream of sample logins into SQS, in the background, at a fixed pace. Only messages
// SQS confirmed (a message id in the answer) count as sent. A batch whose call failed is never
// counted: its bodies are kept as "unconfirmed", since a call that failed on the way back may
// still have landed, and the checks must be able to tell such an event from a stray one. While
// SQS does not answer the stream waits and tries again with the next bodies; it does not fail.
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSampleLogins, type SampleLogin } from '../../cli/sample-logins.js';

export interface SentEvent {
  id: string;
  sample: SampleLogin;
  /** When SQS confirmed it (ms since the epoch). */
  at: number;
}

export interface StreamOptions {
  queueUrl: string;
  total: number;
  perSecond: number;
  malformedShare: number;
  seed: number;
  log: (line: string) => void;
}

const BATCH = 10;
const CONCURRENCY = 8;
const RETRY_PAUSE_MS = 500;

export class LoginStream {
  readonly sent: SentEvent[] = [];
  /** Bodies of calls that failed without an answer: in the queue or not, nobody knows. */
  readonly unconfirmed: SampleLogin[] = [];
  /** Entries SQS answered as failed: certainly not in the queue. */
  refused = 0;
  failedCalls = 0;
  startedAt = 0;
  endedAt = 0;
  /** Total time the stream spent waiting for SQS to answer again. */
  stalledMs = 0;

  private readonly sqs: SQSClient;
  private readonly gen: ReturnType<typeof createSampleLogins>;
  private inFlight = 0;
  private nextAt = 0;
  private stalledSince: number | undefined;
  private done: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly opts: StreamOptions) {
    this.gen = createSampleLogins(opts.seed);
    // One attempt per call: an SDK retry of a call that did land would put a second copy of the
    // body in the queue under an id we never learn.
    this.sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9324',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    });
  }

  get confirmed(): number {
    return this.sent.length;
  }

  /** Share of the stream confirmed so far, 0..1. */
  get progress(): number {
    return this.sent.length / this.opts.total;
  }

  get finished(): boolean {
    return this.endedAt !== 0;
  }

  start(): Promise<void> {
    this.startedAt = Date.now();
    this.nextAt = this.startedAt;
    this.done ??= Promise.all(Array.from({ length: CONCURRENCY }, () => this.worker())).then(() => {
      this.endedAt = Date.now();
      this.sqs.destroy();
    });
    return this.done;
  }

  /** Ends the stream early (used when a scenario fails half-way). */
  async abort(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  /** Valid events SQS had confirmed by time t. */
  validSentBy(t: number): number {
    let n = 0;
    for (const e of this.sent) if (e.at <= t && e.sample.expectedCode === undefined) n++;
    return n;
  }

  private async worker(): Promise<void> {
    while (!this.stopping) {
      const size = Math.min(BATCH, this.opts.total - this.sent.length - this.inFlight);
      if (size <= 0) {
        if (this.inFlight === 0) return;
        // Others are sending the last entries; one of them may fail and leave some to us.
        await sleep(20);
        continue;
      }
      // Reserved before waiting for its slot, so that workers never send more than `total`.
      this.inFlight += size;
      try {
        const at = Math.max(this.nextAt, Date.now());
        this.nextAt = at + (size * 1000) / this.opts.perSecond;
        if (at > Date.now()) await sleep(at - Date.now());
        await this.send(this.gen.batch(size, this.opts.malformedShare));
      } finally {
        this.inFlight -= size;
      }
    }
  }

  private async send(samples: SampleLogin[]): Promise<void> {
    let res;
    try {
      res = await this.sqs.send(new SendMessageBatchCommand({
        QueueUrl: this.opts.queueUrl,
        Entries: samples.map((s, i) => ({ Id: String(i), MessageBody: s.body })),
      }));
    } catch (err) {
      this.failedCalls++;
      this.unconfirmed.push(...samples);
      if (this.stalledSince === undefined) {
        this.stalledSince = Date.now();
        this.opts.log(`stream: SQS did not take a batch (${(err as Error).name}: ${(err as Error).message}); waiting for it, ${this.sent.length} sent so far`);
      }
      this.nextAt = Math.max(this.nextAt, Date.now() + RETRY_PAUSE_MS);
      return;
    }
    const now = Date.now();
    if (this.stalledSince !== undefined) {
      this.stalledMs += now - this.stalledSince;
      this.opts.log(`stream: SQS answers again after ${now - this.stalledSince} ms`);
      this.stalledSince = undefined;
    }
    this.refused += res.Failed?.length ?? 0;
    for (const ok of res.Successful ?? []) {
      const sample = samples[Number(ok.Id)];
      if (sample && ok.MessageId) this.sent.push({ id: ok.MessageId, sample, at: now });
    }
  }
}
