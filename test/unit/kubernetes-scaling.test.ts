// KEDA scales each service on the backlog in front of it, reading the same queue, topics, groups
// and brokers as the service; processors and sinks never outnumber the partitions; and each
// service's requests and limits follow the capacity model's bench figures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASSUMED, MEASURED, type Stage } from '../../cli/capacity.js';
import { MALLOC_ENV, SERVICE_OLD_SPACE_MIB, serviceNodeOptions } from '../../lib/runtime/container-memory.js';
import { ROOT } from '../../lib/runtime/paths.js';
import { environment, loginpipeContainers, overlays, rendered, type K8sObject } from '../kubernetes-manifests.js';

interface ScaledObject {
  metadata: { name: string };
  spec: {
    scaleTargetRef: { name: string };
    minReplicaCount: number;
    maxReplicaCount: number;
    triggers: { type: string; authenticationRef?: { name: string }; metadata: Record<string, string> }[];
  };
}

/** Broker lists compared as host:port sets; KEDA may name an in-cluster service in full (x.ns.svc.cluster.local). */
const brokers = (list: string) => list.split(',').map((b) => b.trim().replace(/^([^.:]+)\.[a-z0-9-]+\.svc(\.cluster\.local)?:/, '$1:')).sort();

function settingsOf(objs: K8sObject[], role: Stage): Map<string, string | undefined> {
  const c = loginpipeContainers(objs).find((x) => x.role === role && x.owner.kind === 'Deployment');
  assert.ok(c, `${role} Deployment`);
  return environment(objs, c!.container);
}

test('the broker-list comparison treats an in-cluster full name as the short one', () => {
  for (const [a, b] of [
    ['redpanda.loginpipe.svc.cluster.local:9092', 'redpanda:9092'],
    ['redpanda.loginpipe.svc:9092', 'redpanda:9092'],
    ['b-2.x.kafka.us-east-1.amazonaws.com:9098, b-1.x.kafka.us-east-1.amazonaws.com:9098', 'b-1.x.kafka.us-east-1.amazonaws.com:9098,b-2.x.kafka.us-east-1.amazonaws.com:9098'],
  ]) assert.equal(brokers(a!), brokers(b!));
  assert.not.equal(brokers('kafka:9092'), brokers('redpanda:9092'));
});

