// `node dist/bench/growth-run.js`: the growth step alone (bench/growth.ts), Postgres only.
import { db } from '../stack/world.js';
import { growthStep, renderGrowth } from './growth.js';

try {
  console.log(renderGrowth(await growthStep(db, (line) => console.error(line))));
} finally {
  await db.$pool.end();
}
