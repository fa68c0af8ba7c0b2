// Processors scaled out to three, then one frozen (SIGSTOP) past the session timeout while the
// others take its partitions over, thawed (SIGCONT) with a transaction in hand; later another,
// then a scale-in. The thawed one must not add a single record to the clean topic for partitions
// it no longer owns, nor move a committed offset backwards.
import { test } from 'uvu';
import { runScenario } from './scenario.js';
import { stallTwiceWhileScaledOut } from './stall.js';

test('a processor frozen past the session timeout and thawed doubles nothing in the clean topic', async () => {
  await runScenario('stall-processor', stallTwiceWhileScaledOut('processor', 2), { perSecond: 400, env: { TOPIC_PARTITIONS: '6' } });
});

test.run();
