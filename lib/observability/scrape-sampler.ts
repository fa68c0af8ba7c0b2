// Values that live elsewhere (consumer offsets in Kafka, queue attributes in SQS) are read when
// Prometheus scrapes, but at most every `minIntervalMs`, so frequent or parallel scrapes do not
// turn into a stream of admin calls. A scrape waits for a fresh reading at most `waitMs`, then
// shows the last one: a slow or failing dependency never hangs /metrics.

export interface ScrapeSamplerOptions {
  minIntervalMs: number;
  waitMs: number;
  /** Called with whatever a reading threw; the previous values stay. */
  onError(err: unknown): void;
  now?: () => number;
}

export class ScrapeSampler {
  private lastStart = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly read: () => Promise<void>, private readonly opts: ScrapeSamplerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Starts a reading if the last one is old enough, and waits for the one under way, briefly. */
  async refresh(): Promise<void> {
    const now = this.now();
    if (this.running === undefined && now - this.lastStart >= this.opts.minIntervalMs) {
      this.lastStart = now;
      this.running = this.read()
        .catch((err: unknown) => this.opts.onError(err))
        .finally(() => { this.running = undefined; });
    }
    if (this.running === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.opts.waitMs); });
    await Promise.race([this.running, gaveUp]);
    clearTimeout(timer);
  }
}
