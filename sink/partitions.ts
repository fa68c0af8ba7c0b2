// Partition upkeep: user_logins has one partition per day (sink/sql/005_...), made ahead of time
// so that no insert waits for DDL or misses its partition, and dropped whole once older than the
// retention. The work is user_logins_upkeep's, in Postgres, under an advisory lock (several sinks
// and `migrate` may run it at once) and in one transaction (a caller killed half-way leaves
// nothing behind). Every sink runs it at start and hourly: with 14 days made ahead, upkeep can
// fail for two weeks before a row would go to the default partition.
import type { Db } from '../lib/postgres/db.js';
import type { Logger } from '../lib/observability/log.js';
import type { Metrics } from '../lib/observability/metrics.js';
import { errorMessage } from '../lib/runtime/errors.js';
import type { PartitionConfig } from './config.js';

export const UPKEEP_EVERY_MS = 60 * 60 * 1000;

export interface UpkeepResult {
  created: string[];
  dropped: string[];
  /** Rows in the partitions dropped, and rows of the default partition deleted as expired. */
  expiredRows: number;
  /** Rows in the default partition: dated on a day no partition covers. */
  defaultRows: number;
  /** The days the partitions cover, [firstDay, endDay) as YYYY-MM-DD; firstDay undefined: no lower bound. */
  firstDay: string | undefined;
  endDay: string;
}

interface UpkeepRow {
  created: string[]; dropped: string[]; dropped_rows: string; default_rows: string; default_expired: string;
  first_day: string | null; end_day: string;
}

/** One upkeep run: partitions made through today + aheadDays, expired ones dropped. */
export async function runUpkeep(db: Db, schema: string, cfg: PartitionConfig): Promise<UpkeepResult> {
  const r = await db.one<UpkeepRow>(`SELECT created, dropped, dropped_rows, default_rows, default_expired,
      to_char(first_day, 'YYYY-MM-DD') AS first_day, to_char(end_day, 'YYYY-MM-DD') AS end_day
    FROM $1:name.user_logins_upkeep($2, $3)`, [schema, cfg.partitionsAhead, cfg.retentionDays]);
  return {
    created: r.created, dropped: r.dropped, expiredRows: Number(r.dropped_rows) + Number(r.default_expired),
    defaultRows: Number(r.default_rows), firstDay: r.first_day ?? undefined, endDay: r.end_day,
  };
}

/** Whether a row's create_date (YYYY-MM-DD) falls on a day the partitions cover. */
export function coveredBy(result: Pick<UpkeepResult, 'firstDay' | 'endDay'>, createDate: string): boolean {
  return (result.firstDay === undefined || createDate >= result.firstDay) && createDate < result.endDay;
}

/** Logs and counts one run: a dropped partition is an audit line of its own. */
export function recordUpkeep(log: Logger, metrics: Metrics, schema: string, r: UpkeepResult): void {
  metrics.userLoginsPartitions.inc({ action: 'created' }, r.created.length);
  metrics.userLoginsPartitions.inc({ action: 'dropped' }, r.dropped.length);
  metrics.userLoginsRowsExpired.inc(r.expiredRows);
  metrics.userLoginsDefaultRows.set(r.defaultRows);
  if (r.created.length > 0) log.info({ schema, partitions: r.created }, 'user_logins partitions made');
  for (const partition of r.dropped) log.warn({ schema, partition }, 'user_logins partition dropped: older than USER_LOGINS_RETENTION_DAYS');
  if (r.expiredRows > 0) log.warn({ schema, rows: r.expiredRows }, 'user_logins rows expired under USER_LOGINS_RETENTION_DAYS');
  if (r.defaultRows > 0) log.warn({ schema, rows: r.defaultRows }, 'user_logins default partition holds rows dated outside the made partitions');
}

/**
 * Runs upkeep now and then every `everyMs`. A failed run (Postgres away, a role without EXECUTE
 * on user_logins_upkeep) is logged and counted, never fatal: the partitions made ahead, and the
 * default partition after them, still take every row. `covered()` is the last run's coverage.
 */
export async function startUpkeep(db: Db, schema: string, cfg: PartitionConfig, log: Logger, metrics: Metrics, everyMs = UPKEEP_EVERY_MS) {
  let last: UpkeepResult | undefined;
  let running: Promise<void> = Promise.resolve();
  const once = async () => {
    try {
      last = await runUpkeep(db, schema, cfg);
      recordUpkeep(log, metrics, schema, last);
    } catch (err) {
      metrics.userLoginsUpkeepFailures.inc();
      log.error({ schema, err: errorMessage(err), sqlstate: (err as { code?: string }).code }, 'user_logins partition upkeep failed; will retry');
    }
  };
  await (running = once());
  const timer = setInterval(() => { running = running.then(once); }, everyMs);
  timer.unref();
  return {
    /** Whether a create_date falls inside the partitions of the last successful run (true before any). */
    covers: (createDate: string) => last === undefined || coveredBy(last, createDate),
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
