// The processor drops a repeated event id (an SQS message published twice), also across a
// restart, so that the clean and dead-letter topics hold each event once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { kafka, newWorld, createTopics, produceRaw, rawFullyProcessed, startLoginpipe, waitUntil } from './harness.js';

test('a repeated event id yields one clean record, within a batch and across a restart', async () => {
  const world = await newWorld('dedup');
  try {
    await createTopics(world);
    const gen = createSampleLogins(99);
    const events = Array.from({ length: 80 }, (_, i) => ({ id: `evt-${i}`, body: gen.valid().body }));
    const badBody = '{"not": "a login"}';

    // First run: 60 events, a few repeated inside the same batch, and a malformed one twice.
    await produceRaw(world, [...events.slice(0, 60), events[5]!, events[17]!, { id: 'bad-1', body: badBody }, { id: 'bad-1', body: badBody }]);
    let processor = await startLoginpipe('processor', world.env);
    await waitUntil(() => rawFullyProcessed(world), { timeoutMs: 30_000, what: 'the first 64 raw records to be processed' });
    assert.is(await processor.stop(), 0);

    // Second run: 20 new events plus 20 that were already processed before the restart.
    await produceRaw(world, [...events.slice(40, 80), { id: 'bad-1', body: badBody }]);
    processor = await startLoginpipe('processor', world.env);
    await waitUntil(() => rawFullyProcessed(world), { timeoutMs: 30_000, what: 'the second batch to be processed' });
    assert.is(await processor.stop(), 0);

    // Nothing writes any more: read both topics to their ends, so a copy cannot hide after the 80th.
    const clean = await readWholeTopic(kafka, world.env.CLEAN_TOPIC!);
    const dead = await readWholeTopic(kafka, world.env.DLQ_TOPIC!);
    assert.is(clean.length, 80, 'one clean record per distinct event');
    assert.is(dead.length, 1, 'one dead letter for the malformed event sent three times');
    assert.ok(processor.lines.some((l) => l.includes('rebuild the duplicate filter')), 'the restarted processor replayed its partitions');
  } finally {
    await world.cleanup();
  }
});

test.run();
