// The dashboard, the alert rules and the Prometheus config depend on the metric names declared
// in lib/observability/metrics.ts: a rename there, or a typo here, must fail a test rather than an empty panel
// or an alert that can never fire.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../lib/runtime/paths.js';
import { processMetrics } from '../../lib/observability/metrics.js';
import { connectorSettings } from '../../connector/config.js';
import { processorSettings } from '../../processor/config.js';
import { sinkSettings } from '../../sink/config.js';
import { PROMETHEUS_PATH, dashboardExprs, metricNames, readAlertRules, readDashboard, readYaml } from '../deploy-artefacts.js';

const metricTypes = new Map(processMetrics().registry.getMetricsAsArray().map((m) => [m.name, (m as unknown as { type: string }).type]));
// Series Prometheus itself makes for every target.
const BUILT_IN = new Set(['up']);

/** Whether a selected series name is one we export: a declared metric, or a histogram's part. */
function exported(name: string): boolean {
  if (metricTypes.has(name) || BUILT_IN.has(name)) return true;
  const part = /^(.*)_(bucket|sum|count)$/.exec(name);
  return part !== null && metricTypes.get(part[1]!) === 'histogram';
}

const extractCases: { expr: string; expected: string[] }[] = [
  { expr: 'loginpipe_outage', expected: ['loginpipe_outage'] },
  { expr: 'sum by (code) (rate(loginpipe_dead_letters_total{code="invalid_json"}[5m]))', expected: ['loginpipe_dead_letters_total'] },
  { expr: 'histogram_quantile(0.99, sum by (le) (rate(loginpipe_end_to_end_seconds_bucket[$__rate_interval])))', expected: ['loginpipe_end_to_end_seconds_bucket'] },
  { expr: 'a / ignoring (code) group_left sum(b) > 1e3', expected: ['a', 'b'] },
  { expr: 'x{label="has {braces} and rate(y)"} and on (z) w offset 5m', expected: ['x', 'w'] },
  { expr: 'count(max by (dependency) (loginpipe_outage) == 1) or vector(0)', expected: ['loginpipe_outage'] },
  { expr: 'up{job=~"loginpipe-.*"} == bool 0', expected: ['up'] },
];

for (const c of extractCases) {
  test(`metricNames finds ${JSON.stringify(c.expected)} in ${c.expr}`, () => {
    assert.equal(metricNames(c.expr).sort(), [...c.expected].sort());
  });
}

test('every metric the dashboard queries is one lib/observability/metrics.ts declares', () => {
  const exprs = dashboardExprs();
  assert.ok(exprs.length >= 20, 'the dashboard has its queries');
  for (const { panel, expr } of exprs) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `panel "${panel}" queries some metric: ${expr}`);
    for (const n of names) assert.ok(exported(n), `panel "${panel}" queries ${n}, which loginpipe does not export`);
  }
});

test('every metric an alert rule uses is one lib/observability/metrics.ts declares', () => {
  const rules = readAlertRules();
  for (const r of rules) {
    const names = metricNames(r.expr);
    assert.ok(names.length > 0, `${r.alert} uses some metric`);
    for (const n of names) assert.ok(exported(n), `${r.alert} uses ${n}, which loginpipe does not export`);
  }
});

test('the dashboard shows each thing the issue asks for', () => {
  const d = readDashboard();
  assert.is(d.uid, 'loginpipe');
  const all = dashboardExprs(d).map((e) => e.expr).join('\n');
  for (const needle of [
    'loginpipe_connector_messages_received_total', 'loginpipe_connector_messages_published_total',
    'loginpipe_processor_records_total', 'loginpipe_sink_rows_total', // throughput per stage
    'loginpipe_consumer_lag', 'loginpipe_sqs_messages', 'sum by (code) (rate(loginpipe_dead_letters_total',
    'histogram_quantile(0.50, sum by (le) (rate(loginpipe_end_to_end_seconds_bucket',
    'histogram_quantile(0.99, sum by (le) (rate(loginpipe_end_to_end_seconds_bucket',
    'loginpipe_outage',
  ]) assert.ok(all.includes(needle), `the dashboard queries ${needle}`);
  const ids = d.panels.map((p) => p.id);
  assert.is(new Set(ids).size, ids.length, 'panel ids are unique');
});

test('the alert rules cover growing lag, dead-letter rate, the redrive queue and outages', () => {
  const byName = new Map(readAlertRules().map((r) => [r.alert, r]));
  for (const [alert, uses] of [
    ['LoginpipeConsumerLagGrowing', 'loginpipe_consumer_lag'],
    ['LoginpipeDeadLetterRateHigh', 'loginpipe_dead_letters_total'],
    ['LoginpipeRedriveQueueNotEmpty', 'loginpipe_sqs_messages{queue="redrive"}'],
    ['LoginpipeDependencyDown', 'loginpipe_outage'],
  ] as const) {
    const r = byName.get(alert);
    assert.ok(r, `${alert} exists`);
    assert.ok(r!.expr.includes(uses), `${alert} uses ${uses}`);
    assert.ok(r!.labels?.severity, `${alert} has a severity`);
    assert.ok(r!.annotations?.summary, `${alert} has a summary`);
  }
  assert.is(byName.get('LoginpipeDependencyDown')!.for, '1m', 'an outage alerts after a minute');
});

test('Prometheus scrapes each service on its default health port, and docker-compose mounts what exists', () => {
  const prom = readYaml(PROMETHEUS_PATH) as { rule_files: string[]; scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[] };
  assert.equal(prom.rule_files, ['alerts.yml']);
  const ports = new Map(prom.scrape_configs.flatMap((s) => (s.dns_sd_configs ?? []).map((d) => [d.names[0], d.port] as const)));
  assert.equal(Object.fromEntries(ports), {
    connector: Number(connectorSettings.healthPort.default),
    processor: Number(processorSettings.healthPort.default),
    sink: Number(sinkSettings.healthPort.default),
  });

  const compose = readYaml(join(ROOT, 'docker-compose.yml')) as { services: Record<string, { volumes?: string[] }> };
  for (const service of ['prometheus', 'grafana', 'localstack']) {
    const volumes = compose.services[service]?.volumes ?? [];
    assert.ok(volumes.length > 0, `${service} mounts its configuration`);
    for (const v of volumes) {
      const host = v.split(':')[0]!;
      assert.ok(existsSync(join(ROOT, host)), `${service} mounts ${host}, which exists`);
    }
  }
  assert.ok(compose.services.grafana!.volumes!.some((v) => v.startsWith('./deploy/grafana/loginpipe.json:')), 'Grafana is provisioned with the dashboard');
});

test.run();
