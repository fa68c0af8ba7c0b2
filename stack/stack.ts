// Local Kafka, SQS (ElasticMQ), Schema Registry (Apicurio) and Postgres for development and
// tests, without Docker. Used by `loginpipe stack up|down|status` and by integration tests.
// Every entry point is idempotent and holds the stack lock, so a CLI and a test run can
// overlap without starting anything twice.
import { PipelineError, errorMessage } from '../lib/runtime/errors.js';
import { elasticmq } from './elasticmq.js';
import { kafkaBroker } from './kafka.js';
import { withStackLock } from './lock.js';
import { ensureJars } from './maven.js';
import { shown } from './paths.js';
import { postgres } from './postgres.js';
import { tail } from './process.js';
import { registry } from './registry.js';
import { secureStackDown, secureStackUp, type SecureStack } from './secure-stack.js';
import type { Log, LocalService, ServiceName, ServiceStatus } from './service.js';
import { probe } from './wait.js';
import { WaitFailed, waitUntil } from '../lib/runtime/wait-until.js';

export { STACK_DIR } from './paths.js';
export type { ServiceName, ServiceStatus } from './service.js';

const SERVICES: Record<ServiceName, LocalService> = { kafka: kafkaBroker, sqs: elasticmq, registry, postgres };
const ALL = Object.keys(SERVICES) as ServiceName[];

const quiet: Log = () => {};

/** Starts whatever is not answering yet and waits until every service answers. */
export async function stackUp(opts: { log?: Log } = {}): Promise<ServiceStatus[]> {
  const log = opts.log ?? quiet;
  return withStackLock(async () => {
    await ensureJars(log);
    // In parallel: the JVMs take seconds each to start and do not depend on one another.
    const results = await Promise.allSettled(ALL.map((name) => bringUp(SERVICES[name], log)));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [errorMessage(r.reason)] : []));
    if (failures.length > 0) throw new PipelineError('stack_unavailable', failures.join('\n\n'));
    return Promise.all(ALL.map((name) => statusOf(SERVICES[name])));
  });
}

/** The plain stack, then the secure one beside it (stack/secure-stack.ts), which uses its SQS server, registry and Postgres. */
export async function secureUp(opts: { log?: Log } = {}): Promise<{ services: ServiceStatus[]; secure: SecureStack }> {
  const services = await stackUp(opts);
  const secure = await withStackLock(() => secureStackUp(opts.log ?? quiet));
  return { services, secure };
}

/** Stops the services stackUp started, and the secure stack's. The machine's Postgres keeps running. */
export async function stackDown(opts: { log?: Log } = {}): Promise<void> {
  const log = opts.log ?? quiet;
  await withStackLock(async () => {
    await secureStackDown(log);
    await Promise.all(
      ALL.map(async (name) => {
        const svc = SERVICES[name];
        if (!svc.ownedByStack) return;
        const pid = await svc.pid();
        if (pid === undefined) {
          if (await probe(svc.answers)) log(`${name} answers at ${svc.address} but was not started by loginpipe; left running`);
          return;
        }
        log(`stopping ${name} (pid ${pid})`);
        await svc.stop({});
      }),
    );
  });
}

export async function stackStatus(): Promise<ServiceStatus[]> {
  return Promise.all(ALL.map((name) => statusOf(SERVICES[name])));
}

/** Stops one service, for fault tests. `kill` makes it a crash (SIGKILL, or an immediate
 *  Postgres shutdown) instead of a clean stop. */
export async function stopLocalService(name: ServiceName, opts: { kill?: boolean } = {}): Promise<void> {
  await withStackLock(() => SERVICES[name].stop(opts));
}

/**
 * Freezes one service with SIGSTOP, for fault tests: its sockets stay open and the kernel keeps
 * accepting connections for it, but nothing answers, as behind a network partition. `thaw` undoes it.
 */
export async function freezeLocalService(name: ServiceName): Promise<number> {
  const pid = await SERVICES[name].pid();
  if (pid === undefined) throw new Error(`${name} is not running: nothing to freeze`);
  process.kill(pid, 'SIGSTOP');
  return pid;
}

/** SIGCONT to a service frozen by freezeLocalService. */
export function thawLocalService(pid: number): void {
  process.kill(pid, 'SIGCONT');
}

/** Starts one service again and waits until it answers. */
export async function startLocalService(name: ServiceName, opts: { log?: Log } = {}): Promise<void> {
  const log = opts.log ?? quiet;
  await withStackLock(async () => {
    if (SERVICES[name].ownedByStack) await ensureJars(log);
    await bringUp(SERVICES[name], log);
  });
}

async function bringUp(svc: LocalService, log: Log): Promise<void> {
  if (await probe(svc.answers)) return;
  const started = Date.now();
  log(`starting ${svc.name}`);
  try {
    await svc.launch(log);
  } catch (err) {
    throw new Error(`${svc.name} could not be started: ${errorMessage(err)}`, { cause: err });
  }
  let what: string;
  try {
    await waitUntil(() => probe(svc.answers), {
      timeoutMs: svc.startTimeoutMs,
      intervalMs: 300,
      what: `${svc.name} to answer at ${svc.address}`,
      failIf: async () => ((await svc.alive()) ? undefined : 'its process exited'),
    });
    log(`${svc.name} answers at ${svc.address} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return;
  } catch (err) {
    if (!(err instanceof WaitFailed)) throw err;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    what =
      err.reason === 'gave-up'
        ? `${svc.name} exited ${seconds} s after starting, without answering at ${svc.address}`
        : `${svc.name} did not answer at ${svc.address} within ${svc.startTimeoutMs / 1000} s` +
          (svc.ownedByStack ? ' (its process is left running; `loginpipe stack down` stops it)' : '');
  }
  const lastLines = await tail(svc.logFile, 15);
  throw new Error(`${what}; see ${shown(svc.logFile)}${lastLines ? `, which ends with:\n${lastLines}` : ''}`);
}

async function statusOf(svc: LocalService): Promise<ServiceStatus> {
  const [up, pid] = await Promise.all([probe(svc.answers), svc.pid().catch(() => undefined)]);
  const status: ServiceStatus = { name: svc.name, address: svc.address, up };
  if (pid !== undefined) status.pid = pid;
  if (!svc.ownedByStack) status.detail = up ? "the machine's server" : "the machine's server is not answering";
  else if (up && pid === undefined) status.detail = 'answers, but was not started by loginpipe';
  else if (up) status.detail = `log ${shown(svc.logFile)}`;
  else if (pid !== undefined) status.detail = `process ${pid} runs but does not answer; see ${shown(svc.logFile)}`;
  else status.detail = 'not running';
  return status;
}
