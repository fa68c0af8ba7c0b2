// Gathers items from many callers into batches written by one flush function: a batch goes
// when it holds `maxSize` items, or `maxWaitMs` after its first item arrived, whichever comes
// first. Each caller learns when all of its own items were flushed, so it can commit offsets
// for exactly those. Flushes start in arrival order, at most `maxInFlight` at a time (default
// one): a caller waits for its own items only, so a caller that commits offsets after each batch
// still commits its own in order, whatever flush of another caller is still running.

interface Waiter {
  remaining: number;
  resolve: () => void;
  reject: (err: unknown) => void;
  failed: boolean;
}

interface Entry<T> { item: T; waiter: Waiter }

export class Batcher<T> {
  private pending: Entry<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly queued: Entry<T>[][] = [];
  private running = 0;
  private idle: (() => void)[] = [];
  private readonly maxInFlight: number;

  constructor(private readonly opts: { maxSize: number; maxWaitMs: number; maxInFlight?: number; flush: (items: T[]) => Promise<void> }) {
    if (!(opts.maxSize >= 1)) throw new RangeError('maxSize must be at least 1');
    this.maxInFlight = opts.maxInFlight ?? 1;
    if (!(this.maxInFlight >= 1)) throw new RangeError('maxInFlight must be at least 1');
  }

  add(items: T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: items.length, resolve, reject, failed: false };
      for (const item of items) this.pending.push({ item, waiter });
      while (this.pending.length >= this.opts.maxSize) this.cut(this.opts.maxSize);
      if (this.pending.length > 0 && this.timer === undefined) {
        this.timer = setTimeout(() => this.cut(this.pending.length), this.opts.maxWaitMs);
      }
    });
  }

  /** Items waiting for a flush that has not started yet. */
  get size(): number {
    return this.pending.length;
  }

  /** Flushes whatever is pending now and waits for every flush to finish. */
  async drain(): Promise<void> {
    if (this.pending.length > 0) this.cut(this.pending.length);
    if (this.running === 0 && this.queued.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private cut(n: number): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (n === 0) return;
    this.queued.push(this.pending.splice(0, n));
    this.startQueued();
    if (this.pending.length > 0) this.timer = setTimeout(() => this.cut(this.pending.length), this.opts.maxWaitMs);
  }

  private startQueued(): void {
    while (this.running < this.maxInFlight && this.queued.length > 0) {
      const batch = this.queued.shift()!;
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.startQueued();
        if (this.running === 0 && this.queued.length === 0) for (const done of this.idle.splice(0)) done();
      });
    }
  }

  private async run(batch: Entry<T>[]): Promise<void> {
    try {
      await this.opts.flush(batch.map((e) => e.item));
    } catch (err) {
      for (const { waiter } of batch) {
        if (!waiter.failed) {
          waiter.failed = true;
          waiter.reject(err);
        }
      }
      return;
    }
    for (const { waiter } of batch) {
      waiter.remaining--;
      if (waiter.remaining === 0 && !waiter.failed) waiter.resolve();
    }
  }
}
