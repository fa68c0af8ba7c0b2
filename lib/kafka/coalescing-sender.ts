// Serialises sends through one producer and merges whatever queued up meanwhile into the next
// send. kafkajs's idempotent producer is not safe with concurrent send() calls (sequence numbers
// can collide and batches be dropped while every promise resolves: kafkajs #1005), and merging
// also turns many 10-message SQS batches into fewer, larger produce requests.

interface Pending<T> {
  items: T[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class CoalescingSender<T> {
  private queue: Pending<T>[] = [];
  private running = false;

  /** `send` gets every item queued since the last call and must write them all or throw. */
  constructor(private readonly send: (items: T[]) => Promise<void>) {}

  /** Resolves once a send containing all of `items` succeeded; rejects if that send failed. */
  submit(items: T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  get queued(): number {
    return this.queue.reduce((n, p) => n + p.items.length, 0);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.send(batch.flatMap((p) => p.items));
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
