// Postgres stopped and started again mid-stream: the sink holds its offsets until the rows are
// in, and nothing is lost or doubled.
import { test } from 'uvu';
import { runScenario } from './scenario.js';
import { outage } from './outage.js';

test('a Postgres stop and restart mid-stream neither loses nor doubles an event', async () => {
  await runScenario('postgres-outage', (ctx) => outage(ctx, 'postgres'));
});

test.run();
