// `npm run deploy:rules`: rewrites deploy/kubernetes/base/prometheus-rule.yaml from
// deploy/prometheus/alerts.yml, so Prometheus (compose) and the Prometheus Operator share rules.
import { readFileSync, writeFileSync } from 'node:fs';
import { ALERTS_PATH } from './deploy-artefacts.js';
import { PROMETHEUS_RULE_PATH, prometheusRuleText } from './kubernetes-manifests.js';

writeFileSync(PROMETHEUS_RULE_PATH, prometheusRuleText(readFileSync(ALERTS_PATH, 'utf8')));
console.log(`wrote ${PROMETHEUS_RULE_PATH}`);
