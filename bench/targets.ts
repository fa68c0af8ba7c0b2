// The table of issue 14's targets: each ratio, taken within one round and then the median over
// rounds, with the figures it is made of (rate and CPU per event, user + system from /proc, of
// the very process measured). On a shared machine a wall-clock rate drifts with the neighbours'
// load; the CPU per event beside it is the steadier figure.
import { median } from './table.js';

/** One measured subject per round: its rate, CPU per unit (µs), peak RSS (MiB). */
export interface Figure { rate: number; cpuMicros?: number; rssMiB?: number }
/** By name, one entry per round (index 0 is round 1; a failed step leaves a hole). */
export type Figures = Map<string, (Figure | undefined)[]>;

export interface Target {
  ratio: string;
  target: string;
  /** Per round: the figure's value, or undefined when a part is missing. */
  value: (round: number, f: (name: string) => Figure | undefined) => number | undefined;
  /** The figures it is made of, shown beside it. */
  parts: string[];
  unit?: string;
}

const fmt = (n: number | undefined, digits = 3) => (n === undefined || !Number.isFinite(n) ? '–' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(digits));

function describe(name: string, figures: (Figure | undefined)[]): string {
  const present = figures.filter((x): x is Figure => x !== undefined);
  const rate = median(present.map((x) => x.rate));
  const cpu = median(present.map((x) => x.cpuMicros).filter((x): x is number => x !== undefined));
  return `${name}: ${fmt(rate)}/s, ${fmt(cpu)} µs CPU`;
}

export function renderTargets(targets: Target[], figures: Figures, rounds: number): string {
  const out = ['| Ratio | Target | Measured: median of rounds (min–max) | Made of (medians: rate, CPU per event) |', '|---|---|---|---|'];
  for (const t of targets) {
    const values: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const v = t.value(r, (name) => figures.get(name)?.[r]);
      if (v !== undefined && Number.isFinite(v)) values.push(v);
    }
    const measured = values.length === 0 ? '–' : `${fmt(median(values), 2)}${t.unit ?? ''} (${fmt(Math.min(...values), 2)}–${fmt(Math.max(...values), 2)})`;
    const parts = t.parts.filter((p) => figures.has(p)).map((p) => describe(p, figures.get(p)!)).join('; ');
    out.push(`| ${t.ratio} | ${t.target} | ${measured} | ${parts} |`);
  }
  return out.join('\n');
}
