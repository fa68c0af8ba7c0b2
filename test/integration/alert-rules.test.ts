// Prometheus's own checker on our deploy files: the config and alert rules load, the alerts fire
// on the series they are meant for (deploy/prometheus/alerts.test.yml), and every query of the
// dashboard is valid PromQL. promtool comes with Debian's `prometheus` package; set PROMTOOL to
// use another one. Without it this test fails: it never skips.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEPLOY, PROMETHEUS_PATH, dashboardExprs } from '../deploy-artefacts.js';

const PROMTOOL = process.env.PROMTOOL || 'promtool';

function promtool(...args: string[]): string {
  const r = spawnSync(PROMTOOL, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${PROMTOOL} (apt-get install prometheus, or set PROMTOOL): ${r.error.message}`);
  const output = `${r.stdout}${r.stderr}`;
  assert.is(r.status, 0, `promtool ${args.join(' ')} failed:\n${output}`);
  return output;
}

test('promtool accepts the Prometheus config and the alert rules it loads', () => {
  const out = promtool('check', 'config', PROMETHEUS_PATH);
  assert.match(out, /SUCCESS: 5 rules found/);
});

test('each alert fires on the series it is meant for and not on its near misses (promtool test rules)', () => {
  const out = promtool('test', 'rules', join(DEPLOY, 'prometheus', 'alerts.test.yml'));
  assert.match(out, /SUCCESS/);
});

test('every query of the dashboard is valid PromQL', () => {
  const exprs = dashboardExprs();
  // Grafana fills $__rate_interval in; as recording rules, promtool parses each query.
  const rules = exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr.replaceAll('$__rate_interval', '1m') }));
  const dir = mkdtempSync(join(tmpdir(), 'loginpipe-dashboard-'));
  try {
    const file = join(dir, 'dashboard-queries.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const out = promtool('check', 'rules', file);
    assert.match(out, new RegExp(`SUCCESS: ${rules.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
