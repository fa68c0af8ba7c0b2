// Brokers restarted, killed and away for a while, on a cluster of three (stack/kafka-cluster.ts)
// with topics of 3 replicas and min.insync.replicas 2, while events flow through real connector,
// processor and sink processes. Each must end with every event once: one row, one clean record,
// one dead letter per malformed event. The cluster is started once for the three scenarios.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import kafkajs, { type Kafka } from 'kafkajs';
import { loadSettings } from '../../lib/runtime/config.js';
import { createKafka, ensureTopics, pipelineTopicSpecs, withAdmin } from '../../lib/kafka/client.js';
import { kafkaSettings } from '../../lib/runtime/settings.js';
import { createLogger } from '../../lib/observability/log.js';
import { waitUntil } from '../../lib/runtime/wait-until.js';
import { startKafkaCluster, type KafkaCluster, type NodeId } from '../../stack/kafka-cluster.js';
import { STACK_DIR } from '../../stack/paths.js';
import { runScenario, type ScenarioContext } from './scenario.js';
import type { FaultWorld } from './world.js';

// Node's CommonJS interop does not see this one as a named export of kafkajs.
const { ConfigResourceTypes } = kafkajs;

/** Ports 19101-19103 (clients) and 19111-19113 (controller quorum). */
const BASE_PORT = 19100;
const DIR = join(STACK_DIR, 'cluster', `broker-faults-${process.pid}`);

let cluster: KafkaCluster;
let kafka: Kafka;
let failed = false;

function options(events: number, perSecond: number) {
  return {
    events,
    perSecond,
    kafka,
    deadLettersOnce: true,
    env: {
      KAFKA_BROKERS: cluster.brokers.join(','),
      TOPIC_PARTITIONS: '6',
      TOPIC_REPLICATION_FACTOR: '3',
      TOPIC_MIN_INSYNC_REPLICAS: '2',
    },
    prepare: createTopics,
  };
}

/**
 * The world's topics, made as the services make them, and known to every broker before any service
 * starts: a service that asks a broker which has not yet heard of a topic created a moment ago
 * is told UNKNOWN_TOPIC_OR_PARTITION, which kafkajs's subscribe does not retry.
 */
async function createTopics(world: FaultWorld): Promise<void> {
  const specs = pipelineTopicSpecs(loadSettings(kafkaSettings, world.env));
  const topics = specs.map((s) => s.topic);
  // kafkajs's createTopics waits for leaders by asking any broker, and fails when that one has not
  // heard of the topic yet; whether the topics really exist is what the wait below finds out.
  const created = await withAdmin(kafka, (admin) => ensureTopics(admin, specs)).then(() => 'created', (err: Error) => `creating them said: ${err.message}`);
  await waitUntil(async () => {
    for (const broker of cluster.brokers) {
      const one = createKafka({ brokers: [broker], clientId: 'loginpipe-test' }, createLogger({ level: 'silent' }), 'probe', { retry: { retries: 0 } });
      const known = await withAdmin(one, (a) => a.fetchTopicMetadata({ topics })).catch(() => undefined);
      if (!known || known.topics.some((t) => t.partitions.length !== 6 || t.partitions.some((p) => p.leader < 0))) return false;
    }
    return true;
  }, { timeoutMs: 60_000, intervalMs: 500, what: `every broker to know ${topics.join(', ')} (${created})` });
  // The setting under test: every topic must require two in-sync replicas.
  const configs = await withAdmin(kafka, (a) => a.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
  }));
  for (const r of configs.resources) {
    assert.is(r.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue, '2', `min.insync.replicas of ${r.resourceName}`);
  }
}

const topicsOf = (ctx: ScenarioContext) => [ctx.world.env.RAW_TOPIC!, ctx.world.env.CLEAN_TOPIC!, ctx.world.env.DLQ_TOPIC!];

/** As an operator does between two restarts: every replica back in sync first. */
async function fullyReplicated(ctx: ScenarioContext): Promise<void> {
  await waitUntil(async () => (await cluster.underReplicated(topicsOf(ctx)).catch(() => -1)) === 0, {
    timeoutMs: 120_000, intervalMs: 500, what: 'every partition to have all 3 replicas in sync',
  });
}

/** Stops (or kills) a node, keeps it away for `downMs`, starts it again. */
async function brokerDown(ctx: ScenarioContext, node: NodeId, how: 'SIGTERM' | 'kill -9', downMs: number, why = ''): Promise<void> {
  await ctx.fault(`broker ${node} ${how}${why}`, async () => {
    const from = Date.now();
    await cluster.stop(node, { kill: how === 'kill -9' });
    const stopMs = Date.now() - from;
    // The outage itself: a deliberate length of time with the broker gone.
    await sleep(downMs);
    return `stop took ${(stopMs / 1000).toFixed(1)} s, down ${(downMs / 1000).toFixed(1)} s`;
  }, () => cluster.start(node));
}

test.before(async () => {
  try {
    cluster = await startKafkaCluster({ dir: DIR, basePort: BASE_PORT });
  } catch (err) {
    // uvu does not show what a failed hook threw.
    console.error(`the test cluster did not start: ${(err as Error).stack}`);
    throw err;
  }
  kafka = createKafka({ brokers: cluster.brokers, clientId: 'loginpipe-test' }, createLogger({ level: 'error' }), 'test');
});

test.after(async () => {
  await cluster?.destroy({ keep: failed });
  if (failed) console.log(`test cluster logs kept in ${DIR}`);
});

async function scenario(name: string, inject: (ctx: ScenarioContext) => Promise<void>, events: number, perSecond: number): Promise<void> {
  try {
    await runScenario(name, inject, options(events, perSecond));
  } catch (err) {
    failed = true;
    throw err;
  }
}

test('a rolling restart of the brokers (SIGTERM each in turn) neither loses nor doubles an event', async () => {
  // A restarted node takes 10-45 s to rejoin and catch up on a busy machine: the stream lasts
  // long enough for all three restarts to meet events in flight.
  await scenario('broker-rolling-restart', async (ctx) => {
    await ctx.atProgress(0.05);
    for (const node of cluster.nodes) {
      await fullyReplicated(ctx);
      await brokerDown(ctx, node, 'SIGTERM', 1_000);
    }
  }, 3_600, 30);
});

test('kill -9 of a partition\'s leader, twice, neither loses nor doubles an event', async () => {
  await scenario('broker-leader-killed', async (ctx) => {
    await ctx.atProgress(0.2);
    const raw = await cluster.leaderOf(ctx.world.env.RAW_TOPIC!, 0);
    await brokerDown(ctx, raw, 'kill -9', 3_000, ', the leader of raw partition 0');
    await fullyReplicated(ctx);
    await ctx.atProgress(0.6);
    const clean = await cluster.leaderOf(ctx.world.env.CLEAN_TOPIC!, 0);
    await brokerDown(ctx, clean, 'kill -9', 3_000, ', the leader of clean partition 0');
  }, 2_500, 40);
});

test('a broker away for 30 s, past the replica lag limit, neither loses nor doubles an event', async () => {
  await scenario('broker-away', async (ctx) => {
    await ctx.atProgress(0.15);
    const node = cluster.nodes[Math.floor(ctx.rand() * cluster.nodes.length)]!;
    await brokerDown(ctx, node, 'kill -9', 30_000);
  }, 2_500, 40);
});

test.run();
