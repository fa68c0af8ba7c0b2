// `loginpipe tail`: committed records of a world's topics, clean ones decoded through the
// registry, dead letters parsed, raw and dead-letter values only when asked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { createTopics, newWorld, produceRaw, rawFullyProcessed, startLoginpipe, waitUntil } from './harness.js';
import { cliOk, runCli } from './cli-run.js';

test('tail shows clean records decoded (masks only), dead letters parsed, counts and stops at --max', async () => {
  const world = await newWorld('tail');
  const services = [];
  try {
    await createTopics(world);
    const gen = createSampleLogins(11);
    const valid = Array.from({ length: 4 }, (_, i) => ({ id: `ok-${i}`, body: gen.valid().body }));
    const clearIps = valid.map((v) => (JSON.parse(v.body) as { ip: string }).ip);
    const badIp = { id: 'bad-ip', body: JSON.stringify({ user_id: 'u', ip: '10.0.0.999', device_id: 'dev-secret-1' }) };
    const notJson = { id: 'bad-json', body: '{"user_id": "u", ' };
    services.push(await startLoginpipe('processor', world.env));
    await produceRaw(world, [...valid, badIp, notJson]);
    await waitUntil(() => rawFullyProcessed(world), { timeoutMs: 30_000, what: 'the processor to commit every raw record' });

    const clean = await cliOk(['tail', 'clean', '--from-beginning', '--max', '4', '--json'], world.env);
    const records = clean.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records.map((r) => r.event_id).sort(), valid.map((v) => v.id).sort());
    for (const r of records) {
      assert.match(String(r.masked_ip), /^[0-9a-f]{64}$/);
      assert.match(String(r.masked_device_id), /^[0-9a-f]{64}$/);
    }
    for (const ip of clearIps) assert.not.ok(clean.stdout.includes(ip), 'no clear ip in the clean tail');

    const text = await cliOk(['tail', 'clean', '--from-beginning', '--max', '2'], world.env);
    assert.is(text.lines.length, 2, '--max stops after 2');
    assert.ok(text.lines.every((l) => /masked_ip=[0-9a-f]{64}/.test(l)), text.stdout);

    const dlq = await cliOk(['tail', 'dlq', '--from-beginning', '--max', '2', '--json'], world.env);
    const dead = dlq.lines.map((l) => JSON.parse(l) as { code: string; message: string; source: { topic: string }; message_id: string; value?: unknown });
    assert.equal(dead.map((d) => `${d.message_id}:${d.code}`).sort(), ['bad-ip:invalid_ip', 'bad-json:invalid_json']);
    for (const d of dead) {
      assert.is(d.source.topic, world.env.RAW_TOPIC);
      assert.ok(d.message.length > 0);
      assert.is(d.value, undefined, 'no value unless asked');
    }
    assert.not.ok(dlq.stdout.includes('dev-secret-1') || dlq.stdout.includes('10.0.0.999'));
    const shown = await cliOk(['tail', 'dlq', '--from-beginning', '--max', '2', '--show-value'], world.env);
    assert.ok(shown.stdout.includes('dev-secret-1'), 'the value when asked for');

    assert.is((await cliOk(['tail', 'clean', '--count'], world.env)).stdout.trim(), '4');
    assert.is((await cliOk(['tail', 'dlq', '--count'], world.env)).stdout.trim(), '2');
    assert.is((await cliOk(['tail', 'raw', '--count'], world.env)).stdout.trim(), '6');
    assert.is((await cliOk(['tail', 'raw', '--count', '--max', '3'], world.env)).stdout.trim(), '3');

    const raw = await cliOk(['tail', 'raw', '--from-beginning', '--max', '6'], world.env);
    assert.is(raw.lines.length, 6);
    for (const ip of clearIps) assert.not.ok(raw.stdout.includes(ip), 'no clear value from raw unless asked');
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await world.cleanup();
  }
});

test('tail of a topic that does not exist fails at once, naming it', async () => {
  const world = await newWorld('tail-missing');
  try {
    const r = await runCli(['tail', 'clean', '--count'], world.env);
    assert.is(r.code, 1);
    assert.ok(r.stderr.includes(world.env.CLEAN_TOPIC!), r.stderr);
  } finally {
    await world.cleanup();
  }
});

test('tail follows: it prints records written after it started, then stops at --max', async () => {
  const world = await newWorld('tail-follow');
  try {
    await createTopics(world);
    const running = runCli(['tail', 'raw', '--max', '2', '--json'], world.env);
    // It starts at the end: keep writing until it has seen two records written after it joined.
    let n = 0;
    let result: Awaited<typeof running> | undefined;
    void running.then((r) => { result = r; });
    await waitUntil(async () => {
      await produceRaw(world, [{ id: `late-${n++}`, body: '{}' }]);
      return result !== undefined;
    }, { timeoutMs: 60_000, intervalMs: 1_000, what: 'tail to print two new records' });
    assert.is(result!.code, 0, result!.stderr);
    const ids = result!.lines.map((l) => (JSON.parse(l) as { message_id: string }).message_id);
    assert.is(ids.length, 2);
    assert.ok(ids.every((id) => id.startsWith('late-')));
  } finally {
    await world.cleanup();
  }
});

test.run();
