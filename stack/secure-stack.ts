// `loginpipe stack up --secure`: the local stack the way production runs it, beside the plain one.
//   Kafka     a broker of its own (stack/secure-kafka.ts) on SASL_SSL only, with KRaft's
//             StandardAuthorizer denying whatever no ACL allows; one SCRAM user per service,
//             granted exactly `loginpipe acls` (lib/kafka/acls.ts), and an admin super user that
//             created the topics and the ACLs.
//   Registry  the local Apicurio behind an HTTPS proxy with a private CA that wants Basic auth.
//   Postgres  the schema loginpipe_secure, made by `migrate --roles`: the sink logs in as the
//             insert-only role.
// Each service gets a settings file, .stack/secure/<service>.env, with its own credentials (as
// *_FILE settings pointing at files beside it), and admin.env has the admin's for the operator
// commands. Everything lives in .stack/secure/ and is made afresh when anything is missing, so
// `up` is idempotent; `down` (and `loginpipe stack down`) stops the broker and the proxy.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { createKafka, ensureTopics, pipelineTopicSpecs, withAdmin } from '../lib/kafka/client.js';
import { applyAcls, serviceAcls, type AclNames } from '../lib/kafka/acls.js';
import { createLogger } from '../lib/observability/log.js';
import { createSqsClient } from '../lib/sqs/client.js';
import { openDb, closeDb } from '../lib/postgres/db.js';
import { waitUntil } from '../lib/runtime/wait-until.js';
import { loadSettings } from '../lib/runtime/config.js';
import { kafkaSettings } from '../lib/runtime/settings.js';
import { migrate } from '../sink/migrate.js';
import { transactionalIdPrefix } from '../processor/transactional-id.js';
import { SQS_ENDPOINT } from './elasticmq.js';
import { DATABASE_URL } from './postgres.js';
import { STACK_DIR, REPO_DIR } from './paths.js';
import { findPid, launchDetached, stopPid, tail } from './process.js';
import { secureKafkaPid, startSecureKafka, stopSecureKafkaIn } from './secure-kafka.js';
import { tcpOpen } from './wait.js';

export const SECURE_DIR = join(STACK_DIR, 'secure');
const KAFKA_DIR = join(SECURE_DIR, 'kafka');
const PROXY_DIR = join(SECURE_DIR, 'registry');
const HOST = '127.0.0.1';
/** Clear of the plain stack (9092, 8081), the tests' own brokers (19xxx, 29xxx) and docker-compose. */
export const SECURE_PORTS = { saslSsl: 39092, controller: 39093, mtls: 39094, registry: 38081 };
/** The certificates are made for two days; a stack older than one is made afresh. */
const MAX_AGE_MS = 24 * 3600 * 1000;
const PROXY_MARKER = '--loginpipe-service=registry-proxy';

export const SECURE_SERVICES = ['connector', 'processor', 'sink'] as const;
export type SecureService = (typeof SECURE_SERVICES)[number];

/** The names the secure stack grants: the defaults, so its ACLs read like the docs' table. */
export const SECURE_NAMES: AclNames = {
  rawTopic: 'logins.raw',
  cleanTopic: 'logins.clean',
  dlqTopic: 'logins.dlq',
  processorGroup: 'loginpipe-processor',
  sinkGroup: 'loginpipe-sink',
  transactionalIdPrefix: transactionalIdPrefix('loginpipe-processor', 'logins.raw'),
  principals: { connector: 'User:loginpipe-connector', processor: 'User:loginpipe-processor', sink: 'User:loginpipe-sink' },
};
const ADMIN_USER = 'loginpipe-admin';
export const SECURE_SCHEMA = 'loginpipe_secure';
const QUEUE_NAME = 'login-queue-secure';
const ROLES = { owner: 'loginpipe_secure_owner', sink: 'loginpipe_secure_sink', pii: 'loginpipe_secure_pii' };
const HEALTH_PORTS: Record<SecureService, number> = { connector: 9411, processor: 9412, sink: 9413 };

export interface SecureStack {
  /** `.stack/secure/<name>.env` for each service, and `admin` for the operator commands. */
  envFiles: Record<SecureService | 'admin', string>;
  brokers: string;
  registryUrl: string;
  queueUrl: string;
  schema: string;
}

type Log = (line: string) => void;

const envFileOf = (name: SecureService | 'admin') => join(SECURE_DIR, `${name}.env`);
const info = (): SecureStack => ({
  envFiles: { connector: envFileOf('connector'), processor: envFileOf('processor'), sink: envFileOf('sink'), admin: envFileOf('admin') },
  brokers: `${HOST}:${SECURE_PORTS.saslSsl}`,
  registryUrl: `https://${HOST}:${SECURE_PORTS.registry}/apis/ccompat/v7`,
  queueUrl: `${SQS_ENDPOINT}/000000000000/${QUEUE_NAME}`,
  schema: SECURE_SCHEMA,
});

