// Renders the Kubernetes overlays with `kubectl kustomize` and reads what came out, for the tests
// that keep deploy/kubernetes in step with the settings, the health ports and the alert rules;
// and makes the PrometheusRule from deploy/prometheus/alerts.yml, the alert rules' one source.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ROOT } from '../lib/paths.js';

export const KUBERNETES = join(ROOT, 'deploy', 'kubernetes');
export const BASE = join(KUBERNETES, 'base');
export const PROMETHEUS_RULE_PATH = join(BASE, 'prometheus-rule.yaml');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** The overlay directories under deploy/kubernetes/overlays, by name. */
export function overlays(): string[] {
  return readdirSync(join(KUBERNETES, 'overlays'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/**
 * The objects `kubectl kustomize <dir>` renders. A missing kubectl is an error that says how to
 * install it, never a reason to skip: the manifests are only checked if they are rendered.
 */
export function render(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('kubectl is not installed: the Kubernetes manifests cannot be rendered (Debian: apt-get install kubernetes-client)');
    throw new Error(`kubectl kustomize ${dir} failed: ${e.stderr ?? e.message}`);
  }
  return parseAllDocuments(out).map((d) => {
    if (d.errors.length > 0) throw new Error(`kubectl kustomize ${dir} printed YAML that does not parse: ${d.errors[0]!.message}`);
    return d.toJS() as K8sObject;
  }).filter((o) => o !== null);
}

export function readYamlFile(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

/**
 * The PrometheusRule resource, as text, that carries the rule groups of a Prometheus rule file
 * unchanged. `npm run deploy:rules` writes it to PROMETHEUS_RULE_PATH.
 */
export function prometheusRuleText(alertsYaml: string): string {
  const groups = (parse(alertsYaml) as { groups: unknown[] }).groups;
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'loginpipe', labels: { 'app.kubernetes.io/name': 'loginpipe' } },
    spec: { groups },
  };
  return '# GENERATED from deploy/prometheus/alerts.yml by `npm run deploy:rules`: edit that file, not this one.\n'
    + '# (test/unit/kubernetes.test.ts fails when the two differ.)\n'
    + stringify(rule, { lineWidth: 0 });
}
