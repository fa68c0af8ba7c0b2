// deploy/kubernetes renders with `kubectl kustomize` (no kubectl: the test fails, it never skips),
// every object it renders is valid by the Kubernetes, KEDA and Prometheus Operator schemas, and the
// PrometheusRule carries deploy/prometheus/alerts.yml unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ALERTS_PATH } from '../deploy-artefacts.js';
import { PROMETHEUS_RULE_PATH, overlays, prometheusRuleText, readYamlFile, rendered, type K8sObject } from '../kubernetes-manifests.js';

/** The schema of each kind the manifests may use; any other kind fails the test. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': core.ConfigMap,
  'v1/Namespace': core.Namespace,
  'v1/Service': core.Service,
  'v1/ServiceAccount': core.ServiceAccount,
  'apps/v1/Deployment': apps.Deployment,
  'batch/v1/Job': batch.Job,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': keda.ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': keda.TriggerAuthentication,
  'monitoring.coreos.com/v1/ServiceMonitor': monitoring.ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule,
};

const names = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();

test('there is a local and an AWS overlay', () => {
  assert.equal(overlays(), ['aws', 'local']);
});

for (const overlay of ['base', ...overlays()]) {
  test(`kubectl kustomize renders ${overlay} with the three services, migrate, budgets, scalers and monitoring`, () => {
    const objs = rendered(overlay);
    const services = ['loginpipe-connector', 'loginpipe-processor', 'loginpipe-sink'];
    assert.equal(names(objs, 'Deployment').filter((n) => n.startsWith('loginpipe-')), services);
    assert.equal(names(objs, 'Job'), ['loginpipe-migrate']);
    assert.equal(names(objs, 'PodDisruptionBudget'), services);
    assert.equal(names(objs, 'ScaledObject'), services);
    assert.equal(names(objs, 'ServiceMonitor'), ['loginpipe']);
    assert.equal(names(objs, 'PrometheusRule'), ['loginpipe']);
    if (overlay !== 'base') {
      assert.equal(names(objs, 'TriggerAuthentication'), ['loginpipe-keda']);
      for (const o of objs) assert.ok(o.kind === 'Namespace' || o.metadata.namespace === 'loginpipe', `${o.kind}/${o.metadata.name} is in the loginpipe namespace`);
    }
  });

  test(`every object of ${overlay} is valid by its Kubernetes, KEDA or Prometheus Operator schema`, () => {
    const objs = rendered(overlay);
    assert.ok(objs.length >= 15, 'objects were rendered');
    for (const o of objs) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      assert.ok(Model, `${o.apiVersion} ${o.kind} (${o.metadata.name}) has a schema in the test`);
      try {
        new Model!(o as never).validate();
      } catch (err) {
        assert.unreachable(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`);
      }
    }
  });
}

const hostile: { name: string; object: K8sObject; model: string }[] = [
  { name: 'a container port that is not a number', model: 'apps/v1/Deployment', object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: {}, template: { spec: { containers: [{ name: 'a', image: 'i', ports: [{ containerPort: 'health' }] }] } } } } },
  { name: 'a trigger metadata value that is not a string', model: 'keda.sh/v1alpha1/ScaledObject', object: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' }, spec: { scaleTargetRef: { name: 'a' }, triggers: [{ type: 'kafka', metadata: { lagThreshold: 10 } }] } } },
  { name: 'a pod identity provider KEDA does not know', model: 'keda.sh/v1alpha1/TriggerAuthentication', object: { apiVersion: 'keda.sh/v1alpha1', kind: 'TriggerAuthentication', metadata: { name: 'x' }, spec: { podIdentity: { provider: 'aws-irsa' } } } },
  { name: 'a PodDisruptionBudget whose maxUnavailable is a list', model: 'policy/v1/PodDisruptionBudget', object: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'x' }, spec: { maxUnavailable: [1] } } },
];
for (const c of hostile) {
  test(`the schema check refuses ${c.name}`, () => {
    assert.throws(() => new MODELS[c.model]!(c.object as never).validate());
  });
}

test('the PrometheusRule carries deploy/prometheus/alerts.yml\'s groups unchanged (run `npm run deploy:rules` after editing alerts.yml)', () => {
  const alerts = (parse(readFileSync(ALERTS_PATH, 'utf8')) as { groups: unknown[] }).groups;
  const committed = readYamlFile(PROMETHEUS_RULE_PATH) as { spec: { groups: unknown[] } };
  assert.equal(committed.spec.groups, alerts);
  assert.is(readFileSync(PROMETHEUS_RULE_PATH, 'utf8'), prometheusRuleText(readFileSync(ALERTS_PATH, 'utf8')), 'the file is exactly what deploy:rules writes');
  for (const overlay of overlays()) {
    const rule = rendered(overlay).find((o) => o.kind === 'PrometheusRule') as unknown as { spec: { groups: unknown[] } };
    assert.equal(rule.spec.groups, alerts, `${overlay} renders the same rules`);
  }
});

test('the ServiceMonitor scrapes /metrics on the port each Service names after the health port', () => {
  for (const overlay of overlays()) {
    const objs = rendered(overlay);
    const sm = objs.find((o) => o.kind === 'ServiceMonitor') as unknown as { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } };
    assert.equal(sm.spec.endpoints.map((e) => [e.port, e.path]), [['metrics', '/metrics']]);
    const selected = objs.filter((o) => o.kind === 'Service' && Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v));
    assert.equal(selected.map((s) => s.metadata.name).sort(), ['loginpipe-connector', 'loginpipe-processor', 'loginpipe-sink'], `${overlay}: one Service per service, named as compose's Prometheus jobs`);
    for (const s of selected) {
      const ports = (s as unknown as { spec: { ports: { name: string; targetPort: string }[] } }).spec.ports;
      assert.equal(ports.map((p) => [p.name, p.targetPort]), [['metrics', 'health']]);
    }
  }
});

test.run();
