// Where a process's time went, from a `node --cpu-prof` profile: self time grouped by package
// (node_modules/<name>), loginpipe folder, or Node's own internals, and the top functions.
//   node dist/bench/profile-summary.js <file.cpuprofile> [top=15]
import { readFileSync } from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

export function placeOf(url: string): string {
  if (url === '') return '(native / idle / gc)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/dist\/([^/]+)\//.exec(url);
  return own ? `loginpipe ${own[1]}/` : url;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary <file.cpuprofile> [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const group = (key: (n: ProfileNode) => string) => {
  const sums = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const k = key(byId.get(id)!);
    sums.set(k, (sums.get(k) ?? 0) + us);
  }
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 15));
};
const show = (title: string, rows: [string, number][]) => {
  console.log(title);
  for (const [k, us] of rows) console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
};
const idle = (n: ProfileNode) => n.callFrame.functionName === '(idle)';
const busy = [...selfUs].filter(([id]) => !idle(byId.get(id)!)).reduce((a, [, us]) => a + us, 0);
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s not idle`);
show('self time by place', group((n) => (idle(n) ? '(idle)' : n.callFrame.functionName === '(garbage collector)' ? '(gc)' : placeOf(n.callFrame.url))));
show('self time by function', group((n) => `${n.callFrame.functionName || '(anonymous)'} ${placeOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`));
