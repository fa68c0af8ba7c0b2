// Processors scaled out to three, then one frozen (SIGSTOP) past the session timeout while the
// others take its partitions over, thawed (SIGCONT) with a transaction in hand; later another,
// then a scale-in. The thawed one must not add a single record to the clean topic for partitions
// it no longer owns, nor move a committed offset backwards.
import { test } from 'uvu';
import { runScenario } from './scenario.js';
import { scaleIn, scaleOut, stall } from './stall.js';

test('a processor frozen past the session timeout and thawed doubles nothing in the clean topic', async () => {
  await runScenario('stall-processor', async (ctx) => {
    await ctx.atProgress(0.03);
    const extra = await scaleOut(ctx, 'processor', 2);
    await ctx.atProgress(0.2 + ctx.rand() * 0.1);
    await stall(ctx, 'processor');
    await ctx.atProgress(0.55 + ctx.rand() * 0.1);
    await stall(ctx, extra[0]!);
    await scaleIn(ctx, extra);
  }, { perSecond: 400, env: { TOPIC_PARTITIONS: '6' } });
});

test.run();
