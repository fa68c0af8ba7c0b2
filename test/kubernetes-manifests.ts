// Renders the Kubernetes overlays with `kubectl kustomize` and reads what came out, for the tests
// that keep deploy/kubernetes in step with the settings, the health ports and the alert rules;
// and makes the PrometheusRule from deploy/prometheus/alerts.yml, the alert rules' one source.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ROOT } from '../lib/runtime/paths.js';

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

const renders = new Map<string, K8sObject[]>();

/** An overlay's objects (or the base's, for 'base'), rendered once per test run. */
export function rendered(overlay: string): K8sObject[] {
  let objs = renders.get(overlay);
  if (!objs) {
    objs = render(overlay === 'base' ? BASE : join(KUBERNETES, 'overlays', overlay));
    renders.set(overlay, objs);
  }
  return objs;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: number | string } };
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: string;
  volumes?: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
}

/** The pod template of a Deployment or Job; undefined for other kinds. */
export function podSpec(o: K8sObject): PodSpec | undefined {
  if (o.kind !== 'Deployment' && o.kind !== 'Job') return undefined;
  return (o as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

/** What a loginpipe container runs: the loginpipe command that is its first argument. */
export type Role = 'connector' | 'processor' | 'sink' | 'migrate';
const ROLES: readonly Role[] = ['connector', 'processor', 'sink', 'migrate'];

/** Containers of the loginpipe image (any registry and tag), with the command each runs. */
export function loginpipeContainers(objs: K8sObject[]): { owner: K8sObject; pod: PodSpec; container: Container; role: Role }[] {
  const out = [];
  for (const owner of objs) {
    const pod = podSpec(owner);
    for (const container of pod?.containers ?? []) {
      if (!/(^|\/)loginpipe(:[^/]*)?$/.test(container.image)) continue;
      const role = container.args?.[0] as Role;
      if (!ROLES.includes(role)) throw new Error(`${owner.kind}/${owner.metadata.name} runs the loginpipe image with ${JSON.stringify(container.args)}, not a service or migrate`);
      out.push({ owner, pod: pod!, container, role });
    }
  }
  return out;
}

/** A container's environment as the service sees it: its ConfigMaps' keys, then its own env. */
export function environment(objs: K8sObject[], c: Container): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const from of c.envFrom ?? []) {
    if (from.secretRef) throw new Error(`${c.name} takes variables from Secret ${from.secretRef.name}: secrets are mounted as files`);
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapRef?.name);
    if (!cm) throw new Error(`${c.name} reads ConfigMap ${from.configMapRef?.name}, which is not rendered`);
    for (const [k, v] of Object.entries((cm as unknown as { data?: Record<string, string> }).data ?? {})) env.set(k, v);
  }
  for (const e of c.env ?? []) env.set(e.name, e.value);
  return env;
}

/** Every string anywhere in a value, with its path. */
export function strings(value: unknown, path = ''): { path: string; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, `${path}.${k}`));
  return [];
}
