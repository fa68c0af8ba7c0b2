// The one retry helper: exponential back-off with full jitter, so that many instances retrying
// after the same outage do not hit the recovering service in lock-step.

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
  /** Give up after this many attempts; Infinity retries until `signal` aborts. */
  attempts: number;
}

export function backoffMs(policy: Pick<RetryPolicy, 'initialMs' | 'maxMs'>, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * random());
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  opts: { signal?: AbortSignal; shouldRetry?: (err: unknown) => boolean; onRetry?: (err: unknown, attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const last = attempt + 1 >= policy.attempts || opts.signal?.aborted === true;
      if (last || (opts.shouldRetry && !opts.shouldRetry(err))) throw err;
      const delay = backoffMs(policy, attempt);
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, opts.signal);
      if (opts.signal?.aborted) throw err;
    }
  }
}
