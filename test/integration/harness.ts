// What integration tests share: a world of their own per test (stack/world.ts), services run as
// real child processes of the built CLI (stack/loginpipe-process.ts), a Kafka client on the local
// broker, and waiting on conditions (lib/runtime/wait-until.ts) rather than sleeping.
import { createKafka, ensureTopics, pipelineTopicSpecs, withAdmin } from '../../lib/kafka/client.js';
import { createLogger } from '../../lib/observability/log.js';
import { HEADER_MESSAGE_ID, HEADER_SENT_TIMESTAMP } from '../../lib/records/headers.js';
import { KAFKA_BROKER } from '../../stack/kafka.js';
import type { Message } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { migrate } from '../../sink/migrate.js';
import type { RoleNames } from '../../sink/roles.js';
import { db } from '../../stack/world.js';
import { closeDb, openDb, type Db } from '../../lib/postgres/db.js';
import { DATABASE_URL } from '../../stack/postgres.js';
import type { World } from '../../stack/world.js';

export { db, newWorld, sqs, type World } from '../../stack/world.js';
export { DATABASE_URL } from '../../stack/postgres.js';
export { spawnLoginpipe, startLoginpipe, type LoginpipeProcess } from '../../stack/loginpipe-process.js';
export { waitUntil } from '../../lib/runtime/wait-until.js';

export const kafka = createKafka({ brokers: [KAFKA_BROKER], clientId: 'loginpipe-test' }, createLogger({ level: 'error' }), 'test');

/** Creates the world's topics as the services would, for tests that produce before any starts. */
export async function createTopics(world: World, rawConfig: { name: string; value: string }[] = []): Promise<void> {
  const specs = pipelineTopicSpecs({
    rawTopic: world.env.RAW_TOPIC!, cleanTopic: world.env.CLEAN_TOPIC!, dlqTopic: world.env.DLQ_TOPIC!, topicPartitions: 4, replicationFactor: 1,
  });
  if (rawConfig.length > 0) specs[0]!.configEntries = rawConfig;
  await withAdmin(kafka, (admin) => ensureTopics(admin, specs));
}

/** Writes records to any topic, for tests that put there what no service would. */
export async function produce(topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Writes records to the raw topic as the connector would: keyed and headed by message id. */
export async function produceRaw(world: World, events: { id: string; body: string | Buffer }[]): Promise<void> {
  await produce(world.env.RAW_TOPIC!, events.map((e) => ({
    key: e.id, value: e.body, headers: { [HEADER_MESSAGE_ID]: e.id, [HEADER_SENT_TIMESTAMP]: String(Date.now()) },
  })));
}

/** Whether the processor group has committed every raw record written so far. */
export async function rawFullyProcessed(world: World): Promise<boolean> {
  return withAdmin(kafka, async (admin) => {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(world.env.RAW_TOPIC!),
      admin.fetchOffsets({ groupId: world.env.PROCESSOR_GROUP_ID!, topics: [world.env.RAW_TOPIC!] }),
    ]);
    return ends.every((e) => committed[0]?.partitions.find((p) => p.partition === e.partition)?.offset === e.high || e.high === '0');
  });
}

/**
 * Roles of least privilege for one test (sink/roles.ts), made by migrate --roles in `schema`:
 * names of their own (roles are shared by the whole server), and URLs that log in as each (the
 * local Postgres trusts local connections). `drop` removes the schema, then the roles.
 */
export interface LeastPrivilege {
  roles: RoleNames;
  sinkUrl: string;
  piiUrl: string;
  ownerUrl: string;
  drop(): Promise<void>;
}

export async function leastPrivilege(schema: string): Promise<LeastPrivilege> {
  const tag = randomUUID().replace(/-/g, '').slice(0, 10);
  const roles: RoleNames = { owner: `lp_owner_${tag}`, sink: `lp_sink_${tag}`, pii: `lp_pii_${tag}` };
  await migrate(db, schema, roles);
  const as = (role: string) => {
    const url = new URL(DATABASE_URL);
    url.username = role;
    return url.toString();
  };
  return {
    roles,
    sinkUrl: as(roles.sink),
    piiUrl: as(roles.pii),
    ownerUrl: as(roles.owner),
    async drop() {
      await db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [schema]);
      const names = [roles.owner, roles.sink, roles.pii];
      // DROP OWNED takes back the grants on the database too; then the roles can go.
      await db.none('DROP OWNED BY $1:name, $2:name, $3:name', names);
      await db.none('DROP ROLE IF EXISTS $1:name, $2:name, $3:name', names);
    },
  };
}

/**
 * Runs `fn` on `schema` migrated with roles of its own (leastPrivilege), with a pool that logs in
 * as `role`; closes the pool and drops the schema and the roles afterwards, whether `fn` passed or not.
 */
export async function asRole(schema: string, role: 'sink' | 'pii', poolSize: number, fn: (pool: Db, lp: LeastPrivilege) => Promise<void>): Promise<void> {
  const lp = await leastPrivilege(schema);
  const pool = openDb(role === 'sink' ? lp.sinkUrl : lp.piiUrl, poolSize);
  try {
    await fn(pool, lp);
  } finally {
    await closeDb(pool);
    await lp.drop();
  }
}
