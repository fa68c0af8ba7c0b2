// The sink against the real Postgres, as the insert-only role: a row the database refuses does
// not hold up its batch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTopicUntil } from '../../lib/kafka/topic-reader.js';
import { createTopics, kafka, leastPrivilege, newWorld, produceRaw, startLoginpipe, waitUntil } from './harness.js';
import { loginsSomeRefused, refuseLocaleXX } from './refused-rows.js';
import { landedRows, rowCount } from './user-logins-table.js';

test('a row Postgres rejects goes to the dead-letter topic as rejected_by_database and the rest land', async () => {
  const world = await newWorld('reject');
  const services = [];
  let dropRoles = async () => {};
  try {
    await createTopics(world);
    // A rule only this table has: the processor accepts the locale, the database does not.
    // The sink runs as the insert-only role of `migrate --roles`.
    const lp = await leastPrivilege(world.schema);
    dropRoles = lp.drop;
    await refuseLocaleXX(world.schema);

    const events = loginsSomeRefused(5, 60, (i) => i % 20 === 7);
    await produceRaw(world, events);
    services.push(await startLoginpipe('sink', world.env, { SINK_BATCH_SIZE: '25', DATABASE_URL: lp.sinkUrl }));
    services.push(await startLoginpipe('processor', world.env));

    const refused = events.filter((e) => e.refused).map((e) => e.id).sort();
    await waitUntil(async () => (await rowCount(world.schema)) === events.length - refused.length, {
      timeoutMs: 30_000, what: 'the accepted rows',
    });
    const dead = await readTopicUntil(kafka, world.env.DLQ_TOPIC!, (r) => r.length >= refused.length, { timeoutMs: 20_000 });
    assert.equal(dead.map((d) => d.headers['sqs.message_id']).sort(), refused);
    for (const d of dead) {
      assert.is(d.headers['error.code'], 'rejected_by_database');
      assert.is(d.headers['source.topic'], world.env.CLEAN_TOPIC);
      assert.ok((d.headers['error.message'] ?? '').includes('no_xx_locale'), d.headers['error.message']);
      assert.is(d.value![0], 0, 'the dead letter carries the clean record as it was (wire format)');
    }
    const landed = (await landedRows(world.schema)).map((r) => r.event_id);
    assert.equal(landed, events.filter((e) => !e.refused).map((e) => e.id).sort());
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await world.cleanup();
    await dropRoles();
  }
});

test.run();
