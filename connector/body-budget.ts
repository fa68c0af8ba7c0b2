// Bounds the bytes of SQS bodies the connector holds at once, so that its memory follows a setting
// and not the size of what waits in the queue: four pollers receiving ten bodies of 1 MiB each
// held 40 MiB of bodies, and two or three copies of each while parsed and published (205-210 MiB
// of RSS in the bench). A receive call asks for room first; what it brings is held until its batch
// is published and deleted (or fails). Bodies are sized only once they arrive, so a call in flight
// is counted at the size recent batches had, a figure that follows the largest and decays.
// Nothing held means room for one call, however large its batch: the connector never stops.

const DECAY = 0.8;

export class BodyBudget {
  private held = 0;
  private receiving = 0;
  private estimate: number;
  private readonly waiting = new Set<() => void>();

  /** `budgetBytes`: the most held at once, give or take one batch; the first calls are counted at half of it until batches are seen. */
  constructor(readonly budgetBytes: number) {
    this.estimate = budgetBytes / 2;
  }

  /** Bytes held by received batches, and counted for calls under way. */
  get committed(): number {
    return this.held + this.receiving * this.estimate;
  }

  private hasRoom(): boolean {
    const committed = this.committed;
    return committed === 0 || committed + this.estimate <= this.budgetBytes;
  }

  /** Waits until one more receive call fits, then counts it; resolves at once when `signal` is aborted. */
  async beforeReceive(signal?: AbortSignal): Promise<void> {
    while (!this.hasRoom() && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const wake = () => { this.waiting.delete(wake); signal?.removeEventListener('abort', wake); resolve(); };
        this.waiting.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
    this.receiving++;
  }

  /** The call counted by beforeReceive returned `bytes` of bodies (0 when it failed or brought none), now held. */
  received(bytes: number): void {
    this.receiving = Math.max(0, this.receiving - 1);
    this.held += bytes;
    this.estimate = Math.max(bytes, this.estimate * DECAY);
    this.wake();
  }

  /** A batch's bodies are let go: published and deleted, or failed. */
  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiting]) w();
  }
}

/** Bytes of the bodies of `messages`, as SQS sent them (UTF-8). */
export function bodyBytes(messages: readonly { Body?: string }[] | undefined): number {
  let n = 0;
  for (const m of messages ?? []) n += Buffer.byteLength(m.Body ?? '', 'utf8');
  return n;
}
