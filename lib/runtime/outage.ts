// Tracks whether a dependency is failing, so that a service logs an outage once when it starts
// and once when it ends (not on every attempt), and waits a growing, jittered time in between.
// Every service rides out every transient failure (Kafka, SQS, Postgres, the registry) this way.
import type { Logger } from '../observability/log.js';
import { backoffMs, sleep, type RetryPolicy } from './retry.js';
import { errorMessage } from './errors.js';
import { processMetrics } from '../observability/metrics.js';
import type { Dependency } from '../observability/dependency.js';

export type { Dependency };

const SHOWN: Record<Dependency, string> = { kafka: 'Kafka', sqs: 'SQS', postgres: 'Postgres', registry: 'the schema registry' };

/** Told when an outage begins and ends (for metrics); the log lines are the Outage's own. */
export type OutageListener = (dependency: Dependency, down: boolean) => void;

/** The default listener: loginpipe_outage{dependency} of this process. */
export const reportOutageMetric: OutageListener = (dependency, down) => {
  const outages = processMetrics().outages;
  if (down) outages.began(dependency);
  else outages.ended(dependency);
};

export const OUTAGE_BACKOFF: Pick<RetryPolicy, 'initialMs' | 'maxMs'> = { initialMs: 250, maxMs: 15_000 };

export class Outage {
  private failures = 0;
  private since = 0;

  constructor(
    readonly dependency: Dependency,
    private readonly log: Logger,
    private readonly opts: { policy?: Pick<RetryPolicy, 'initialMs' | 'maxMs'>; onChange?: OutageListener } = {},
  ) {}

  private get onChange(): OutageListener {
    return this.opts.onChange ?? reportOutageMetric;
  }

  get active(): boolean {
    return this.failures > 0;
  }

  failed(err: unknown): void {
    if (this.failures === 0) {
      this.since = Date.now();
      this.log.warn({ dependency: this.dependency, err: errorMessage(err) }, `${SHOWN[this.dependency]} unreachable; backing off and retrying`);
      this.onChange(this.dependency, true);
    }
    this.failures++;
  }

  recovered(): void {
    if (this.failures === 0) return;
    this.log.info({ dependency: this.dependency, attempts: this.failures, downMs: Date.now() - this.since }, `${SHOWN[this.dependency]} reachable again`);
    this.failures = 0;
    this.onChange(this.dependency, false);
  }

  /** Waits the back-off due for the current failure count (nothing when healthy). */
  async pause(signal?: AbortSignal): Promise<void> {
    if (this.failures === 0) return;
    await sleep(backoffMs(this.opts.policy ?? OUTAGE_BACKOFF, this.failures - 1), signal);
  }

  /**
   * Runs `fn` until it succeeds. A transient failure counts towards this outage and is retried
   * after the back-off; any other error, or any error once `signal` aborted, is thrown.
   * `onFirstFailure` runs once, on the first transient failure of this call (to pause input);
   * `onEnd` runs on every way out of a call that had one.
   */
  async ride<T>(fn: () => Promise<T>, opts: {
    isTransient(err: unknown): boolean;
    signal?: AbortSignal;
    onFirstFailure?(): void;
    onEnd?(): void;
  }): Promise<T> {
    let failedOnce = false;
    try {
      for (;;) {
        try {
          const result = await fn();
          this.recovered();
          return result;
        } catch (err) {
          if (!opts.isTransient(err) || opts.signal?.aborted) throw err;
          if (!failedOnce) {
            failedOnce = true;
            opts.onFirstFailure?.();
          }
          this.failed(err);
          await this.pause(opts.signal);
          if (opts.signal?.aborted) throw err;
        }
      }
    } finally {
      if (failedOnce) opts.onEnd?.();
    }
  }
}
