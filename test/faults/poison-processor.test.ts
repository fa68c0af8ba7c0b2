// A dead-letter topic that takes smaller records than the raw topic would fail, for ever, the
// transaction of any near-limit record the processor dead-letters and block its raw partition: the
// processor refuses to start and says what to change. Equal limits (what loginpipe creates) start.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureTopics, pipelineTopicSpecs, withAdmin } from '../../lib/kafka/client.js';
import { kafka, newWorld, spawnLoginpipe, startLoginpipe, waitUntil } from '../integration/harness.js';

test('a dead-letter topic with a smaller max.message.bytes than the raw topic stops the processor at start, naming both and the fix', async () => {
  const world = await newWorld('dlq-too-small');
  try {
    const specs = pipelineTopicSpecs({ rawTopic: world.env.RAW_TOPIC!, cleanTopic: world.env.CLEAN_TOPIC!, dlqTopic: world.env.DLQ_TOPIC!, topicPartitions: 2, replicationFactor: 1 });
    // As if created by hand with the broker's default limit.
    specs[2]!.configEntries = [{ name: 'max.message.bytes', value: '1048588' }];
    await withAdmin(kafka, (admin) => ensureTopics(admin, specs));
    const raw = specs[0]!.configEntries!.find((e) => e.name === 'max.message.bytes')!.value;

    const processor = spawnLoginpipe('processor', world.env);
    try {
      await waitUntil(() => processor.child.exitCode !== null, { timeoutMs: 60_000, what: 'the processor to refuse to start' });
    } finally {
      if (processor.child.exitCode === null) await processor.stop();
    }
    assert.is(processor.child.exitCode, 1, 'the processor refuses to run');
    // Its last line may come in after the exit.
    await waitUntil(() => processor.lines.some((l) => l.includes('could not start')), { timeoutMs: 5_000, what: 'the processor\'s reason' });
    const fatal = processor.lines.find((l) => l.includes('could not start')) ?? '';
    assert.ok(fatal.includes(`topic ${world.env.DLQ_TOPIC} takes records of up to 1048588 bytes`), fatal);
    assert.ok(fatal.includes(`the raw topic ${world.env.RAW_TOPIC} (${raw})`), fatal);
    assert.ok(fatal.includes(`--add-config max.message.bytes=${raw}`), fatal);

    // Raised as told, it starts.
    await withAdmin(kafka, (admin) => admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: world.env.DLQ_TOPIC!, configEntries: [{ name: 'max.message.bytes', value: raw }] }],
    }));
    const again = await startLoginpipe('processor', world.env);
    assert.is(await again.stop(), 0);
  } finally {
    await world.cleanup();
  }
});

test.run();
