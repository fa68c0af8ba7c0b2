// Kafka frozen (SIGSTOP: connections hang, as behind a network partition) for longer than every
// bounded kafkajs retry of the services (long-outage.ts says how long and why), events arriving
// before and during it, production's redrive policy.
import { test } from 'uvu';
import { longKafkaOutage } from './long-outage.js';

test('Kafka frozen past every client\'s retry budget: no service exits, nothing is lost, doubled or parked in the redrive queue', async () => {
  await longKafkaOutage('kafka-frozen-long', 'frozen');
});

test.run();
