// The Kafka broker stopped and started again mid-stream: producers wait for it, consumers
// rejoin, open transactions are resolved, and nothing is lost or doubled.
import { test } from 'uvu';
import { runScenario } from './scenario.js';
import { outage } from './outage.js';

test('a Kafka broker stop and restart mid-stream neither loses nor doubles an event', async () => {
  await runScenario('kafka-outage', (ctx) => outage(ctx, 'kafka'));
});

test.run();