for (const overlay of overlays()) {
  test(`${overlay}: the processor and sink scale on their topic's lag, never above its partitions`, () => {
    const objs = rendered(overlay);
    const scaled = objs.filter((o) => o.kind === 'ScaledObject') as unknown as ScaledObject[];
    for (const [stage, topicSetting, groupSetting] of [['processor', 'RAW_TOPIC', 'PROCESSOR_GROUP_ID'], ['sink', 'CLEAN_TOPIC', 'SINK_GROUP_ID']] as const) {
      const env = settingsOf(objs, stage);
      const so = scaled.find((s) => s.spec.scaleTargetRef.name === `loginpipe-${stage}`);
      assert.ok(so, `a ScaledObject scales loginpipe-${stage}`);
      assert.is(so!.spec.triggers.length, 1);
      const t = so!.spec.triggers[0]!;
      assert.is(t.type, 'kafka');
      assert.is(t.metadata.topic, env.get(topicSetting), `${stage}: the trigger's topic is ${topicSetting}`);
      assert.is(t.metadata.consumerGroup, env.get(groupSetting), `${stage}: the trigger's group is ${groupSetting}`);
      assert.equal(brokers(t.metadata.bootstrapServers!), brokers(env.get('KAFKA_BROKERS')!), `${stage}: the trigger asks the brokers of KAFKA_BROKERS`);
      assert.is(t.metadata.allowIdleConsumers, 'false');
      assert.ok(Number(t.metadata.lagThreshold) > 0, 'a lag threshold');
      const partitions = Number(env.get('TOPIC_PARTITIONS'));
      assert.ok(so!.spec.maxReplicaCount <= partitions, `${stage}: at most ${partitions} replicas (TOPIC_PARTITIONS), got ${so!.spec.maxReplicaCount}`);
      assert.ok(so!.spec.minReplicaCount >= ASSUMED.minReplicas && so!.spec.minReplicaCount <= so!.spec.maxReplicaCount);
    }
  });

  test(`${overlay}: the connector scales on the depth of the queue it drains`, () => {
    const objs = rendered(overlay);
    const env = settingsOf(objs, 'connector');
    const so = (objs.filter((o) => o.kind === 'ScaledObject') as unknown as ScaledObject[]).find((s) => s.spec.scaleTargetRef.name === 'loginpipe-connector');
    const t = so!.spec.triggers[0]!;
    assert.is(t.type, 'aws-sqs-queue');
    assert.is(t.metadata.queueURLFromEnv, 'SQS_QUEUE_URL', 'the queue URL is the connector\'s own setting');
    assert.ok(env.get('SQS_QUEUE_URL'), 'the connector has SQS_QUEUE_URL');
    assert.is(t.metadata.awsRegion, env.get('AWS_REGION'), 'the trigger\'s region is AWS_REGION');
    const endpoint = env.get('SQS_ENDPOINT');
    if (endpoint === 'none') assert.is(t.metadata.awsEndpoint, undefined, 'AWS\'s own endpoint');
    else assert.is(t.metadata.awsEndpoint?.replace(/\.[a-z0-9-]+\.svc(\.cluster\.local)?:/, ':'), endpoint, 'the same endpoint as SQS_ENDPOINT');
  });

  test(`${overlay}: every ScaledObject scales a rendered Deployment and authenticates with a rendered TriggerAuthentication`, () => {
    const objs = rendered(overlay);
    const deployments = new Set(objs.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name));
    const auths = new Set(objs.filter((o) => o.kind === 'TriggerAuthentication').map((o) => o.metadata.name));
    for (const so of objs.filter((o) => o.kind === 'ScaledObject') as unknown as ScaledObject[]) {
      assert.ok(deployments.has(so.spec.scaleTargetRef.name), `${so.metadata.name} scales a Deployment that exists`);
      for (const t of so.spec.triggers) if (t.authenticationRef) assert.ok(auths.has(t.authenticationRef.name), `${so.metadata.name} uses a TriggerAuthentication that exists`);
      const deployment = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === so.spec.scaleTargetRef.name) as unknown as { spec: { replicas?: number } };
      assert.is(deployment.spec.replicas, undefined, `${so.spec.scaleTargetRef.name} leaves its replica count to KEDA`);
    }
  });
}

