// Measures a stage's steady rate from the outside: polls how much output exists, starts the
// clock at the first output seen (so process start-up and the consumer group's join delay are
// left out) and stops it when the target is reached. The CPU of the processes named is read at
// the same two moments.
import { cpuMicros, peakRssMiB } from './proc-usage.js';
import { sleep } from '../lib/runtime/retry.js';

export interface Measured {
  /** Units per second between the first output seen and the target. */
  rate: number;
  seconds: number;
  /** CPU of the watched processes per unit over the same window, in microseconds. */
  cpuPerUnitMicros?: number;
  /** Largest peak RSS among the watched processes, MiB. */
  peakRssMiB?: number;
}

export interface WatchOptions {
  target: number;
  progress: () => Promise<number>;
  pids?: number[];
  timeoutMs: number;
  intervalMs?: number;
  what: string;
  /** A reason to give up early (a process exited). */
  failIf?: () => string | undefined;
}

const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + (cpuMicros(pid) ?? 0), 0);

export async function watchProgress(o: WatchOptions): Promise<Measured> {
  const pids = o.pids ?? [];
  const deadline = Date.now() + o.timeoutMs;
  let start: { at: number; done: number; cpu: number } | undefined;
  for (;;) {
    const failure = o.failIf?.();
    if (failure) throw new Error(`while measuring ${o.what}: ${failure}`);
    const done = await o.progress();
    const at = performance.now();
    if (start === undefined && done > 0) start = { at, done, cpu: cpuOf(pids) };
    if (done >= o.target && start !== undefined) {
      const cpu = cpuOf(pids);
      const seconds = (at - start.at) / 1000;
      const units = o.target - start.done;
      if (units <= 0 || seconds <= 0) throw new Error(`${o.what} finished within one poll: raise BENCH_EVENTS to measure it`);
      const rss = pids.map((p) => peakRssMiB(p) ?? 0);
      return {
        rate: units / seconds,
        seconds,
        cpuPerUnitMicros: pids.length > 0 ? (cpu - start.cpu) / units : undefined,
        peakRssMiB: pids.length > 0 ? Math.max(...rss) : undefined,
      };
    }
    if (Date.now() > deadline) throw new Error(`timed out measuring ${o.what}: ${done} of ${o.target}`);
    await sleep(o.intervalMs ?? 25);
  }
}
