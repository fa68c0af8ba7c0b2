// user_logins partitioned by day (sink/sql/005_...), against the real Postgres: the partitions
// made ahead, the default partition for days outside them, upkeep run by several at once, retention,
// and reveal, rekey and forget across partitions. Postgres only: no stack needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { migrate } from '../../sink/migrate.js';
import { createWriter } from '../../sink/writer.js';
import { runUpkeep } from '../../sink/partitions.js';
import type { UserLoginRow } from '../../sink/rows.js';
import { db } from './harness.js';
import { withSchema } from './user-logins-table.js';

const PREFIX = 't_part';

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const row = (event_id: string, create_date: string, user_id = 'u1'): UserLoginRow => ({
  event_id, user_id, device_type: null, masked_ip: `ip-${user_id}`, masked_device_id: 'dev', locale: null, app_version: null,
  create_date, sealed_ip: Buffer.from([1]), sealed_device_id: Buffer.from([2]), mask_key_id: 'k1',
});

/** Each row's partition, by event_id. */
const partitionOf = (schema: string) => db.map(`SELECT event_id, tableoid::regclass::text AS p FROM $1:name.user_logins ORDER BY event_id`, [schema],
  (r: { event_id: string; p: string }) => [r.event_id, r.p.replace(`${schema}.`, '')]);

const partitions = (schema: string) => db.map(`SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`, [`"${schema}".user_logins`],
  (r: { relname: string; bound: string }) => [r.relname, r.bound]);

