// kill -9 of the connector, the processor and the sink, each several times at random moments
// while events flow, each restarted at once with the same settings (the processor keeps its
// transactional id, so it fences its dead self).
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import { KINDS, runScenario } from './scenario.js';

const KILLS_PER_SERVICE = 3;
// A killed processor or sink is back only once its dead self's consumer-group session has
// expired (about 30 s), so three kills of one take about 100 s whatever the pace: the stream is
// spread over that time, so that every kill meets events in flight, at little cost in wall time.
const PER_SECOND = 200;

test('kill -9 of each service at random moments neither loses nor doubles an event', async () => {
  await runScenario('kill-services', async (ctx) => {
    // The i-th kill of a service falls at a random moment in the first half of the i-th part of
    // the stream, and never less than a random 1-6 s after the service came back, so that it
    // always has work in hand. Drawn up front, in a fixed order, so that a seed replays them.
    const plans = KINDS.map((kind) => ({
      kind,
      kills: Array.from({ length: KILLS_PER_SERVICE }, (_, i) => ({
        moment: (i + 0.05 + ctx.rand() * 0.5) / KILLS_PER_SERVICE,
        upMs: Math.round(1_000 + ctx.rand() * 5_000),
      })),
    }));
    // One track per service, side by side: a service is killed again only once it is back.
    await Promise.all(plans.map(async ({ kind, kills }) => {
      for (const { moment, upMs } of kills) {
        // The wait is the fault's timing itself, not a wait for a condition.
        await Promise.all([ctx.atProgress(moment), sleep(upMs)]);
        await ctx.fault(`kill -9 ${kind}`, () => ctx.services.kill(kind), () => ctx.services.start(kind));
      }
    }));
  }, { perSecond: PER_SECOND });
});

test.run();
