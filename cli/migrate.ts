import { loadSettings } from '../lib/config.js';
import { openDb, closeAllDbs } from '../lib/db.js';
import { databaseSettings } from '../sink/config.js';
import { migrate } from '../sink/migrate.js';

export async function migrateCommand(out: (line: string) => void): Promise<number> {
  const cfg = loadSettings(databaseSettings);
  try {
    const applied = await migrate(openDb(cfg, 1), cfg.databaseSchema);
    out(applied.length > 0 ? `applied ${applied.join(', ')} in schema ${cfg.databaseSchema}` : `schema ${cfg.databaseSchema} is up to date`);
    return 0;
  } finally {
    closeAllDbs();
  }
}
