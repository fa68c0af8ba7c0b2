// What every long-running part of loginpipe looks like from the outside, and how a process
// runs some of them until a signal says stop.
import type { Logger } from '../observability/log.js';
import { errorMessage } from './errors.js';

export interface Service {
  readonly name: string;
  /** Stop taking input, finish and commit what is in flight, disconnect. Safe to call twice. */
  stop(): Promise<void>;
  /** Settles when the service ends by itself: rejects on a fatal error. */
  readonly done: Promise<void>;
  /** Connected to everything it needs (for /readyz). */
  ready(): boolean;
}

/** SIGTERM or SIGINT, listened for from the moment this is called (so also while services start). */
export interface StopSignal {
  readonly requested: Promise<NodeJS.Signals>;
  /** The signal, once one came. */
  readonly signal: NodeJS.Signals | undefined;
}

export function listenForStop(): StopSignal {
  let signal: NodeJS.Signals | undefined;
  const requested = new Promise<NodeJS.Signals>((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      signal = sig;
      resolve(sig);
    };
    process.once('SIGTERM', on);
    process.once('SIGINT', on);
  });
  return { requested, get signal() { return signal; } };
}

/**
 * Runs services until SIGTERM/SIGINT, then stops them within `shutdownTimeoutMs`.
 * Resolves with the process exit code: 0 after a clean stop, 1 when a service failed or the
 * stop overran its time.
 */
export async function runUntilSignal(services: Service[], opts: { shutdownTimeoutMs: number; log: Logger; stop?: StopSignal }): Promise<number> {
  const { log } = opts;
  const stop = opts.stop ?? listenForStop();
  const stopRequested = stop.requested;
  const failed = Promise.race(services.map((s) => s.done.then(
    () => ({ service: s.name, error: undefined as unknown }),
    (error: unknown) => ({ service: s.name, error }),
  )));

  const first = await Promise.race([stopRequested.then(() => undefined), failed]);
  let code = 0;
  if (first) {
    if (first.error !== undefined) {
      log.fatal({ service: first.service, err: errorMessage(first.error) }, 'service failed; stopping the others');
      code = 1;
    } else {
      log.info({ service: first.service }, 'service ended by itself; stopping the others');
    }
  } else {
    log.info({ signal: stop.signal }, 'stop requested: finishing in-flight work');
  }

  const stopped = Promise.allSettled(services.map((s) => s.stop()));
  let timer: NodeJS.Timeout | undefined;
  const overran = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), opts.shutdownTimeoutMs); });
  const outcome = await Promise.race([stopped, overran]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    log.error({ shutdownTimeoutMs: opts.shutdownTimeoutMs }, 'stop took longer than SHUTDOWN_TIMEOUT_MS; exiting with work uncommitted (it will be redelivered)');
    return 1;
  }
  for (const [i, r] of outcome.entries()) {
    if (r.status === 'rejected') {
      log.error({ service: services[i]?.name, err: errorMessage(r.reason) }, 'service did not stop cleanly');
      code = 1;
    }
  }
  log.info({ code }, 'stopped');
  return code;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  // A service that ends by itself with nobody awaiting `done` yet must not crash the process.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
