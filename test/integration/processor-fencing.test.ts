// Two processors given the same transactional id: the newer one fences the older, which stops
// with an error naming the setting instead of writing anything, and nothing is doubled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSampleLogins } from '../../lib/sample-logins.js';
import { readWholeTopic } from '../../lib/topic-reader.js';
import { SchemaRegistry } from '../../lib/schema-registry.js';
import { createUserLoginDecoder } from '../../lib/records/user-login.js';
import { kafka, newWorld, createTopics, produceRaw, rawFullyProcessed, startLoginpipe, waitUntil } from './harness.js';

test('a processor fenced by a newer one with the same transactional id stops and names the setting', async () => {
  const world = await newWorld('fencing');
  world.env.PROCESSOR_TRANSACTIONAL_ID = `shared-${world.id}`;
  const services = [];
  try {
    await createTopics(world);
    const gen = createSampleLogins(7);
    const events = Array.from({ length: 80 }, (_, i) => ({ id: `evt-${i}`, body: gen.valid().body }));

    const older = await startLoginpipe('processor', world.env);
    services.push(older);
    await produceRaw(world, events.slice(0, 40));
    await waitUntil(() => rawFullyProcessed(world), { timeoutMs: 30_000, what: 'the first 40 raw records to be processed' });

    // The newer instance registers the same id, which bumps its epoch on the broker.
    const newer = await startLoginpipe('processor', world.env);
    services.push(newer);
    // Keys spread over every partition, so the older instance gets some of them to try.
    await produceRaw(world, events.slice(40));

    const code = await Promise.race([older.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 45_000))]);
    assert.is(code, 1, `the fenced processor exits 1:\n${older.lines.slice(-5).join('\n')}`);
    assert.ok(older.lines.some((l) => l.includes('PROCESSOR_TRANSACTIONAL_ID')), `its log names the setting:\n${older.lines.slice(-5).join('\n')}`);
    assert.is(newer.child.exitCode, null, 'the newer processor keeps running');

    await waitUntil(() => rawFullyProcessed(world), { timeoutMs: 45_000, what: 'the newer processor to take over every partition', state: () => newer.lines.slice(-12) });
    assert.is(await newer.stop(), 0);
    const clean = await readWholeTopic(kafka, world.env.CLEAN_TOPIC!);
    const decode = createUserLoginDecoder(new SchemaRegistry('http://127.0.0.1:8081/apis/ccompat/v7'));
    const ids = await Promise.all(clean.map(async (r) => (await decode(r.value!)).event_id));
    assert.equal([...new Set(ids)].sort(), events.map((e) => e.id).sort(), 'every event has a clean record');
    assert.is(clean.length, 80, 'one clean record per event: the fenced transaction left nothing behind');
  } finally {
    for (const s of services) await s.stop();
    await world.cleanup();
  }
});

test.run();
