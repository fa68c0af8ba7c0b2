import { loadSettings } from '../lib/runtime/config.js';
import { openDb, closeAllDbs } from '../lib/postgres/db.js';
import { databaseSettings, partitionSettings, roleSettings } from '../sink/config.js';
import { migrate } from '../sink/migrate.js';
import { runUpkeep } from '../sink/partitions.js';

/**
 * `loginpipe migrate [--roles]`: with --roles, also the roles and grants of sink/roles.ts. Then
 * one partition upkeep (sink/partitions.ts), under USER_LOGINS_PARTITIONS_AHEAD and
 * USER_LOGINS_RETENTION_DAYS, each partition it makes or drops printed.
 */
export async function migrateCommand(out: (line: string) => void, withRoles = false): Promise<number> {
  const cfg = loadSettings({ ...databaseSettings, ...roleSettings, ...partitionSettings });
  try {
    const roles = withRoles ? { owner: cfg.ownerRole, sink: cfg.sinkRole, pii: cfg.piiRole } : undefined;
    const db = openDb(cfg, 1);
    const applied = await migrate(db, cfg.databaseSchema, roles);
    out(applied.length > 0 ? `applied ${applied.join(', ')} in schema ${cfg.databaseSchema}` : `schema ${cfg.databaseSchema} is up to date`);
    const upkeep = await runUpkeep(db, cfg.databaseSchema, cfg);
    out(`user_logins partitions: through ${upkeep.endDay} (exclusive)${upkeep.created.length > 0 ? `, made ${upkeep.created.join(', ')}` : ''}`);
    for (const partition of upkeep.dropped) out(`dropped ${partition}: older than USER_LOGINS_RETENTION_DAYS=${cfg.retentionDays}`);
    if (upkeep.expiredRows > 0) out(`${upkeep.expiredRows} expired rows removed`);
    if (upkeep.defaultRows > 0) out(`${upkeep.defaultRows} rows in user_logins_default, dated outside the partitions`);
    if (roles) out(`roles: owner ${roles.owner}, sink ${roles.sink} (insert-only), PII ${roles.pii} (executes the PII functions only); give them passwords or pg_hba.conf entries`);
    return 0;
  } finally {
    closeAllDbs();
  }
}
