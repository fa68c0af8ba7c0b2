// `loginpipe demo`: the whole pipeline on the local stack, end to end, in one command.
import { randomBytes } from 'node:crypto';
import { stackUp } from '../stack/stack.js';
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

export async function demo(out: (line: string) => void): Promise<number> {
  out('starting the local stack (Kafka, ElasticMQ, Apicurio Registry, Postgres)...');
  for (const s of await stackUp({ log: (l) => out(`  ${l}`) })) out(`  ${s.name.padEnd(9)} ${s.address}`);

  if (!process.env.PII_HMAC_KEY && !process.env.PII_HMAC_KEY_FILE) {
    process.env.PII_HMAC_KEY = randomBytes(32).toString('base64');
    out('PII_HMAC_KEY is not set: this demo uses a throwaway key, so its masks match no other run.');
    out('  For real use, make a key with `openssl rand -base64 32` and keep it secret.');
  }
  process.env.LOG_LEVEL ??= 'warn';
  // The SDK's notice that it will want Node 22 from 2027 is for operators (see the README), not
  // for a first look at the pipeline.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const db = loadSettings(databaseSettings);
  const pg = openDb(db, 2);
  await migrate(pg, db.databaseSchema);

  const { sent, ids, queueUrl } = await seed({ count: SAMPLE_SIZE, malformedShare: MALFORMED_SHARE, seed: Date.now() % 2 ** 31 });
  const validIds = ids.filter((_, i) => sent[i]?.expectedCode === undefined);
  const badIds = new Set(ids.filter((_, i) => sent[i]?.expectedCode !== undefined));
  out(`seeded ${sent.length} logins into ${queueUrl}: ${validIds.length} valid, ${badIds.size} malformed`);

  const log = createLogger({ level: loadSettings(runtimeSettings).logLevel });
  const services = [];
  for (const s of prepare(['connector', 'processor', 'sink'])) services.push(await s.start(log));
  out('pipeline running: connector -> processor -> sink');

  const started = Date.now();
  const kcfg = loadSettings(kafkaSettings);
  const kafka = createKafka(kcfg, log, 'demo');
  const sqs = createSqsClient(loadSettings(sqsSettings));
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
    out(`inspect the dead letters with: kcat -b ${kcfg.brokers[0]} -C -t ${kcfg.dlqTopic} -J -e`);
    return 0;
  } finally {
    await Promise.allSettled(services.map((s) => s.stop()));
    sqs.destroy();
    closeAllDbs();
  }
}
