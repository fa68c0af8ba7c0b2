// Two connectors; one frozen (SIGSTOP) past the SQS visibility timeout with messages in hand, so
// SQS hands them to the other, which publishes them; thawed (SIGCONT), the frozen one publishes
// its copies too. The processor drops the copies: nothing lost, nothing doubled.
import { test } from 'uvu';
import { runScenario } from './scenario.js';
import { stallTwiceWhileScaledOut } from './stall.js';

test('a connector frozen past the SQS visibility timeout and thawed neither loses nor doubles an event', async () => {
  await runScenario('stall-connector', stallTwiceWhileScaledOut('connector', 1), { perSecond: 400, env: { TOPIC_PARTITIONS: '6' } });
});

test.run();
