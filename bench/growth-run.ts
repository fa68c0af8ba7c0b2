// `node dist/bench/growth-run.js`: the growth step alone (bench/growth.ts), Postgres only.
import { db } from '../stack/world.js';
import { ensureDatabase } from '../stack/postgres.js';
import { growthStep, renderGrowth } from './growth.js';

try {
  // Without `stack up` before it, the database may not exist yet.
  await ensureDatabase((line) => console.error(line));
  console.log(renderGrowth(await growthStep(db, (line) => console.error(line))));
} finally {
  await db.$pool.end();
}
