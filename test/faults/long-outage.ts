// Kafka away for longer than any client of the services keeps retrying one operation, on a queue
// with production's redrive policy (visibility 30 s, maxReceiveCount 5), while events keep
// arriving: killed (connections refused at once) or frozen with SIGSTOP (connections hang, as
// behind a network partition). The lengths come from the services' own kafkajs settings:
//   killed: each attempt fails within the connection timeout, so a retrier gives up after
//           retryBudgetMs(CLIENT_RETRY, CONNECTION_TIMEOUT_MS), about 53 s;
//   frozen: each attempt waits out the request timeout (on a connection the kernel still
//           accepts), so after retryBudgetMs(CLIENT_RETRY, CONNECTION_TIMEOUT_MS + REQUEST_TIMEOUT_MS),
//           about 5.4 min.
// Producers never give up (their retries are unbounded), and a consumer whose retries ran out
// restarts; the outage outlasts every bounded budget by a tenth, so the moment each client
// gives up falls inside it.
import { setTimeout as sleep } from 'node:timers/promises';
import { freezeLocalService, startLocalService, stopLocalService, thawLocalService } from '../../stack/stack.js';
import { CLIENT_RETRY, CONNECTION_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../lib/kafka/client.js';
import { retryBudgetMs } from '../../lib/kafka/retry-budget.js';
import { runScenario, type ScenarioContext } from './scenario.js';

const MARGIN = 1.1;
export const KILLED_MS = Math.ceil(retryBudgetMs(CLIENT_RETRY, CONNECTION_TIMEOUT_MS) * MARGIN);
export const FROZEN_MS = Math.ceil(retryBudgetMs(CLIENT_RETRY, CONNECTION_TIMEOUT_MS + REQUEST_TIMEOUT_MS) * MARGIN);

/** Production's queue: what a message received this often without being deleted is parked. */
const PRODUCTION_VISIBILITY_SECONDS = 30;
const EVENTS = 6_000;
/** The outage begins this far into the stream, whose last event is sent before the outage ends. */
const OUTAGE_AT = 0.1;

export async function longKafkaOutage(name: string, how: 'killed' | 'frozen'): Promise<void> {
  const outageMs = how === 'killed' ? KILLED_MS : FROZEN_MS;
  // Events arrive before the outage and during most of it.
  const streamSeconds = (outageMs / 1000) * 0.9;
  await runScenario(name, async (ctx: ScenarioContext) => {
    await ctx.atProgress(OUTAGE_AT);
    if (how === 'killed') {
      await ctx.fault(`kafka killed for ${(outageMs / 1000).toFixed(0)} s`, async () => {
        await stopLocalService('kafka', { kill: true });
        // The outage itself: a deliberate length of time with the broker gone.
        await sleep(outageMs);
      }, () => startLocalService('kafka'));
    } else {
      let pid: number | undefined;
      await ctx.fault(`kafka frozen (SIGSTOP) for ${(outageMs / 1000).toFixed(0)} s`, async () => {
        pid = await freezeLocalService('kafka');
        // The outage itself: how long the broker stays frozen.
        await sleep(outageMs);
      }, async () => { if (pid !== undefined) thawLocalService(pid); });
    }
  }, {
    events: EVENTS,
    perSecond: Math.ceil(EVENTS / streamSeconds),
    visibilityTimeoutSeconds: PRODUCTION_VISIBILITY_SECONDS,
  });
}
