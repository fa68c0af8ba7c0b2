// Polling until a service answers. Every probe has its own short timeout so that one hung
// connection cannot eat the whole wait.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when a TCP connection to host:port opens within timeoutMs. */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when an HTTP request answers with a 2xx status within timeoutMs. */
export async function httpOk(url: string, init: RequestInit = {}, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer(); // drain, so the keep-alive socket is reusable and nothing dangles
    return res.ok;
  } catch {
    return false;
  }
}

/** A probe that throws counts as "not yet". */
export async function probe(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

export type WaitOutcome = 'answered' | 'timeout' | 'gave-up';

/**
 * Polls `check` until it is true or `timeoutMs` passes. `giveUp` is asked between polls (e.g.
 * "has the process died?") so that a service that crashed at start fails at once, not after
 * the whole timeout.
 */
export async function waitFor(
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; giveUp?: () => Promise<boolean> },
): Promise<WaitOutcome> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 250;
  for (;;) {
    if (await probe(check)) return 'answered';
    if (opts.giveUp && (await opts.giveUp())) return (await probe(check)) ? 'answered' : 'gave-up';
    if (Date.now() >= deadline) return 'timeout';
    await sleep(interval);
  }
}
