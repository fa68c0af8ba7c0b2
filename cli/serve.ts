// `loginpipe connector|processor|sink|run`: start services and run them until a signal.
import { ConfigError, loadSettings } from '../lib/runtime/config.js';
import { runtimeSettings } from '../lib/runtime/settings.js';
import { createLogger, type Logger } from '../lib/observability/log.js';
import { listenForStop, runUntilSignal, type Service } from '../lib/runtime/service.js';
import { closeAllDbs } from '../lib/postgres/db.js';
import { loadConnectorConfig } from '../connector/config.js';
import { loadProcessorConfig } from '../processor/config.js';
import { loadSinkConfig } from '../sink/config.js';
import { startConnector } from '../connector/index.js';
import { startProcessor } from '../processor/index.js';
import { startSink } from '../sink/index.js';
import { errorMessage } from '../lib/runtime/errors.js';
import { startHealthServer, type HealthServer } from '../lib/observability/health.js';
import { processMetrics } from '../lib/observability/metrics.js';

export type ServiceKind = 'connector' | 'processor' | 'sink';
export const SERVICE_KINDS: readonly ServiceKind[] = ['connector', 'processor', 'sink'];

export interface Starter {
  kind: ServiceKind;
  healthPort: number;
  start(log: Logger): Promise<Service>;
}

/** Parses every setting the chosen services need first, so a bad one stops us before any I/O. */
export function prepare(kinds: readonly ServiceKind[], env: NodeJS.ProcessEnv = process.env): Starter[] {
  const problems: string[] = [];
  const starters: Starter[] = [];
  // Downstream first, so that nothing upstream produces into a stage that is not there yet.
  for (const kind of [...kinds].reverse()) {
    try {
      if (kind === 'sink') { const c = loadSinkConfig(env); starters.push({ kind, healthPort: c.healthPort, start: (log) => startSink(c, log) }); }
      if (kind === 'processor') { const c = loadProcessorConfig(env); starters.push({ kind, healthPort: c.healthPort, start: (log) => startProcessor(c, log) }); }
      if (kind === 'connector') { const c = loadConnectorConfig(env); starters.push({ kind, healthPort: c.healthPort, start: (log) => startConnector(c, log) }); }
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const p of err.problems) if (!problems.includes(p)) problems.push(p);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return starters;
}

export async function serve(kinds: readonly ServiceKind[]): Promise<number> {
  const starters = prepare(kinds);
  const runtime = loadSettings(runtimeSettings);
  const log = createLogger({ level: runtime.logLevel });
  // Listened for before anything starts: a signal during start-up must stop what has started
  // cleanly, not kill the process with Node's default handler.
  const stop = listenForStop();
  const services: Service[] = [];
  const health: HealthServer[] = [];
  const closeAll = async () => {
    await Promise.allSettled(health.map((h) => h.close()));
    closeAllDbs();
  };
  try {
    for (const s of starters) {
      // Health first, so an orchestrator sees "alive, not ready" while a service connects.
      // Every health port serves the one registry of this process (with `run`, all three services').
      const h = await startHealthServer(s.kind, s.healthPort, log, processMetrics().registry);
      health.push(h);
      const service = await Promise.race([s.start(log), stop.requested.then(() => undefined)]);
      // Stopped while this one was starting (say, waiting out an outage): stop the started ones.
      if (service === undefined) break;
      h.attach(service);
      services.push(service);
    }
  } catch (err) {
    log.fatal({ err: errorMessage(err) }, 'could not start');
    await Promise.allSettled(services.map((s) => s.stop()));
    await closeAll();
    return 1;
  }
  const code = await runUntilSignal(services, { shutdownTimeoutMs: runtime.shutdownTimeoutMs, log, stop });
  await closeAll();
  return code;
}