test('aws: KEDA uses each workload\'s own IAM role (IRSA) for SQS and MSK', () => {
  const objs = rendered('aws');
  const auth = objs.find((o) => o.kind === 'TriggerAuthentication') as unknown as { spec: { podIdentity?: { provider: string; identityOwner?: string } } };
  assert.equal(auth.spec.podIdentity, { provider: 'aws', identityOwner: 'workload' });
  for (const so of objs.filter((o) => o.kind === 'ScaledObject') as unknown as ScaledObject[]) {
    const t = so.spec.triggers[0]!;
    assert.is(t.authenticationRef?.name, 'loginpipe-keda', `${so.metadata.name} authenticates`);
    if (t.type === 'kafka') {
      assert.is(t.metadata.sasl, 'aws_msk_iam');
      assert.is(t.metadata.tls, 'enable');
      assert.ok(t.metadata.awsRegion);
    }
  }
  for (const sa of objs.filter((o) => o.kind === 'ServiceAccount')) {
    assert.match(sa.metadata.annotations?.['eks.amazonaws.com/role-arn'] ?? '', /^arn:aws:iam::\d{12}:role\//, `${sa.metadata.name} has an IAM role`);
  }
});

test('aws: RDS over verified TLS and SQS through AWS\'s own endpoint', () => {
  const objs = rendered('aws');
  const sink = settingsOf(objs, 'sink');
  assert.match(sink.get('DATABASE_URL')!, /[?&]sslmode=verify-full(&|$)/);
  assert.ok(sink.get('DATABASE_SSL_CA_FILE'), 'the RDS CA bundle is named');
  assert.is(settingsOf(objs, 'connector').get('SQS_ENDPOINT'), 'none');
  assert.is(sink.get('KAFKA_SSL'), 'true');
});

const quantity = (q: string): number => {
  const m = /^(\d+(?:\.\d+)?)(m|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  const n = Number(m[1]);
  return m[2] === 'm' ? n / 1000 : m[2] === 'Gi' ? n * 1024 : n;
};

test('quantities are read as the manifests write them', () => {
  assert.is(quantity('500m'), 0.5);
  assert.is(quantity('1'), 1);
  assert.is(quantity('384Mi'), 384);
  assert.is(quantity('2Gi'), 2048);
  assert.throws(() => quantity('1e3'));
});

for (const overlay of ['base', ...overlays()]) {
  test(`${overlay}: requests and limits follow the bench: the planned core per replica, memory above the peak RSS`, () => {
    for (const { owner, container, role } of loginpipeContainers(rendered(overlay))) {
      if (role === 'migrate') continue;
      const r = container.resources!;
      assert.is(quantity(r.requests!.cpu!), ASSUMED.coresPerReplica, `${owner.metadata.name}: CPU request is the planned share of a core`);
      assert.ok(quantity(r.limits!.cpu!) >= 2 * ASSUMED.coresPerReplica, `${owner.metadata.name}: CPU limit leaves room for bursts`);
      const peak = MEASURED.peakRssMiB[role];
      assert.ok(quantity(r.requests!.memory!) >= 1.2 * peak, `${owner.metadata.name}: memory request ≥ 1.2 × the bench's peak RSS ${peak} MiB`);
      assert.ok(quantity(r.limits!.memory!) >= 1.8 * peak, `${owner.metadata.name}: memory limit ≥ 1.8 × the bench's peak RSS ${peak} MiB`);
    }
  });
}

/**
 * What a Node process holds outside the old space the heap flag bounds: V8's young generation
 * (semi-spaces of 4 MiB, lib/runtime/container-memory.ts), code, and Buffers (fetch responses,
 * SQS bodies); the bench's peaks
 * minus the old space they used (docs/operations.md#memory).
 */
const OUTSIDE_OLD_SPACE_MIB = 96;

for (const overlay of ['base', ...overlays()]) {
  test(`${overlay}: the V8 heap is sized for the container: NODE_OPTIONS caps the old space below the memory limit, with room for what lives outside it, and the V8 and malloc settings are the bench's`, () => {
    for (const { owner, container, role } of loginpipeContainers(rendered(overlay))) {
      if (role === 'migrate') continue;
      const options = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
      const m = /(?:^|\s)--max-old-space-size=(\d+)(?:\s|$)/.exec(options);
      assert.ok(m, `${owner.metadata.name}: NODE_OPTIONS sets --max-old-space-size (got "${options}")`);
      const heap = Number(m![1]);
      const limit = quantity(container.resources!.limits!.memory!);
      assert.ok(heap + OUTSIDE_OLD_SPACE_MIB <= limit, `${owner.metadata.name}: old space ${heap} MiB + ${OUTSIDE_OLD_SPACE_MIB} MiB outside it fits the ${limit} MiB limit`);
      assert.ok(heap >= MEASURED.peakRssMiB[role as Stage] - OUTSIDE_OLD_SPACE_MIB, `${owner.metadata.name}: old space ${heap} MiB holds what the bench's peak needed`);
      // Exactly what the bench measured with (lib/runtime/container-memory.ts).
      const env = new Map((container.env ?? []).map((e) => [e.name, e.value]));
      assert.is(env.get('NODE_OPTIONS'), serviceNodeOptions(SERVICE_OLD_SPACE_MIB), `${owner.metadata.name}: NODE_OPTIONS`);
      for (const [name, value] of Object.entries(MALLOC_ENV)) assert.is(env.get(name), value, `${owner.metadata.name}: ${name}`);
    }
  });
}

test('the Dockerfile runs `run` with the same settings, twice the old space (three services in one process)', () => {
  // ENV lines, joined across their backslash continuations, as NAME=value pairs.
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const env = new Map<string, string>();
  for (const line of runtime.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const m of line.slice(4).matchAll(/([A-Z_]+)=("[^"]*"|\S+)/g)) env.set(m[1]!, m[2]!.replace(/^"|"$/g, ''));
  }
  assert.is(env.get('NODE_OPTIONS'), serviceNodeOptions(2 * SERVICE_OLD_SPACE_MIB));
  for (const [name, value] of Object.entries(MALLOC_ENV)) assert.is(env.get(name), value, name);
});

test.run();