/** Reads a settings file the way `set -a; . file` would (its values hold no spaces or quotes). */
export async function readEnvFile(file: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

async function runningAndFresh(): Promise<boolean> {
  const [kafka, proxy] = await Promise.all([secureKafkaPid(KAFKA_DIR), proxyPid()]);
  if (kafka === undefined || proxy === undefined) return false;
  if (!Object.values(info().envFiles).every((f) => existsSync(f))) return false;
  const made = await stat(envFileOf('admin')).then((s) => s.mtimeMs, () => 0);
  return Date.now() - made < MAX_AGE_MS;
}

/**
 * Brings the secure stack up beside the plain one (whose SQS server, registry and Postgres it
 * uses; the caller starts those). Returns where everything is.
 */
export async function secureStackUp(log: Log = () => {}): Promise<SecureStack> {
  if (await runningAndFresh()) {
    log(`the secure stack runs; settings in ${SECURE_DIR}`);
    return info();
  }
  await secureStackDown(log);
  await rm(SECURE_DIR, { recursive: true, force: true });
  await mkdir(SECURE_DIR, { recursive: true, mode: 0o700 });

  const password = () => randomBytes(18).toString('hex');
  const users = [ADMIN_USER, ...SECURE_SERVICES.map((s) => SECURE_NAMES.principals[s].replace(/^User:/, ''))].map((name) => ({ name, password: password() }));
  const secret = async (name: string, value: string) => {
    const file = join(SECURE_DIR, name);
    await writeFile(file, value, { mode: 0o600 });
    return file;
  };

  log(`starting the secure Kafka broker (SASL_SSL on ${HOST}:${SECURE_PORTS.saslSsl}, ACLs enforced)`);
  const { saslSsl, controller, mtls } = SECURE_PORTS;
  const broker = await startSecureKafka({
    dir: KAFKA_DIR, ports: { saslSsl, controller, mtls }, users,
    authorizer: { superUsers: [`User:${ADMIN_USER}`] }, detached: true,
  });

  log(`starting the registry proxy (https://${HOST}:${SECURE_PORTS.registry}, Basic auth)`);
  const proxy = await startProxy();

  const kafkaEnv = async (user: { name: string; password: string }) => ({
    KAFKA_BROKERS: broker.saslSslAddress,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: broker.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: user.name,
    KAFKA_SASL_PASSWORD_FILE: await secret(`${user.name}.kafka-password`, user.password),
  });
  const [admin, connector, processor, sink] = users as [typeof users[0], typeof users[0], typeof users[0], typeof users[0]];
  const adminKafka = await kafkaEnv(admin);

  log('creating the topics and granting each service its ACLs, as the admin');
  // The admin's settings read as every service reads its own; their topic defaults are SECURE_NAMES'.
  const adminCfg = loadSettings(kafkaSettings, adminKafka);
  const kafka = createKafka(adminCfg, createLogger({ level: 'silent' }), 'secure-stack');
  await withAdmin(kafka, async (a) => {
    await ensureTopics(a, pipelineTopicSpecs(adminCfg));
    const missing = await applyAcls(a, serviceAcls(SECURE_NAMES));
    if (missing.length > 0) throw new Error(`the secure broker did not keep ${missing.length} ACLs`);
  });

  log(`creating schema ${SECURE_SCHEMA} with the owner, insert-only sink and PII roles`);
  const db = openDb(DATABASE_URL, 1);
  try {
    // A new secure stack starts from an empty schema, as its broker and users are new: one that an
    // earlier checkout's migrations made (other versions of them, on a shared Postgres) is dropped.
    await db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [SECURE_SCHEMA]);
    await migrate(db, SECURE_SCHEMA, ROLES);
  } finally {
    await closeDb(db);
  }
  const sqs = createSqsClient({ endpoint: SQS_ENDPOINT, region: 'us-east-1' });
  try {
    await sqs.send(new CreateQueueCommand({ QueueName: QUEUE_NAME, Attributes: { VisibilityTimeout: '30' } }));
  } finally {
    sqs.destroy();
  }

  const where = info();
  const registry = {
    SCHEMA_REGISTRY_URL: proxy.url,
    SCHEMA_REGISTRY_SSL_CA_FILE: proxy.caFile,
    SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE: await secret('registry-user-info', proxy.userInfo),
  };
  const sqsEnv = { SQS_QUEUE_URL: where.queueUrl, SQS_ENDPOINT, AWS_REGION: 'us-east-1' };
  const database = (role: string) => ({ DATABASE_URL: `postgres://${role}@${HOST}:5432/loginpipe`, DATABASE_SCHEMA: SECURE_SCHEMA });
  const hmacKey = { PII_HMAC_KEY_FILE: await secret('pii-hmac.key', randomBytes(32).toString('base64')) };
  const health = { CONNECTOR_HEALTH_PORT: String(HEALTH_PORTS.connector), PROCESSOR_HEALTH_PORT: String(HEALTH_PORTS.processor), SINK_HEALTH_PORT: String(HEALTH_PORTS.sink) };
  const files: Record<SecureService | 'admin', Record<string, string>> = {
    connector: { ...(await kafkaEnv(connector)), ...sqsEnv, CONNECTOR_HEALTH_PORT: health.CONNECTOR_HEALTH_PORT },
    processor: { ...(await kafkaEnv(processor)), ...registry, ...hmacKey, PROCESSOR_HEALTH_PORT: health.PROCESSOR_HEALTH_PORT },
    sink: { ...(await kafkaEnv(sink)), ...registry, ...database(ROLES.sink), SINK_HEALTH_PORT: health.SINK_HEALTH_PORT },
    // The operator's: status, tail, dlq and `acls --apply` as the admin; the PII commands as the PII role.
    admin: { ...adminKafka, ...registry, ...sqsEnv, ...database(ROLES.pii), ...health, DATABASE_OWNER_ROLE: ROLES.owner, DATABASE_SINK_ROLE: ROLES.sink, DATABASE_PII_ROLE: ROLES.pii },
  };
  for (const [name, env] of Object.entries(files)) {
    const file = envFileOf(name as SecureService | 'admin');
    await writeFile(file, `# loginpipe ${name} on the secure local stack (\`loginpipe stack up --secure\`); use with: set -a; . ${file}; set +a\n`
      + Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  }
  log(`settings for each service in ${SECURE_DIR}/{connector,processor,sink,admin}.env`);
  return where;
}

/** Stops the secure broker and the registry proxy, if they run. */
export async function secureStackDown(log: Log = () => {}): Promise<void> {
  const kafka = await secureKafkaPid(KAFKA_DIR);
  if (kafka !== undefined) {
    log(`stopping the secure Kafka broker (pid ${kafka})`);
    await stopSecureKafkaIn(KAFKA_DIR);
  }
  const proxy = await proxyPid();
  if (proxy !== undefined) {
    log(`stopping the registry proxy (pid ${proxy})`);
    await stopPid(proxy, [PROXY_MARKER, PROXY_DIR], { graceMs: 5_000 });
  }
}

export interface SecureStatus { name: string; up: boolean; address: string; pid?: number }

/** Nothing when the secure stack was never made here. */
export async function secureStackStatus(): Promise<SecureStatus[]> {
  if (!existsSync(SECURE_DIR)) return [];
  const where = info();
  const [kafka, proxy] = await Promise.all([secureKafkaPid(KAFKA_DIR), proxyPid()]);
  const with_ = (s: SecureStatus, pid: number | undefined) => (pid === undefined ? s : { ...s, pid });
  return [
    with_({ name: 'kafka (secure)', up: await tcpOpen(HOST, SECURE_PORTS.saslSsl), address: where.brokers }, kafka),
    with_({ name: 'registry (secure)', up: await tcpOpen(HOST, SECURE_PORTS.registry), address: where.registryUrl }, proxy),
  ];
}

const proxyPidFile = join(PROXY_DIR, 'proxy.pid');
const proxyPid = () => findPid(proxyPidFile, [PROXY_MARKER, PROXY_DIR]);

async function startProxy(): Promise<{ url: string; caFile: string; userInfo: string }> {
  if (await tcpOpen(HOST, SECURE_PORTS.registry)) throw new Error(`port ${SECURE_PORTS.registry} is taken; the secure stack's registry proxy needs it`);
  await mkdir(PROXY_DIR, { recursive: true });
  const logFile = join(PROXY_DIR, 'proxy.log');
  const main = join(REPO_DIR, 'dist', 'stack', 'registry-proxy-main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build first (npm run build)`);
  await launchDetached({ command: process.execPath, args: [main, PROXY_MARKER, PROXY_DIR, String(SECURE_PORTS.registry)], logFile, pidFile: proxyPidFile });
  const infoFile = join(PROXY_DIR, 'proxy.json');
  await waitUntil(() => existsSync(infoFile), {
    timeoutMs: 20_000, intervalMs: 100, what: 'the registry proxy to start',
    failIf: async () => ((await proxyPid()) === undefined ? `it exited; its log ends:\n${await tail(logFile, 10)}` : undefined),
  });
  await chmod(infoFile, 0o600);
  return JSON.parse(await readFile(infoFile, 'utf8')) as { url: string; caFile: string; userInfo: string };
}
