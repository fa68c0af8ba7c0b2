// The Kubernetes manifests name only real loginpipe settings, with values their parsers accept;
// files they name are mounted; probes ask the health ports the settings give; no manifest holds a
// secret; and the compose file and the manifests agree on every setting both name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../../lib/runtime/paths.js';
import { fileVariable, type Setting } from '../../lib/runtime/config.js';
import { runtimeSettings } from '../../lib/runtime/settings.js';
import { connectorSettings } from '../../connector/config.js';
import { processorSettings } from '../../processor/config.js';
import { databaseSettings, sinkSettings } from '../../sink/config.js';
import { BASE, environment, loginpipeContainers, overlays, rendered, strings, type Role } from '../kubernetes-manifests.js';
import { MALLOC_ENV } from '../../lib/runtime/container-memory.js';

const SETTINGS: Record<Role, Setting<unknown>[]> = {
  connector: Object.values(connectorSettings),
  processor: Object.values(processorSettings),
  sink: Object.values(sinkSettings),
  migrate: Object.values(databaseSettings),
};

/** The variables a service reads: each setting, and `<NAME>_FILE` for a secret one. */
function variables(role: Role): Map<string, Setting<unknown>> {
  const vars = new Map<string, Setting<unknown>>();
  for (const s of SETTINGS[role]) {
    vars.set(s.env, s);
    if (s.secret) vars.set(fileVariable(s.env), s);
  }
  return vars;
}
const ANY_SERVICE = new Map([...variables('connector'), ...variables('processor'), ...variables('sink')]);
/** The runtime's variables a container may set besides loginpipe's settings (V8's heap, glibc's malloc). */
const NODE_VARIABLES = new Set(['NODE_OPTIONS', ...Object.keys(MALLOC_ENV)]);

/** A setting whose value is a path the service reads (a certificate, a key): its parser opens the file. */
const isPath = (name: string) => name.endsWith('_FILE');

for (const overlay of ['base', ...overlays()]) {
  test(`${overlay}: every variable given to a loginpipe container is a setting of the command it runs`, () => {
    const objs = rendered(overlay);
    const containers = loginpipeContainers(objs);
    assert.is(containers.length, 4, 'connector, processor, sink and migrate');
    for (const { owner, container, role } of containers) {
      const own = variables(role);
      for (const e of container.env ?? []) {
        if (NODE_VARIABLES.has(e.name)) continue;
        assert.ok(own.has(e.name), `${owner.metadata.name} sets ${e.name}, which \`loginpipe ${role}\` does not read`);
      }
      for (const name of environment(objs, container).keys()) {
        if (NODE_VARIABLES.has(name)) continue;
        assert.ok(ANY_SERVICE.has(name), `${owner.metadata.name} is given ${name}, which is no loginpipe setting`);
      }
    }
  });

  test(`${overlay}: every setting's value is one its parser accepts, and every file named is mounted`, () => {
    const objs = rendered(overlay);
    for (const { owner, container, role } of loginpipeContainers(objs)) {
      const own = variables(role);
      for (const [name, value] of environment(objs, container)) {
        const setting = own.get(name);
        if (!setting) continue; // another service's setting from the shared ConfigMap: ignored by this one
        assert.type(value, 'string', `${owner.metadata.name}: ${name} has a literal value`);
        if (isPath(name)) {
          const mounted = (container.volumeMounts ?? []).some((m) => value!.startsWith(m.mountPath.replace(/\/?$/, '/')));
          assert.ok(mounted, `${owner.metadata.name}: ${name}=${value} lies under one of the container's volume mounts`);
          continue;
        }
        try {
          setting.parse(value!);
        } catch (err) {
          assert.unreachable(`${overlay}: ${owner.metadata.name}: ${name}=${value} is refused by loginpipe: ${(err as Error).message}`);
        }
      }
    }
  });

  test(`${overlay}: probes ask /healthz and /readyz on the health-port setting, and the grace period outlasts SHUTDOWN_TIMEOUT_MS`, () => {
    const objs = rendered(overlay);
    const deployments = loginpipeContainers(objs).filter((c) => c.owner.kind === 'Deployment');
    assert.is(deployments.length, 3);
    for (const { owner, pod, container, role } of deployments) {
      const env = environment(objs, container);
      const portSetting = (SETTINGS[role].find((s) => s.env.endsWith('_HEALTH_PORT')))!;
      const healthPort = Number(env.get(portSetting.env) ?? portSetting.default);
      assert.ok(healthPort > 0, `${portSetting.env} is a fixed port`);
      const resolve = (p: number | string) => (typeof p === 'number' ? p : container.ports?.find((cp) => cp.name === p)?.containerPort);
      assert.is(container.livenessProbe?.httpGet?.path, '/healthz', `${owner.metadata.name} liveness`);
      assert.is(container.readinessProbe?.httpGet?.path, '/readyz', `${owner.metadata.name} readiness`);
      assert.is(resolve(container.livenessProbe!.httpGet!.port), healthPort, `${owner.metadata.name}: liveness probe on ${portSetting.env}`);
      assert.is(resolve(container.readinessProbe!.httpGet!.port), healthPort, `${owner.metadata.name}: readiness probe on ${portSetting.env}`);

      const shutdownMs = Number(env.get(runtimeSettings.shutdownTimeoutMs.env) ?? runtimeSettings.shutdownTimeoutMs.default);
      const graceMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
      assert.ok(graceMs >= shutdownMs + 5000, `${owner.metadata.name}: grace ${graceMs} ms is at least 5 s longer than SHUTDOWN_TIMEOUT_MS ${shutdownMs}`);
    }
  });

  test(`${overlay}: loginpipe runs as a non-root user on a read-only root filesystem`, () => {
    for (const { owner, pod, container } of loginpipeContainers(rendered(overlay))) {
      assert.ok(pod.securityContext?.runAsNonRoot ?? container.securityContext?.runAsNonRoot, `${owner.metadata.name} runs as non-root`);
      assert.ok((pod.securityContext?.runAsUser ?? 1000) !== 0, `${owner.metadata.name} does not run as uid 0`);
      assert.is(container.securityContext?.readOnlyRootFilesystem, true, `${owner.metadata.name}: read-only root filesystem`);
      assert.is(container.securityContext?.allowPrivilegeEscalation, false, `${owner.metadata.name}: no privilege escalation`);
    }
  });

  test(`${overlay}: no manifest holds a secret value`, () => {
    const objs = rendered(overlay);
    assert.equal(objs.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name), [], 'Secrets are created outside the manifests');
    // DATABASE_URL is a secret setting because a URL may hold a password; one without (checked
    // just below for every string) is plain configuration, the README's recommended form.
    const secretNames = new Set([...ANY_SERVICE.values()].filter((s) => s.secret && s.env !== databaseSettings.databaseUrl.env).map((s) => s.env));
    for (const o of objs) {
      for (const { path, text } of strings(o)) {
        assert.not.ok(/:\/\/[^/@\s:]+:[^/@\s]+@/.test(text), `${o.kind}/${o.metadata.name}${path} holds a URL with a password`);
        assert.not.ok(/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text), `${o.kind}/${o.metadata.name}${path} holds a private key`);
      }
    }
    for (const o of objs) {
      const containers = ((o as { spec?: { template?: { spec?: { containers?: { name: string; env?: { name: string; value?: string }[] }[] } } } }).spec?.template?.spec?.containers) ?? [];
      for (const c of containers) {
        for (const e of c.env ?? []) {
          // Any container, the backing services' too: a password, key or token is given as a file.
          const looksSecret = secretNames.has(e.name) || /(PASSWORD|SECRET|TOKEN|_KEY)$/.test(e.name);
          assert.not.ok(looksSecret && e.value !== undefined && e.value !== '', `${o.metadata.name}/${c.name}: ${e.name} has a value in the manifest`);
        }
      }
      if (o.kind === 'ConfigMap') {
        for (const key of Object.keys((o as { data?: Record<string, string> }).data ?? {})) {
          assert.not.ok(secretNames.has(key), `ConfigMap ${o.metadata.name} sets the secret ${key}; mount it as ${fileVariable(key)}`);
        }
      }
    }
  });
}

