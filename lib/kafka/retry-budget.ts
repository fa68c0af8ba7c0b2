// How long a kafkajs retrier keeps at one operation before it gives up, worked out from its
// settings the way kafkajs's retry/index.js schedules attempts: the first wait is the initial
// retry time give or take `factor`, each next one the last give or take `factor` times
// `multiplier`, capped at maxRetryTime. The longest case takes every random draw at its top.

export interface RetrySettings {
  initialRetryTime: number;
  retries: number;
  maxRetryTime: number;
  /** kafkajs's defaults: 0.2 and 2. */
  factor?: number;
  multiplier?: number;
}

/** The longest sum of the waits between attempts. */
export function longestBackoffMs(r: RetrySettings): number {
  const factor = r.factor ?? 0.2;
  const multiplier = r.multiplier ?? 2;
  let wait = Math.ceil(r.initialRetryTime * (1 + factor));
  let total = 0;
  for (let i = 0; i < r.retries; i++) {
    total += wait;
    wait = Math.min(Math.ceil(wait * (1 + factor)) * multiplier, r.maxRetryTime);
  }
  return total;
}

/** The longest one operation is retried: every attempt taking `attemptMs`, every wait its longest. */
export function retryBudgetMs(r: RetrySettings, attemptMs: number): number {
  return (r.retries + 1) * attemptMs + longestBackoffMs(r);
}
