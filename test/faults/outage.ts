// A local server stopped and started again mid-stream (Kafka, Postgres or the SQS server), with
// the outage length and its moment drawn from the scenario's seed.
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalService, stopLocalService, type ServiceName } from '../../stack/stack.js';
import type { ScenarioContext } from './scenario.js';

export async function outage(ctx: ScenarioContext, name: ServiceName): Promise<void> {
  const moment = 0.2 + ctx.rand() * 0.4;
  const downMs = Math.round(3_000 + ctx.rand() * 5_000);
  await ctx.atProgress(moment);
  await ctx.fault(`${name} stopped`, async () => {
    const from = Date.now();
    await stopLocalService(name);
    const stopMs = Date.now() - from;
    // The outage itself: a deliberate length of time with the server gone.
    await sleep(downMs);
    return `stop took ${(stopMs / 1000).toFixed(1)} s, down ${(downMs / 1000).toFixed(1)} s`;
  }, () => startLocalService(name));
}
