// A rebalance storm: every few seconds a processor or a sink is added, stopped (SIGTERM) or
// killed (kill -9), so the groups rebalance over and over while events flow, with batches and
// transactions caught mid-way. The first instance of each kind is always back by the end.
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import { runScenario, type Kind } from './scenario.js';

const STORM_UNTIL = 0.8;
const MAX_EXTRA = 2;

test('a rebalance storm with kill -9 mixed in neither loses nor doubles an event', async () => {
  await runScenario('rebalance-storm', async (ctx) => {
    const kinds: Kind[] = ['processor', 'sink'];
    const extras = new Map<Kind, string[]>(kinds.map((k) => [k, []]));
    let serial = 2;
    await ctx.atProgress(0.03);
    while (ctx.stream.progress < STORM_UNTIL && !ctx.stream.finished) {
      // The pause between changes is the storm's own rhythm, not a wait for a condition.
      await sleep(2_000 + Math.round(ctx.rand() * 3_000));
      const kind = kinds[Math.floor(ctx.rand() * kinds.length)]!;
      const mine = extras.get(kind)!;
      const roll = ctx.rand();
      if (mine.length < MAX_EXTRA && (mine.length === 0 || roll < 0.4)) {
        const name = `${kind}-${serial++}`;
        await ctx.fault(`add ${name}`, async () => { await ctx.services.start(kind, name); }, async () => {});
        mine.push(name);
      } else if (roll < 0.7) {
        const name = mine.shift()!;
        await ctx.fault(`SIGTERM ${name}`, async () => {
          const { code } = await ctx.services.terminate(name);
          if (code !== 0) ctx.problem(`${name} exited with ${code} on SIGTERM`);
        }, async () => {});
      } else {
        // kill -9 of the first instance of the kind, restarted at once under the same name.
        await ctx.fault(`kill -9 ${kind}`, () => ctx.services.kill(kind), () => ctx.services.start(kind));
      }
    }
    for (const [, names] of extras) {
      await Promise.all(names.map(async (name) => {
        const { code } = await ctx.services.terminate(name);
        if (code !== 0) ctx.problem(`${name} exited with ${code} on SIGTERM`);
      }));
    }
  }, { perSecond: 300, env: { TOPIC_PARTITIONS: '6' } });
});

test.run();
