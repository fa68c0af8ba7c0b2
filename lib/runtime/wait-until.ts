// The one way loginpipe waits for a condition (a service answering, rows landing, a topic read
// to its end): poll it, stop early when something says waiting is pointless, and fail with what
// was awaited and the last state seen. Tests, the local stack and the demo all use it.
import { sleep } from './retry.js';

export class WaitFailed extends Error {
  constructor(message: string, readonly reason: 'timeout' | 'gave-up') {
    super(message);
    this.name = 'WaitFailed';
  }
}

export interface WaitOptions {
  timeoutMs: number;
  /** What is awaited, for the error: "the sink to start", "20000 rows". */
  what: string;
  intervalMs?: number;
  /** Asked between polls: a text (why it will never happen, e.g. "the process exited") ends the wait. */
  failIf?: () => string | undefined | Promise<string | undefined>;
  /** Shown with a timeout, to say how far things got. */
  state?: () => unknown;
}

/** Polls `cond` until it is true; throws WaitFailed after `timeoutMs` or when `failIf` speaks. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await cond()) return;
    const failure = await opts.failIf?.();
    if (failure !== undefined) {
      // It may have come true while we asked.
      if (await cond()) return;
      throw new WaitFailed(`while waiting for ${opts.what}: ${failure}`, 'gave-up');
    }
    if (Date.now() >= deadline) {
      const state = opts.state ? ` (last state: ${JSON.stringify(await opts.state())})` : '';
      throw new WaitFailed(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${state}`, 'timeout');
    }
    await sleep(opts.intervalMs ?? 200);
  }
}