test('a fresh migrate partitions user_logins by day from yesterday to 14 days ahead, with a default partition and no create_date index', () => withSchema(PREFIX, async (schema) => {
  await migrate(db, schema);
  const strategy = await db.one(`SELECT partstrat, (SELECT attname FROM pg_attribute WHERE attrelid = partrelid AND attnum = partattrs[0]) AS col
    FROM pg_partitioned_table WHERE partrelid = $1::regclass`, [`"${schema}".user_logins`]);
  assert.equal(strategy, { partstrat: 'r', col: 'create_date' });
  const expected = [['user_logins_default', 'DEFAULT']];
  for (let i = -1; i <= 14; i++) expected.push([`user_logins_p${day(i).replace(/-/g, '')}`, `FOR VALUES FROM ('${day(i)}') TO ('${day(i + 1)}')`]);
  assert.equal(await partitions(schema), expected.sort((a, b) => a[0]!.localeCompare(b[0]!)));
  const indexes = await db.map(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'user_logins' ORDER BY 1`, [schema], (r: { indexdef: string }) => r.indexdef);
  assert.equal(indexes.map((d) => d.replace(/^.* USING /, '')).sort(), ['btree (event_id, create_date)', 'btree (masked_ip)', 'btree (user_id)']);
}));

test('an event redelivered lands once, in its day\'s partition; events dated far in the past and the future land once in the default partition and are counted', () => withSchema(PREFIX, async (schema) => {
  await migrate(db, schema);
  const write = createWriter(db, schema);
  const rows = [row('today', day(0)), row('tomorrow', day(1)), row('past', '1970-01-01'), row('future', '2999-12-31')];
  assert.is((await write(rows, (r) => r)).inserted, 4);
  const again = await write(rows, (r) => r);
  assert.equal([again.inserted, again.duplicates], [0, 4], 'each redelivered event is a duplicate, wherever its partition');
  assert.equal(await partitionOf(schema), [
    ['future', 'user_logins_default'], ['past', 'user_logins_default'],
    ['today', `user_logins_p${day(0).replace(/-/g, '')}`], ['tomorrow', `user_logins_p${day(1).replace(/-/g, '')}`],
  ]);
  const r = await runUpkeep(db, schema, { partitionsAhead: 14, retentionDays: 0 });
  assert.is(r.defaultRows, 2);
  assert.equal([r.firstDay, r.endDay], [day(-1), day(15)]);
}));

test('a partition made for a day the default partition has rows of takes them: each row still once', () => withSchema(PREFIX, async (schema) => {
  await migrate(db, schema);
  const write = createWriter(db, schema);
  await write([row('early', day(20)), row('earlier', day(16))], (r) => r);
  const r = await runUpkeep(db, schema, { partitionsAhead: 30, retentionDays: 0 });
  assert.is(r.created.length, 16);
  assert.is(r.defaultRows, 0);
  assert.equal(await partitionOf(schema), [['earlier', `user_logins_p${day(16).replace(/-/g, '')}`], ['early', `user_logins_p${day(20).replace(/-/g, '')}`]]);
  assert.is((await write([row('early', day(20))], (x) => x)).duplicates, 1);
}));

test('several upkeeps at once make each partition once and all succeed', () => withSchema(PREFIX, async (schema) => {
  await migrate(db, schema);
  const runs = await Promise.all([1, 2, 3, 4].map(() => runUpkeep(db, schema, { partitionsAhead: 60, retentionDays: 0 })));
  const made = runs.flatMap((r) => r.created);
  assert.is(made.length, 46, 'days 15 to 60 ahead, once');
  assert.is(new Set(made).size, made.length);
  assert.is((await partitions(schema)).length, 1 + 62);
}));

test('retention drops whole partitions older than USER_LOGINS_RETENTION_DAYS and the default partition\'s old rows, and keeps the rest', () => withSchema(PREFIX, async (schema) => {
  await migrate(db, schema);
  // Partitions of days long gone, as an upkeep of back then made them.
  for (const offset of [-100, -40, -31]) {
    const d = day(offset);
    await db.none(`CREATE TABLE $1:name.$2:name PARTITION OF $1:name.user_logins FOR VALUES FROM ($3) TO ($4)`, [schema, `user_logins_p${d.replace(/-/g, '')}`, d, day(offset + 1)]);
  }
  const write = createWriter(db, schema);
  await write([row('d-100', day(-100)), row('d-40a', day(-40)), row('d-40b', day(-40)), row('d-31', day(-31)), row('d-0', day(0)), row('old-default', day(-200)), row('future', '2999-12-31')], (r) => r);
  const r = await runUpkeep(db, schema, { partitionsAhead: 14, retentionDays: 35 });
  assert.equal(r.dropped, [`user_logins_p${day(-100).replace(/-/g, '')}`, `user_logins_p${day(-40).replace(/-/g, '')}`]);
  assert.is(r.expiredRows, 4, 'three rows of the dropped partitions and one of the default partition');
  assert.equal((await partitionOf(schema)).map(([id]) => id), ['d-0', 'd-31', 'future']);
  assert.equal((await runUpkeep(db, schema, { partitionsAhead: 14, retentionDays: 35 })).dropped, [], 'nothing more to drop');
}));

test('reveal, rekey and forget work across partitions, the default one included', () => withSchema(PREFIX, async (schema) => {
  await migrate(db, schema);
  const write = createWriter(db, schema);
  await write([row('a', day(-1)), row('b', day(0)), row('c', day(5)), row('d', '1999-01-01'), row('x', day(0), 'u2')], (r) => r);
  // Each request commits its audit row before its fetch (sink/sql/004_...).
  const reveal = async (by: string, values: string[]) => {
    const asked = await db.one('SELECT * FROM $1:name.pii_reveal_request($2, $3::text[], $4, $5, $6)', [schema, by, values, 'ticket', null, 'me']);
    return db.one('SELECT * FROM $1:name.pii_reveal_fetch($2)', [schema, asked.audit_id]);
  };
  assert.equal((await reveal('user_id', ['u1'])).event_ids, ['a', 'b', 'c', 'd']);
  assert.equal((await reveal('event_id', ['d', 'c', 'nope'])).event_ids, ['c', 'd']);
  assert.equal((await reveal('masked_ip', ['ip-u2'])).event_ids, ['x']);

  const asked = await db.one('SELECT * FROM $1:name.pii_rekey_request($2, $3, $4, $5, $6, $7)', [schema, 'k2', '', 10, 'rotation', null, 'me']);
  const changed = await db.tx(async (t) => {
    const fetched = await t.one('SELECT * FROM $1:name.pii_rekey_fetch($2)', [schema, asked.audit_id]);
    assert.equal(fetched.event_ids, ['a', 'b', 'c', 'd', 'x']);
    return t.one('SELECT $1:name.pii_rekey_apply($2, $3::text[], $4::text[], $5::text[]) AS n', [schema, asked.audit_id, fetched.event_ids,
      fetched.event_ids.map((e: string) => `new-ip-${e}`), fetched.event_ids.map((e: string) => `new-dev-${e}`)]);
  });
  assert.is(changed.n, 5);
  assert.is((await db.one('SELECT count(*)::int AS n FROM $1:name.user_logins WHERE mask_key_id = $2', [schema, 'k2'])).n, 5);

  const forgot = await db.one('SELECT * FROM $1:name.pii_forget($2, $3, $4, $5, $6)', [schema, 'u1', false, 'erasure', null, 'me']);
  assert.equal(forgot.event_ids, ['a', 'b', 'c', 'd']);
  assert.is((await db.one('SELECT count(*)::int AS n FROM $1:name.user_logins WHERE sealed_ip IS NOT NULL', [schema])).n, 1);
  const deleted = await db.one('SELECT * FROM $1:name.pii_forget($2, $3, $4, $5, $6)', [schema, 'u1', true, 'erasure', null, 'me']);
  assert.equal(deleted.event_ids, ['a', 'b', 'c', 'd']);
  assert.equal((await partitionOf(schema)).map(([id]) => id), ['x']);
}));

test('upkeep refuses days ahead or a retention out of range, naming what is wrong', () => withSchema(PREFIX, async (schema) => {
  await migrate(db, schema);
  for (const [ahead, keep, what] of [[-1, 0, /days ahead/], [367, 0, /days ahead/], [1, -5, /retention/]] as const) {
    try {
      await runUpkeep(db, schema, { partitionsAhead: ahead, retentionDays: keep });
      assert.unreachable(`${ahead}, ${keep} accepted`);
    } catch (err) {
      assert.match((err as Error).message, what);
    }
  }
}));

test.run();
