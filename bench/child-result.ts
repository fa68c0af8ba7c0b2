// What a ceiling process measures of itself, by the same rule as bench/progress.ts applies to
// loginpipe from outside: the clock starts at the first unit of output done, and the CPU is the
// process's own over the same window.

export interface ChildResult {
  rate: number;
  seconds: number;
  cpuPerUnitMicros: number;
  transactions?: number;
}

export function counterClock() {
  let done = 0;
  let start: { at: number; done: number; cpu: NodeJS.CpuUsage } | undefined;
  return {
    /** Counts units just finished; returns the total so far. */
    add(n: number): number {
      done += n;
      start ??= { at: performance.now(), done, cpu: process.cpuUsage() };
      return done;
    },
    result(): ChildResult {
      if (!start || done <= start.done) throw new Error('finished within the first unit of output: raise BENCH_EVENTS');
      const seconds = (performance.now() - start.at) / 1000;
      const cpu = process.cpuUsage(start.cpu);
      const units = done - start.done;
      return { rate: units / seconds, seconds, cpuPerUnitMicros: (cpu.user + cpu.system) / units };
    },
  };
}

export const RESULT_PREFIX = 'RESULT ';

export function reportResult(r: ChildResult): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(r)}\n`);
}
