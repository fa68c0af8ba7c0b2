// Reads the deploy artefacts (dashboard, alert rules, Prometheus config) and the PromQL in them,
// for the tests that keep them in step with lib/observability/metrics.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../lib/runtime/paths.js';

export const DEPLOY = join(ROOT, 'deploy');
export const DASHBOARD_PATH = join(DEPLOY, 'grafana', 'loginpipe.json');
export const ALERTS_PATH = join(DEPLOY, 'prometheus', 'alerts.yml');
export const PROMETHEUS_PATH = join(DEPLOY, 'prometheus', 'prometheus.yml');

export interface Panel { id: number; type: string; title: string; targets?: { expr: string; legendFormat?: string }[] }
export interface Dashboard { uid: string; title: string; panels: Panel[] }
export interface AlertRule { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
}

export function readAlertRules(): AlertRule[] {
  const doc = parse(readFileSync(ALERTS_PATH, 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

/** Every PromQL expression of the dashboard's panels, titled by panel. */
export function dashboardExprs(d: Dashboard = readDashboard()): { panel: string; expr: string }[] {
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'atan2']);

/**
 * The metric names an expression selects. Not a full PromQL parser, but enough for our own
 * expressions: strings, label matchers, ranges and grouping label lists are removed first; what
 * is left that looks like an identifier, is not a keyword, and is not called like a function, is
 * a metric name. A number's exponent (1e3) is not taken for a name.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' $1 ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = bare[m.index - 1] ?? ' ';
    if (/[0-9.]/.test(before)) continue;
    if (KEYWORDS.has(m[0])) continue;
    // A function call, or an aggregation written `sum by (x) (...)` (its label list is gone by now).
    if (/^\s*((by|without)\s+)?\(/.test(bare.slice(m.index + m[0].length))) continue;
    names.add(m[0]);
  }
  return [...names];
}
