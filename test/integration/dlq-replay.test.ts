// Dead letters after a fix, end to end: a row Postgres refused is replayed once the table is
// fixed and lands once however often it is replayed; a processor dead letter replayed reaches
// the processor again (not dropped as a repeat of its event) and keeps its replay.of.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSampleLogins } from '../../cli/sample-logins.js';
import { readTopicUntil } from '../../lib/kafka/topic-reader.js';
import { withAdmin } from '../../lib/kafka/client.js';
import { createTopics, db, kafka, newWorld, produceRaw, rawFullyProcessed, startLoginpipe, waitUntil, type World } from './harness.js';
import { cliOk } from './cli-run.js';

async function cleanFullySunk(world: World): Promise<boolean> {
  return withAdmin(kafka, async (admin) => {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(world.env.CLEAN_TOPIC!),
      admin.fetchOffsets({ groupId: world.env.SINK_GROUP_ID!, topics: [world.env.CLEAN_TOPIC!] }),
    ]);
    return ends.every((e) => e.high === '0' || committed[0]?.partitions.find((p) => p.partition === e.partition)?.offset === e.high);
  });
}

test('a row refused by Postgres lands after the fix and a replay, once however often it is replayed; a processor dead letter is judged again', async () => {
  const world = await newWorld('replay');
  const services = [];
  try {
    await createTopics(world);
    await cliOk(['migrate'], world.env);
    const table = `"${world.schema}".user_logins`;
    // The "bug": a column rule that refuses a perfectly good user id.
    await db.none('ALTER TABLE $1:name.user_logins ADD CONSTRAINT user_id_short CHECK (char_length(user_id) <= 8)', [world.schema]);
    const gen = createSampleLogins(3);
    const body = (userId: string) => JSON.stringify({ ...(JSON.parse(gen.valid().body) as object), user_id: userId });
    await produceRaw(world, [
      { id: 'fits', body: body('alice') },
      { id: 'refused', body: body('a-rather-long-user-id') },
      { id: 'bad-ip', body: JSON.stringify({ user_id: 'bob', ip: '300.1.1.1', device_id: 'd-1' }) },
    ]);
    services.push(await startLoginpipe('sink', world.env));
    services.push(await startLoginpipe('processor', world.env));
    const rowsFor = async (id: string) => (await db.one(`SELECT count(*)::int AS n FROM ${table} WHERE event_id = $1`, [id])).n as number;
    await waitUntil(async () => (await rowsFor('fits')) === 1, { timeoutMs: 30_000, what: 'the row that fits' });
    const firstDead = await readTopicUntil(kafka, world.env.DLQ_TOPIC!, (r) => r.length >= 2, { timeoutMs: 30_000 });
    assert.equal(firstDead.map((d) => `${d.headers['sqs.message_id']}:${d.headers['error.code']}`).sort(), ['bad-ip:invalid_ip', 'refused:rejected_by_database']);

    // A dry run says what it would do and writes nothing.
    const dry = await cliOk(['dlq', 'replay', '--code', 'rejected_by_database', '--dry-run'], world.env);
    assert.match(dry.stdout, new RegExp(`would replay ${world.env.DLQ_TOPIC!.replace(/\./g, '\\.')}/\\d+/\\d+ -> ${world.env.CLEAN_TOPIC!.replace(/\./g, '\\.')} \\(message id refused\\)`));
    assert.match(dry.stdout, /would replay 1 dead letters with code rejected_by_database/);
    assert.is((await cliOk(['tail', 'clean', '--count'], world.env)).stdout.trim(), '2', 'a dry run writes nothing');

    // The fix, then the replay.
    await db.none('ALTER TABLE $1:name.user_logins DROP CONSTRAINT user_id_short', [world.schema]);
    const replay = await cliOk(['dlq', 'replay', '--code', 'rejected_by_database'], world.env);
    assert.match(replay.stdout, new RegExp(`replayed 1 dead letters with code rejected_by_database \\(1 to ${world.env.CLEAN_TOPIC!.replace(/\./g, '\\.')}\\); skipped 0`));
    await waitUntil(async () => (await rowsFor('refused')) === 1, { timeoutMs: 30_000, what: 'the replayed row' });
    const row = await db.one(`SELECT user_id FROM ${table} WHERE event_id = 'refused'`);
    assert.is(row.user_id, 'a-rather-long-user-id');

    // Replaying again makes no second row.
    await cliOk(['dlq', 'replay', '--code', 'rejected_by_database'], world.env);
    assert.is((await cliOk(['tail', 'clean', '--count'], world.env)).stdout.trim(), '4', 'both replays reached the clean topic');
    await waitUntil(() => cleanFullySunk(world), { timeoutMs: 30_000, what: 'the sink to commit both replays' });
    assert.is(await rowsFor('refused'), 1);
    assert.is((await db.one(`SELECT count(*)::int AS n FROM ${table}`)).n, 2);

    // A processor dead letter goes back to the raw topic and is judged again, not dropped as a
    // repeat of its event: still an invalid ip, it is dead-lettered again, marked with its replay.
    const original = firstDead.find((d) => d.headers['error.code'] === 'invalid_ip')!;
    const replayOf = `${world.env.DLQ_TOPIC}/${original.partition}/${original.offset}`;
    const again = await cliOk(['dlq', 'replay', '--code', 'invalid_ip'], world.env);
    assert.ok(again.stdout.includes(`replayed ${replayOf} -> ${world.env.RAW_TOPIC} (message id bad-ip)`), again.stdout);
    const dead = await readTopicUntil(kafka, world.env.DLQ_TOPIC!, (r) => r.some((d) => d.headers['replay.of'] === replayOf), { timeoutMs: 30_000 });
    const redone = dead.find((d) => d.headers['replay.of'] === replayOf)!;
    assert.is(redone.headers['error.code'], 'invalid_ip');
    assert.is(redone.headers['sqs.message_id'], 'bad-ip');
    assert.is(redone.headers['source.topic'], world.env.RAW_TOPIC);
    await waitUntil(() => rawFullyProcessed(world), { timeoutMs: 30_000, what: 'the processor to commit the replay' });

    // stats and show see all of it.
    const stats = JSON.parse((await cliOk(['dlq', 'stats', '--since', '1h', '--json'], world.env)).stdout) as { total: number; by_code: { code: string; count: number }[] };
    assert.is(stats.total, 3);
    assert.equal(stats.by_code, [{ code: 'invalid_ip', count: 2 }, { code: 'rejected_by_database', count: 1 }]);
    const show = (await cliOk(['dlq', 'show', '--code', 'invalid_ip', '--json'], world.env)).lines.map((l) => JSON.parse(l) as { replay_of: string | null; message_id: string });
    assert.equal(show.map((s) => s.replay_of).sort(), [null, replayOf].sort());
    assert.is((await cliOk(['dlq', 'show', '--max', '1'], world.env)).lines.length, 1);
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await world.cleanup();
  }
});

test.run();
