// Two connectors; one frozen (SIGSTOP) past the SQS visibility timeout with messages in hand, so
// SQS hands them to the other, which publishes them; thawed (SIGCONT), the frozen one publishes
// its copies too. The processor drops the copies: nothing lost, nothing doubled.
import { test } from 'uvu';
import { runScenario } from './scenario.js';
import { scaleIn, scaleOut, stall } from './stall.js';

test('a connector frozen past the SQS visibility timeout and thawed neither loses nor doubles an event', async () => {
  await runScenario('stall-connector', async (ctx) => {
    await ctx.atProgress(0.03);
    const extra = await scaleOut(ctx, 'connector', 1);
    await ctx.atProgress(0.2 + ctx.rand() * 0.1);
    await stall(ctx, 'connector');
    await ctx.atProgress(0.55 + ctx.rand() * 0.1);
    await stall(ctx, extra[0]!);
    await scaleIn(ctx, extra);
  }, { perSecond: 400, env: { TOPIC_PARTITIONS: '6' } });
});

test.run();
