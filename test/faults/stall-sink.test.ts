// Sinks scaled out to three, then one frozen (SIGSTOP) past the session timeout while the others
// take its partitions over, thawed (SIGCONT) with a batch in hand; later a sink and a processor
// frozen together, then a scale-in. The thawed sink's rows are absorbed by the primary key, and
// it must not commit offsets for partitions it lost.
import { test } from 'uvu';
import { runScenario } from './scenario.js';
import { scaleIn, scaleOut, stall } from './stall.js';

test('a sink frozen past the session timeout and thawed neither loses nor doubles a row', async () => {
  await runScenario('stall-sink', async (ctx) => {
    await ctx.atProgress(0.03);
    const sinks = await scaleOut(ctx, 'sink', 2);
    const processors = await scaleOut(ctx, 'processor', 1);
    await ctx.atProgress(0.2 + ctx.rand() * 0.1);
    await stall(ctx, 'sink');
    await ctx.atProgress(0.55 + ctx.rand() * 0.1);
    await Promise.all([stall(ctx, sinks[0]!), stall(ctx, 'processor')]);
    await scaleIn(ctx, [...sinks, ...processors]);
  }, { perSecond: 400, env: { TOPIC_PARTITIONS: '6' } });
});

test.run();
