// The `loginpipe status` screen, from a snapshot of everything it gathered. Pure: each part of
// the snapshot is a value or the reason it could not be read, and the screen shows both.
import type { GroupLag } from './lag.js';

export type Part<T> = { ok: true; value: T } | { ok: false; error: string };

export interface QueueDepth { url: string; visible: number; inFlight: number; delayed: number }
export interface ServiceReadiness { name: string; address: string | null; state: 'ready' | 'not ready' | 'starting' | 'not answering' | 'not checked' }

export interface StatusSnapshot {
  at: string;
  queue: Part<QueueDepth>;
  /** Null: the queue has no redrive policy. */
  redrive: Part<QueueDepth | null>;
  lag: { name: string; part: Part<GroupLag> }[];
  rows: Part<{ table: string; count: number | null }>;
  deadLetters: Part<{ topic: string; since: string; total: number; byCode: { code: string; count: number }[] }>;
  services: ServiceReadiness[];
}

const n = (x: number | string) => BigInt(x).toLocaleString('en-US');
const unavailable = (error: string) => `unavailable: ${error}`;

function depth(d: QueueDepth): string {
  return `visible ${n(d.visible)}  in flight ${n(d.inFlight)}  delayed ${n(d.delayed)}`;
}

function queueName(url: string): string {
  return url.split('/').pop() ?? url;
}

export function formatStatus(s: StatusSnapshot): string {
  const lines = [`loginpipe status at ${s.at}`, ''];
  lines.push('Queue');
  lines.push(s.queue.ok ? `  ${queueName(s.queue.value.url)}  ${depth(s.queue.value)}` : `  main: ${unavailable(s.queue.error)}`);
  if (!s.redrive.ok) lines.push(`  redrive: ${unavailable(s.redrive.error)}`);
  else if (s.redrive.value === null) lines.push('  redrive: none (the queue has no redrive policy)');
  else lines.push(`  redrive ${queueName(s.redrive.value.url)}  ${depth(s.redrive.value)}`);

  lines.push('', 'Consumer lag');
  for (const { name, part } of s.lag) {
    if (!part.ok) { lines.push(`  ${name}: ${unavailable(part.error)}`); continue; }
    const g = part.value;
    lines.push(`  ${name} (group ${g.group} on ${g.topic}): ${n(g.total)}`);
    const cells = g.partitions.map((p) => `p${p.partition} ${n(p.lag)}${p.committed === null ? ' (no commit)' : ''}`);
    for (let i = 0; i < cells.length; i += 6) lines.push(`    ${cells.slice(i, i + 6).join('   ')}`);
  }

  lines.push('', 'Rows');
  if (!s.rows.ok) lines.push(`  ${unavailable(s.rows.error)}`);
  else lines.push(`  ${s.rows.value.table}: ${s.rows.value.count === null ? 'no table yet (run loginpipe migrate)' : n(s.rows.value.count)}`);

  lines.push('', 'Dead letters, last hour');
  if (!s.deadLetters.ok) lines.push(`  ${unavailable(s.deadLetters.error)}`);
  else {
    const d = s.deadLetters.value;
    lines.push(`  ${d.topic}: ${n(d.total)} since ${d.since}`);
    const width = Math.max(4, ...d.byCode.map((c) => c.code.length));
    for (const c of d.byCode) lines.push(`    ${c.code.padEnd(width)}  ${n(c.count).padStart(7)}`);
  }

  lines.push('', 'Services');
  for (const svc of s.services) lines.push(`  ${svc.name.padEnd(9)}  ${svc.state.padEnd(13)}  ${svc.address ?? '(health port 0: not checked)'}`);
  return lines.join('\n');
}

/** The snapshot for scripts: the same facts, errors as `{ "error": ... }`. */
export function statusJson(s: StatusSnapshot): object {
  const part = <T, U>(p: Part<T>, shape: (v: T) => U) => (p.ok ? shape(p.value) : { error: p.error });
  const depthJson = (d: QueueDepth | null) => (d === null ? null : { url: d.url, visible: d.visible, in_flight: d.inFlight, delayed: d.delayed });
  const same = <T>(v: T) => v;
  return {
    at: s.at,
    queue: part(s.queue, depthJson),
    redrive: part(s.redrive, depthJson),
    lag: Object.fromEntries(s.lag.map(({ name, part: p }) => [name, part(p, same)])),
    rows: part(s.rows, same),
    dead_letters_last_hour: part(s.deadLetters, (d) => ({ topic: d.topic, since: d.since, total: d.total, by_code: d.byCode })),
    services: s.services,
  };
}