test('the AWS overlay authenticates to MSK with IAM, in its region', () => {
  const cm = rendered('aws').find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('loginpipe-settings')) as unknown as { data: Record<string, string> };
  assert.is(cm.data.KAFKA_SASL_MECHANISM, 'aws-msk-iam');
  assert.is(cm.data.KAFKA_SSL, 'true');
  assert.is(cm.data.KAFKA_AWS_REGION, cm.data.AWS_REGION, 'MSK and SQS in the same region');
  for (const name of ['KAFKA_SASL_MECHANISM', 'KAFKA_AWS_REGION']) assert.not.throws(() => ANY_SERVICE.get(name)!.parse(cm.data[name]!), `${name} parses`);
});

/** The compose file's settings for the loginpipe services (its shared environment and each service's own). */
function composeSettings(): Map<string, string> {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { command?: string[]; environment?: Record<string, string> }> };
  const env = new Map<string, string>();
  for (const [name, svc] of Object.entries(compose.services)) {
    if (!['connector', 'processor', 'sink', 'migrate'].includes(name)) continue;
    for (const [k, v] of Object.entries(svc.environment ?? {})) {
      const prior = env.get(k);
      assert.ok(prior === undefined || prior === String(v), `compose gives ${k} one value for every service`);
      env.set(k, String(v));
    }
  }
  return env;
}

/** A URL's password is a secret: compose may hold a demo one, the manifests take it from a file. */
const withoutPassword = (value: string) => value.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@/]*@/, '$1@');

test('the compose file and the Kubernetes base and local overlay agree on every setting they both name', () => {
  const compose = composeSettings();
  assert.ok(compose.size >= 6, 'compose names its settings');
  const base = new Map(readFileSync(join(BASE, 'settings.env'), 'utf8').split('\n').filter((l) => /^[A-Z]/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
  const local = rendered('local');
  const cm = local.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('loginpipe-settings')) as unknown as { data: Record<string, string> };
  let shared = 0;
  for (const [source, settings] of [['base/settings.env', base], ['overlays/local', new Map(Object.entries(cm.data))]] as const) {
    for (const [name, value] of settings) {
      const other = compose.get(name);
      if (other === undefined) continue;
      if (source === 'overlays/local') shared++;
      assert.is(withoutPassword(value), withoutPassword(other), `${name}: ${source} and docker-compose.yml agree`);
    }
  }
  assert.ok(shared >= 5, `the local overlay names the compose file's addresses (${shared} shared)`);
});

test('the password helper strips exactly a URL\'s password', () => {
  for (const [input, expected] of [
    ['postgres://postgres:postgres@postgres:5432/loginpipe', 'postgres://postgres@postgres:5432/loginpipe'],
    ['postgres://postgres@postgres:5432/loginpipe', 'postgres://postgres@postgres:5432/loginpipe'],
    ['postgresql://u:p%40ss@h/db?sslmode=require', 'postgresql://u@h/db?sslmode=require'],
    ['http://redpanda:8081', 'http://redpanda:8081'],
  ]) assert.is(withoutPassword(input!), expected);
});

test.run();
