// Postgres is the machine's own server (Debian's cluster tools), not a process of ours:
// `stack up` starts it only if it is down and creates the loginpipe database, `stack down`
// leaves it running, and the fault tests stop and start it through pg_ctlcluster.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import pgPromise from 'pg-promise';
import type { Log, LocalService } from './service.js';
import { probe } from './wait.js';
import { waitUntil } from '../lib/runtime/wait-until.js';

const HOST = '127.0.0.1';
const PORT = 5432;
const USER = 'postgres';
export const DATABASE = 'loginpipe';
export const DATABASE_URL = `postgres://${USER}@${HOST}:${PORT}/${DATABASE}`;
const CLUSTER_NAME = 'main';

const run = promisify(execFile);
const pgp = pgPromise({ noWarnings: true });
const connection = (database: string) => ({ host: HOST, port: PORT, user: USER, database, connectionTimeoutMillis: 2000 });
const maintenanceDb = pgp(connection('postgres'));
const appDb = pgp(connection(DATABASE));

type Db = typeof appDb;
type Connection = Awaited<ReturnType<Db['connect']>>;

/** A direct, unpooled connection: no idle pool socket keeps the caller's process alive. */
async function withConnection<T>(db: Db, fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await db.connect({ direct: true });
  try {
    return await fn(c);
  } finally {
    await c.done();
  }
}

const selectOne = (db: Db) => withConnection(db, async (c) => (await c.one('SELECT 1 AS ok')).ok === 1);

/** The Debian cluster to start and stop: the newest installed version, cluster "main". */
function installedVersion(): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync('/etc/postgresql');
  } catch {
    return undefined;
  }
  return versions.filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
}

function clusterVersion(): string {
  const newest = installedVersion();
  if (newest === undefined) {
    throw new Error(
      `there is no Debian PostgreSQL cluster in /etc/postgresql for pg_ctlcluster; start or stop the PostgreSQL server on ${HOST}:${PORT} yourself`,
    );
  }
  return newest;
}

async function pgCtlCluster(action: 'start' | 'stop', extra: string[] = []): Promise<void> {
  const version = clusterVersion();
  try {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, CLUSTER_NAME, action, ...extra]);
  } catch (err) {
    const out = err as { stdout?: string; stderr?: string; message: string };
    const text = `${out.stdout ?? ''}${out.stderr ?? ''}`.trim();
    // Asking for the state it is already in is not a failure.
    if (/already running|is not running/i.test(text)) return;
    throw new Error(`pg_ctlcluster ${version} ${CLUSTER_NAME} ${action} failed: ${text || out.message}`);
  }
}

/** Creates the loginpipe database if the server has none yet (a machine where `stack up` never ran). */
export async function ensureDatabase(log: Log): Promise<void> {
  const exists = await withConnection(maintenanceDb, (c) =>
    c.oneOrNone('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]),
  );
  if (exists !== null) return;
  try {
    await withConnection(maintenanceDb, (c) => c.none('CREATE DATABASE $1:name', [DATABASE]));
    log(`created database ${DATABASE}`);
  } catch (err) {
    // Another process created it between our check and our CREATE.
    if ((err as { code?: string }).code !== '42P04') throw err;
  }
}

async function serverPid(): Promise<number | undefined> {
  const version = installedVersion();
  if (version === undefined) return undefined;
  const text = await readFile(`/run/postgresql/${version}-${CLUSTER_NAME}.pid`, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export const postgres: LocalService = {
  name: 'postgres',
  address: DATABASE_URL,
  logFile: `/var/log/postgresql/postgresql-${installedVersion() ?? '<version>'}-${CLUSTER_NAME}.log`,
  startTimeoutMs: 60_000,
  ownedByStack: false,
  answers: () => selectOne(appDb),
  async pid() {
    return (await selectOne(maintenanceDb).catch(() => false)) ? serverPid() : undefined;
  },
  async launch(log) {
    if (!(await selectOne(maintenanceDb).catch(() => false))) {
      log(`starting the machine's PostgreSQL (pg_ctlcluster ${clusterVersion()} ${CLUSTER_NAME} start)`);
      await pgCtlCluster('start');
      await waitUntil(() => probe(() => selectOne(maintenanceDb)), { timeoutMs: 30_000, what: `PostgreSQL, once started, to accept connections on ${HOST}:${PORT}` });
    }
    await ensureDatabase(log);
  },
  alive: async () => true,
  async stop(opts) {
    // immediate = no checkpoint, clients cut off: the closest pg_ctl gets to a crash.
    await pgCtlCluster('stop', ['-m', opts.kill ? 'immediate' : 'fast']);
  },
};
