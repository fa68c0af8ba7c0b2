// Kafka killed for longer than every bounded kafkajs retry of the services (long-outage.ts says
// how long and why), events arriving before and during it, production's redrive policy.
import { test } from 'uvu';
import { longKafkaOutage } from './long-outage.js';

test('Kafka killed past every client\'s retry budget: no service exits, nothing is lost, doubled or parked in the redrive queue', async () => {
  await longKafkaOutage('kafka-killed-long', 'killed');
});

test.run();
