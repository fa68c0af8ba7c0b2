import { loadSettings } from '../lib/runtime/config.js';
import { openDb, closeAllDbs } from '../lib/postgres/db.js';
import { databaseSettings, roleSettings } from '../sink/config.js';
import { migrate } from '../sink/migrate.js';

/** `loginpipe migrate [--roles]`: with --roles, also the roles and grants of sink/roles.ts. */
export async function migrateCommand(out: (line: string) => void, withRoles = false): Promise<number> {
  const cfg = loadSettings({ ...databaseSettings, ...roleSettings });
  try {
    const roles = withRoles ? { owner: cfg.ownerRole, sink: cfg.sinkRole, pii: cfg.piiRole } : undefined;
    const applied = await migrate(openDb(cfg, 1), cfg.databaseSchema, roles);
    out(applied.length > 0 ? `applied ${applied.join(', ')} in schema ${cfg.databaseSchema}` : `schema ${cfg.databaseSchema} is up to date`);
    if (roles) out(`roles: owner ${roles.owner}, sink ${roles.sink} (insert-only), PII ${roles.pii} (executes the PII functions only); give them passwords or pg_hba.conf entries`);
    return 0;
  } finally {
    closeAllDbs();
  }
}
