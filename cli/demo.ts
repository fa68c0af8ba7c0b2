// `loginpipe demo [--secure]`: the whole pipeline on the local stack, end to end, in one command.
// With --secure, on the secure stack (stack/secure-stack.ts): each service a process of its own,
// started from its .stack/secure/<service>.env, as its own Kafka principal.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { secureUp, stackUp } from '../stack/stack.js';
import { readEnvFile } from '../stack/secure-stack.js';
import { spawnLoginpipe } from '../stack/loginpipe-process.js';
import { DATABASE_URL } from '../stack/postgres.js';
import { createLogger } from '../lib/observability/log.js';
import { loadSettings } from '../lib/runtime/config.js';
import { kafkaSettings, runtimeSettings } from '../lib/runtime/settings.js';
import { createKafka } from '../lib/kafka/client.js';
import { readTopicUntil, type ReadRecord } from '../lib/kafka/topic-reader.js';
import { openDb, closeAllDbs } from '../lib/postgres/db.js';
import { createSqsClient, queueDepth } from '../lib/sqs/client.js';
import { sqsSettings } from '../connector/config.js';
import { databaseSettings } from '../sink/config.js';
import { migrate } from '../sink/migrate.js';
import { prepare } from './serve.js';
import { seed } from './seed.js';
import { waitUntil } from '../lib/runtime/wait-until.js';
import { HEADER_ERROR_CODE, HEADER_MESSAGE_ID } from '../lib/records/headers.js';

const SAMPLE_SIZE = 100;
const MALFORMED_SHARE = 0.1;
const DEADLINE_MS = 120_000;
/** One pool for the demo's migrate and queries: openDb keys pools by size too. */
const POOL_SIZE = 2;

/** Where the demo runs: the settings it reads the outcome with, and how the services start. */
interface DemoTarget {
  /** Queue, topics, database as the demo looks at them (the Kafka admin's, on the secure stack). */
  env: NodeJS.ProcessEnv;
  startServices(): Promise<{ stop(): Promise<unknown> }[]>;
}

async function plainTarget(out: (line: string) => void): Promise<DemoTarget> {
  out('starting the local stack (Kafka, ElasticMQ, Apicurio Registry, Postgres)...');
  for (const s of await stackUp({ log: (l) => out(`  ${l}`) })) out(`  ${s.name.padEnd(9)} ${s.address}`);
  if (!process.env.PII_HMAC_KEY && !process.env.PII_HMAC_KEY_FILE) {
    process.env.PII_HMAC_KEY = randomBytes(32).toString('base64');
    out('PII_HMAC_KEY is not set: this demo uses a throwaway key, so its masks match no other run.');
    out('  For real use, make a key with `openssl rand -base64 32` and keep it secret.');
  }
  const db = loadSettings(databaseSettings);
  await migrate(openDb(db, POOL_SIZE), db.databaseSchema);
  return {
    env: process.env,
    async startServices() {
      const log = createLogger({ level: loadSettings(runtimeSettings).logLevel });
      const services = [];
      for (const s of prepare(['connector', 'processor', 'sink'])) services.push(await s.start(log));
      return services;
    },
  };
}

