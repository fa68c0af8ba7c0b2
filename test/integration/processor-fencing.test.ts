// Processors fence per raw partition: a second instance joining the group registers the
// transactional ids of the partitions it is given, which fences the first instance for those
// partitions only. Both keep running, and every event is in the clean topic once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { SchemaRegistry } from '../../lib/registry/client.js';
import { createUserLoginDecoder } from '../../lib/records/user-login.js';
import { kafka, newWorld, createTopics, produceRaw, rawFullyProcessed, startLoginpipe, waitUntil } from './harness.js';

test('a processor joining the group takes partitions over without fencing the other out, and nothing is doubled', async () => {
  const world = await newWorld('fencing');
  const services = [];
  try {
    await createTopics(world);
    const gen = createSampleLogins(7);
    const events = Array.from({ length: 80 }, (_, i) => ({ id: `evt-${i}`, body: gen.valid().body }));

    // The retired per-instance setting is ignored, with a warning that names it.
    const older = await startLoginpipe('processor', world.env, { PROCESSOR_TRANSACTIONAL_ID: 'same-for-both' });
    services.push(older);
    assert.ok(older.lines.some((l) => l.includes('PROCESSOR_TRANSACTIONAL_ID is no longer used')), `a warning names the retired setting:\n${older.lines.slice(-5).join('\n')}`);
    await produceRaw(world, events.slice(0, 40));
    await waitUntil(() => rawFullyProcessed(world), { timeoutMs: 30_000, what: 'the first 40 raw records to be processed' });

    const newer = await startLoginpipe('processor', world.env, { PROCESSOR_TRANSACTIONAL_ID: 'same-for-both' });
    services.push(newer);
    await waitUntil(() => newer.lines.some((l) => l.includes('"msg":"joined group"') && !l.includes('"assigned":{}')), {
      timeoutMs: 45_000, what: 'the newer processor to be given partitions', state: () => newer.lines.slice(-5),
    });
    // Keys spread over every partition, so both instances get some of them.
    await produceRaw(world, events.slice(40));
    await waitUntil(() => rawFullyProcessed(world), { timeoutMs: 45_000, what: 'every raw record to be processed', state: () => newer.lines.slice(-12) });

    assert.is(older.child.exitCode, null, 'the older processor keeps running');
    assert.is(newer.child.exitCode, null, 'the newer processor keeps running');
    assert.is(await newer.stop(), 0);
    assert.is(await older.stop(), 0);
    const clean = await readWholeTopic(kafka, world.env.CLEAN_TOPIC!);
    const decode = createUserLoginDecoder(new SchemaRegistry('http://127.0.0.1:8081/apis/ccompat/v7'));
    const ids = await Promise.all(clean.map(async (r) => (await decode(r.value!)).event_id));
    assert.equal([...new Set(ids)].sort(), events.map((e) => e.id).sort(), 'every event has a clean record');
    assert.is(clean.length, 80, 'one clean record per event');
  } finally {
    for (const s of services) await s.stop();
    await world.cleanup();
  }
});

test.run();
