// Gathers items from many callers into batches written by one flush function: a batch goes
// when it holds `maxSize` items, or `maxWaitMs` after its first item arrived, whichever comes
// first. Each caller learns when all of its own items were flushed, so it can commit offsets
// for exactly those. Flushes run one at a time, in arrival order.

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
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: { maxSize: number; maxWaitMs: number; flush: (items: T[]) => Promise<void> }) {
    if (!(opts.maxSize >= 1)) throw new RangeError('maxSize must be at least 1');
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
    await this.chain;
  }

  private cut(n: number): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (n === 0) return;
    const batch = this.pending.splice(0, n);
    this.chain = this.chain.then(() => this.run(batch));
    if (this.pending.length > 0) this.timer = setTimeout(() => this.cut(this.pending.length), this.opts.maxWaitMs);
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
