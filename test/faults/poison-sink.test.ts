// Records that used to stop the sink. Each is valid Avro on the clean topic, but user_logins
// cannot hold it: it must become one dead letter with its reason, the records before and after it
// must land, and the sink must keep running (and commit past it, so a restart does not meet it again).
// Also: on SIGTERM, a batch already written is committed before the sink leaves its group.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readWholeTopic } from '../../lib/kafka/topic-reader.js';
import type { UserLogin } from '../../lib/records/user-login.js';
import { db, kafka, newWorld, produce, startLoginpipe, waitUntil, type LoginpipeProcess } from '../integration/harness.js';
import { migrate } from '../../sink/migrate.js';
import { refuseLocaleXX } from '../integration/refused-rows.js';
import { cleanMessages, committedOffset, login, oneCleanPartition } from './poison-sink.js';

const poisons: { name: string; change: Partial<UserLogin>; reason: string }[] = [
  { name: 'an app_version out of range', change: { app_version: '1000.0' }, reason: 'app_version is not one to three dot-separated integers 0-999' },
  { name: 'a user_id longer than its column', change: { user_id: 'u'.repeat(129) }, reason: 'user_id is longer than its column (128 characters)' },
  { name: 'a device_type longer than its column', change: { device_type: 'd'.repeat(33) }, reason: 'device_type is longer than its column (32 characters)' },
  { name: 'an empty event_id', change: { event_id: '' }, reason: 'event_id is empty' },
];

const rowCount = async (schema: string) => (await db.one(`SELECT count(*)::int AS n FROM "${schema}".user_logins`)).n as number;

for (const p of poisons) {
  test(`10 good records, one with ${p.name}, 10 good: 20 rows, 1 unstorable_record dead letter, the sink keeps running`, async () => {
    const world = await newWorld('poison-sink');
    let sink: LoginpipeProcess | undefined;
    try {
      await oneCleanPartition(world);
      const before = Array.from({ length: 10 }, (_, i) => login(`before-${i}`));
      const after = Array.from({ length: 10 }, (_, i) => login(`after-${i}`));
      const bad = login('poison', p.change);
      await produce(world.env.CLEAN_TOPIC!, await cleanMessages(world, [...before, bad, ...after]));
      sink = await startLoginpipe('sink', world.env, { TOPIC_PARTITIONS: '1' });
      const running = sink;
      const exited = () => (running.child.exitCode === null ? undefined : `the sink exited with ${running.child.exitCode}: ${running.lines.slice(-4).join('\n')}`);
      // All 21 records are behind the committed offset: every one was dealt with.
      await waitUntil(async () => (await committedOffset(world)) === '21', { timeoutMs: 60_000, what: 'the sink to commit past all 21 records', failIf: exited });
      const rows = await db.any(`SELECT event_id FROM "${world.schema}".user_logins ORDER BY event_id`);
      assert.equal(rows.map((r) => r.event_id), [...after, ...before].map((r) => r.event_id).sort());
      const dead = await readWholeTopic(kafka, world.env.DLQ_TOPIC!);
      assert.is(dead.length, 1, 'one dead letter');
      assert.is(dead[0]!.headers['error.code'], 'unstorable_record');
      assert.is(dead[0]!.headers['error.message'], `user_logins cannot hold this record: ${p.reason}`);
      assert.is(dead[0]!.headers['source.topic'], world.env.CLEAN_TOPIC);
      assert.is(dead[0]!.headers['source.offset'], '10');
      const clean = await readWholeTopic(kafka, world.env.CLEAN_TOPIC!);
      assert.is(clean.length, 21, 'the clean topic (read_committed) holds what was written');
      assert.is(exited(), undefined, 'the sink still runs');
      assert.is(await sink.stop(), 0);
      sink = undefined;
    } finally {
      if (sink) await sink.stop();
      await world.cleanup();
    }
  });
}

test('on SIGTERM the sink commits the batch it wrote, so a restart writes neither its rows nor its dead letters again', async () => {
  const world = await newWorld('poison-sigterm');
  let sink: LoginpipeProcess | undefined;
  try {
    await oneCleanPartition(world);
    const good = Array.from({ length: 20 }, (_, i) => login(`good-${i}`));
    await produce(world.env.CLEAN_TOPIC!, await cleanMessages(world, [...good.slice(0, 10), login('poison', { app_version: '1.2.3.4' }), ...good.slice(10)]));
    // The batch waits up to a minute to fill: SIGTERM arrives while its rows are still in hand.
    const settings = { TOPIC_PARTITIONS: '1', SINK_BATCH_SIZE: '1000', SINK_BATCH_WAIT_MS: '60000' };
    sink = await startLoginpipe('sink', world.env, settings);
    // The dead letter goes out as the batch is fetched; the rows wait in the batcher.
    await waitUntil(async () => (await readWholeTopic(kafka, world.env.DLQ_TOPIC!)).length === 1, { timeoutMs: 60_000, what: 'the dead letter' });
    assert.is(await rowCount(world.schema), 0, 'the rows are still in the batcher');
    assert.is(await sink.stop(), 0);
    sink = undefined;
    assert.is(await rowCount(world.schema), 20, 'stopping wrote the batch');
    assert.is(await committedOffset(world), '21', 'and committed it before leaving');

    // A restart starts after them: one more record lands, and nothing is dead-lettered again.
    sink = await startLoginpipe('sink', world.env, { TOPIC_PARTITIONS: '1' });
    await produce(world.env.CLEAN_TOPIC!, await cleanMessages(world, [login('later')]));
    await waitUntil(async () => (await committedOffset(world)) === '22', { timeoutMs: 60_000, what: 'the restarted sink to commit the new record' });
    assert.is(await rowCount(world.schema), 21);
    assert.is((await readWholeTopic(kafka, world.env.DLQ_TOPIC!)).length, 1, 'still one dead letter');
    assert.is(await sink.stop(), 0);
    sink = undefined;
  } finally {
    if (sink) await sink.stop();
    await world.cleanup();
  }
});

test('a dead letter Kafka will not take stops the sink naming Kafka and the topic, not waited out as a Postgres outage', async () => {
  const world = await newWorld('poison-dlq-refused');
  let sink: LoginpipeProcess | undefined;
  try {
    // A dead-letter topic that takes no real record: every send to it is refused (MESSAGE_TOO_LARGE),
    // as it would be without the sink's Write ACL on it.
    await oneCleanPartition(world, [{ name: 'max.message.bytes', value: '64' }]);
    await migrate(db, world.schema);
    await refuseLocaleXX(world.schema);
    await produce(world.env.CLEAN_TOPIC!, await cleanMessages(world, [login('good'), login('refused', { locale: 'XX' })]));
    sink = await startLoginpipe('sink', world.env, { TOPIC_PARTITIONS: '1' });
    const running = sink;
    const namesKafka = () => running.lines.some((l) => l.includes('Kafka did not take 1 dead letters') && l.includes(world.env.DLQ_TOPIC!));
    await waitUntil(() => namesKafka() && running.child.exitCode !== null, {
      timeoutMs: 90_000, what: 'the sink to stop naming Kafka',
      failIf: () => (running.lines.some((l) => l.includes('Postgres unreachable')) ? `taken for a Postgres outage: ${running.lines.slice(-3).join('\n')}` : undefined),
    });
    assert.is(running.child.exitCode, 1);
    assert.is(await committedOffset(world), '-1', 'nothing committed: the batch comes back once Kafka takes its dead letter');
    sink = undefined;
  } finally {
    if (sink) await sink.stop();
    await world.cleanup();
  }
});

test.run();
