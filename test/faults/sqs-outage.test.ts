// The SQS server unreachable for a while mid-stream (ElasticMQ keeps its messages on disk): the
// connector backs off and resumes, deletes that failed come back as redeliveries, and nothing is
// lost or doubled.
import { test } from 'uvu';
import { runScenario } from './scenario.js';
import { outage } from './outage.js';

test('an SQS server stop and restart mid-stream neither loses nor doubles an event', async () => {
  await runScenario('sqs-outage', (ctx) => outage(ctx, 'sqs'));
});

test.run();
