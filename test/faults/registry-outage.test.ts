// The schema registry away while the sink and the processor start: a registry that does not
// answer is an outage to wait out, never a reason to dead-letter a valid record or to exit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import { startLocalService, stopLocalService } from '../../stack/stack.js';
import { createTopics, db, kafka, newWorld, produceRaw, rawFullyProcessed, spawnLoginpipe, startLoginpipe, waitUntil, type LoginpipeProcess } from '../integration/harness.js';

const EVENTS = 400;
const outageLogged = (p: LoginpipeProcess) => p.lines.some((l) => l.includes('"dependency":"registry"') && l.includes('unreachable'));

test('a sink started while the registry is down lands every valid event once it is back, and dead-letters none', async () => {
  const world = await newWorld('registry-sink');
  const services: LoginpipeProcess[] = [];
  let registryDown = false;
  try {
    await createTopics(world);
    const gen = createSampleLogins(11);
    const events = Array.from({ length: EVENTS }, (_, i) => ({ id: `evt-${i}`, body: gen.valid().body }));
    await produceRaw(world, events);
    // Fill the clean topic first, then take the registry away before any sink has looked up the schema.
    const processor = await startLoginpipe('processor', world.env);
    await waitUntil(() => rawFullyProcessed(world), { timeoutMs: 60_000, what: 'the raw topic to be processed' });
    await processor.stop();

    await stopLocalService('registry');
    registryDown = true;
    const sink = await startLoginpipe('sink', world.env);
    services.push(sink);
    await waitUntil(() => outageLogged(sink), { timeoutMs: 60_000, what: 'the sink to report the registry outage', state: () => sink.lines.slice(-5) });
    const table = `"${world.schema}".user_logins`;
    assert.is((await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n, 0, 'nothing lands while the registry is away');

    await startLocalService('registry');
    registryDown = false;
    await waitUntil(async () => (await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n === EVENTS, {
      timeoutMs: 90_000, what: `${EVENTS} rows`, state: () => sink.lines.slice(-5),
    });
    assert.ok(sink.lines.some((l) => l.includes('reachable again')), 'the sink says the registry is back');
    const ids = await db.map(`SELECT event_id FROM ${table}`, [], (r: { event_id: string }) => r.event_id);
    assert.equal([...ids].sort(), events.map((e) => e.id).sort());
    const dead = await readWholeTopic(kafka, world.env.DLQ_TOPIC!);
    assert.equal(dead.map((d) => d.headers['error.code']), [], 'no dead letter at all, in particular no invalid_avro');
    assert.is(sink.child.exitCode, null, 'the sink kept running');
  } finally {
    if (registryDown) await startLocalService('registry');
    await Promise.allSettled(services.map((s) => s.stop()));
    await world.cleanup();
  }
});

test('a processor started while the registry is down waits for it, then processes everything', async () => {
  const world = await newWorld('registry-processor');
  let registryDown = false;
  let processor: LoginpipeProcess | undefined;
  try {
    await createTopics(world);
    const gen = createSampleLogins(12);
    await produceRaw(world, Array.from({ length: 50 }, (_, i) => ({ id: `evt-${i}`, body: gen.valid().body })));
    await stopLocalService('registry');
    registryDown = true;
    processor = spawnLoginpipe('processor', world.env);
    const p = processor;
    await waitUntil(() => outageLogged(p), {
      timeoutMs: 60_000, what: 'the processor to report the registry outage',
      failIf: () => (p.child.exitCode !== null ? `the processor exited with ${p.child.exitCode}: ${p.stderr.join('')}${p.lines.slice(-3).join('\n')}` : undefined),
    });
    await startLocalService('registry');
    registryDown = false;
    await p.started;
    await waitUntil(() => rawFullyProcessed(world), { timeoutMs: 60_000, what: 'the raw topic to be processed' });
    const clean = await readWholeTopic(kafka, world.env.CLEAN_TOPIC!);
    assert.is(clean.length, 50);
    assert.equal(await readWholeTopic(kafka, world.env.DLQ_TOPIC!), []);
  } finally {
    if (registryDown) await startLocalService('registry');
    await processor?.stop();
    await world.cleanup();
  }
});

test.run();
