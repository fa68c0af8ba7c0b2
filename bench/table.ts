// The benchmark's one table: for each step the rounds' min / median / max of loginpipe and of its
// ceiling, and the median of the per-round ratios (each ratio taken within one round, so drift
// of a shared machine between rounds cancels out).

export interface Row {
  step: string;
  unit: string;
  loginpipe: number[];
  ceiling: number[];
  ceilingName: string;
  /** Further figures per round (CPU per message, records per transaction, peak RSS...). */
  notes: Record<string, number[]>;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const fmt = (n: number) => (Number.isFinite(n) ? (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3)) : '–');
const spread = (xs: number[]) => (xs.length === 0 ? '' : `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))}`);

export function renderTable(rows: Row[]): string {
  const out = [
    '| Step | loginpipe min / median / max | Ceiling, same round | Ceiling min / median / max | Ratio (median of rounds; min–max) | Other (median) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const ratios = r.ceiling.length === r.loginpipe.length ? r.loginpipe.map((v, i) => v / r.ceiling[i]!) : [];
    const ratio = ratios.length ? `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})` : '';
    const notes = Object.entries(r.notes).filter(([, v]) => v.length > 0).map(([k, v]) => `${k} ${fmt(median(v))}`).join('; ');
    out.push(`| ${r.step} | ${spread(r.loginpipe)} ${r.unit} | ${r.ceilingName} | ${r.ceiling.length ? `${spread(r.ceiling)} ${r.unit}` : ''} | ${ratio} | ${notes} |`);
  }
  return out.join('\n');
}
