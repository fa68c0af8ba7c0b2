// Tracks whether a dependency is failing, so that a service logs an outage once when it starts
// and once when it ends (not on every attempt), and waits a growing, jittered time in between.
import type { Logger } from './log.js';
import { backoffMs, sleep } from './retry.js';
import { errorMessage } from './errors.js';

export class Outage {
  private failures = 0;
  private since = 0;

  constructor(
    private readonly what: string,
    private readonly log: Logger,
    private readonly policy = { initialMs: 250, maxMs: 15_000 },
  ) {}

  get active(): boolean {
    return this.failures > 0;
  }

  failed(err: unknown): void {
    if (this.failures === 0) {
      this.since = Date.now();
      this.log.warn({ dependency: this.what, err: errorMessage(err) }, `${this.what} unreachable; backing off and retrying`);
    }
    this.failures++;
  }

  recovered(): void {
    if (this.failures === 0) return;
    this.log.info({ dependency: this.what, attempts: this.failures, downMs: Date.now() - this.since }, `${this.what} reachable again`);
    this.failures = 0;
  }

  /** Waits the back-off due for the current failure count (nothing when healthy). */
  async pause(signal?: AbortSignal): Promise<void> {
    if (this.failures === 0) return;
    await sleep(backoffMs(this.policy, this.failures - 1), signal);
  }
}