async function secureTarget(out: (line: string) => void): Promise<DemoTarget> {
  out('starting the secure local stack (Kafka with SASL_SSL and ACLs, the registry behind TLS and auth, Postgres roles)...');
  const { services, secure } = await secureUp({ log: (l) => out(`  ${l}`) });
  for (const s of services) out(`  ${s.name.padEnd(9)} ${s.address}`);
  out(`  kafka     ${secure.brokers} (secure)`);
  out(`  registry  ${secure.registryUrl} (secure)`);
  const admin = await readEnvFile(secure.envFiles.admin);
  // The services log at info, which is how `started` knows they are up; the demo shows their
  // lines from its own LOG_LEVEL (warn by default) up.
  const level = process.env.LOG_LEVEL ?? 'warn';
  const shownFrom = level === 'silent' ? Infinity : (pino.levels.values[level] ?? pino.levels.values.warn!);
  return {
    // The rows are read as the machine's superuser: the sink's role may not read them, by design.
    env: { ...admin, DATABASE_URL },
    async startServices() {
      const started = [];
      for (const kind of ['sink', 'processor', 'connector'] as const) {
        const env = await readEnvFile(secure.envFiles[kind]);
        out(`  ${kind} as ${env.KAFKA_SASL_USERNAME}${env.DATABASE_URL ? `, Postgres role ${new URL(env.DATABASE_URL).username}` : ''} (${secure.envFiles[kind]})`);
        const proc = spawnLoginpipe(kind, { ...env, LOG_LEVEL: 'info', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, {}, (line) => {
          const level = Number(/^\{"level":(\d+)/.exec(line)?.[1] ?? 0);
          if (level >= shownFrom) process.stdout.write(`${line}\n`);
        });
        proc.child.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
        started.push(proc);
        await proc.started;
      }
      return started;
    },
  };
}

export async function demo(out: (line: string) => void, secure = false): Promise<number> {
  process.env.LOG_LEVEL ??= 'warn';
  // The SDK's notice that it will want Node 22 from 2027 is for operators (see the README), not
  // for a first look at the pipeline.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const target = secure ? await secureTarget(out) : await plainTarget(out);
  const db = loadSettings(databaseSettings, target.env);
  const pg = openDb(db, POOL_SIZE);

  const { sent, ids, queueUrl } = await seed({ count: SAMPLE_SIZE, malformedShare: MALFORMED_SHARE, seed: Date.now() % 2 ** 31 }, target.env);
  const validIds = ids.filter((_, i) => sent[i]?.expectedCode === undefined);
  const badIds = new Set(ids.filter((_, i) => sent[i]?.expectedCode !== undefined));
  out(`seeded ${sent.length} logins into ${queueUrl}: ${validIds.length} valid, ${badIds.size} malformed`);

  const services = await target.startServices();
  out('pipeline running: connector -> processor -> sink');

  const started = Date.now();
  const kcfg = loadSettings(kafkaSettings, target.env);
  const kafka = createKafka(kcfg, createLogger({ level: loadSettings(runtimeSettings, target.env).logLevel }), 'demo');
  const sqs = createSqsClient(loadSettings(sqsSettings, target.env));
  const table = `"${db.databaseSchema}".user_logins`;
  try {
    // The dead-letter topic may hold earlier runs' records too: only this run's count.
    const ours = (recs: ReadRecord[]) => recs.filter((r) => badIds.has(r.headers[HEADER_MESSAGE_ID] ?? ''));
    const dead = ours(await readTopicUntil(kafka, kcfg.dlqTopic, (recs) => ours(recs).length >= badIds.size, { timeoutMs: DEADLINE_MS }));
    let landed = 0;
    await waitUntil(async () => {
      landed = (await pg.one(`SELECT count(*)::int AS n FROM ${table} WHERE event_id = ANY($1)`, [validIds])).n as number;
      const depth = await queueDepth(sqs, queueUrl);
      return landed === validIds.length && depth.visible + depth.inFlight === 0;
    }, { timeoutMs: Math.max(0, DEADLINE_MS - (Date.now() - started)), intervalMs: 250, what: `all ${validIds.length} rows to land`, state: () => ({ landed }) });
    out(`\nall landed in ${((Date.now() - started) / 1000).toFixed(1)} s; the queue is empty.`);
    out(`  ${landed} rows in ${table}`);
    const reasons = new Map<string, number>();
    for (const r of dead) {
      const code = r.headers[HEADER_ERROR_CODE] ?? '?';
      reasons.set(code, (reasons.get(code) ?? 0) + 1);
    }
    out(`  ${dead.length} events in dead-letter topic ${kcfg.dlqTopic}:`);
    for (const [code, n] of [...reasons].sort((a, b) => b[1] - a[1])) out(`    ${String(n).padStart(4)}  ${code}`);

    const rows = await pg.any(`SELECT event_id, user_id, device_type, left(masked_ip, 16) || '…' AS masked_ip,
      left(masked_device_id, 16) || '…' AS masked_device_id, locale, app_version, "${db.databaseSchema}".app_version_text(app_version) AS version, create_date::text
      FROM ${table} WHERE event_id = ANY($1) ORDER BY user_id LIMIT 5`, [validIds]);
    out('\na few rows:');
    console.table(rows);
    // kcat speaks SASL_SSL too: the admin's settings, spelled as librdkafka wants them. PLAIN
    // (inside TLS): Debian 12's kcat (librdkafka 2.0.2) fails SCRAM against this broker, which
    // kafkajs passes with the same user; the secure broker offers both.
    const sasl = secure && target.env.KAFKA_SASL_PASSWORD_FILE
      ? ` -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN -X sasl.username=${kcfg.kafkaSaslUsername} -X sasl.password="$(cat ${target.env.KAFKA_SASL_PASSWORD_FILE})" -X ssl.ca.location=${target.env.KAFKA_SSL_CA_FILE}`
      : '';
    out(`inspect the dead letters with: kcat -b ${kcfg.brokers[0]}${sasl} -C -t ${kcfg.dlqTopic} -J -e`);
    return 0;
  } finally {
    await Promise.allSettled(services.map((s) => s.stop()));
    sqs.destroy();
    closeAllDbs();
  }
}
