// The sink's writer against the real Postgres: COPY into a staging table, then one INSERT ...
// ON CONFLICT per batch. Values round-trip byte for byte, a batch written twice lands once, and
// rows Postgres refuses (in the COPY or in the INSERT) are isolated while the rest lands.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { migrate } from '../../sink/migrate.js';
import { createWriter } from '../../sink/writer.js';
import type { UserLoginRow } from '../../sink/rows.js';
import type { Db } from '../../lib/postgres/db.js';
import { asRole, db } from './harness.js';
import { refuseLocaleXX } from './refused-rows.js';
import { dropSchema, freshSchema, landedRows as landed } from './user-logins-table.js';

/**
 * Migrates the schemas with the roles of `migrate --roles` and runs `fn` with a pool that logs in
 * as the insert-only sink role: the writer runs as the sink does in production. The schemas and
 * roles are dropped afterwards.
 */
async function asSink(schemas: [string, ...string[]], fn: (sink: Db) => Promise<void>): Promise<void> {
  const [first, ...more] = schemas;
  await asRole(first, 'sink', 2, async (sink, lp) => {
    try {
      for (const s of more) await migrate(db, s, lp.roles);
      await fn(sink);
    } finally {
      for (const s of more) await dropSchema(s);
    }
  });
}

const same = <T>(x: T) => x;
/** The counts of a write, without the inserted items themselves. */
const counts = (r: { inserted: number; duplicates: number; rejected: unknown[]; insertedItems: unknown[] }) => {
  assert.is(r.insertedItems.length, r.inserted);
  return { inserted: r.inserted, duplicates: r.duplicates, rejected: r.rejected };
};

function row(i: number, extra: Partial<UserLoginRow> = {}): UserLoginRow {
  return {
    event_id: `evt-${String(i).padStart(5, '0')}`, user_id: `user-${i}`, device_type: i % 2 ? 'android' : null,
    masked_ip: 'a'.repeat(64), masked_device_id: 'b'.repeat(64), locale: i % 3 ? 'DE' : null,
    app_version: i % 4 ? 2003000 + i : null, create_date: '2026-12-02', sealed_ip: null, sealed_device_id: null, mask_key_id: null, ...extra,
  };
}

test('hostile text round-trips through COPY unchanged, and NULLs stay NULL', async () => {
  const schema = freshSchema('t_writer');
  await asSink([schema], async (sink) => {
    const hostile = ['tab\there', 'new\nline', 'cr\r\nlf', 'back\\slash\\', '\\N', '\\.', 'Zoë 東京 🚀', `'); DROP TABLE x; --`, ''];
    const rows = hostile.map((text, i) => row(i, { user_id: text === '' ? 'u' : text, device_type: i === 8 ? '' : null, locale: text.slice(0, 32) || null }));
    // bytea through COPY: bytes that are COPY's own specials, and an empty value.
    rows[1] = { ...rows[1]!, sealed_ip: Buffer.from([0x5c, 0x09, 0x0a, 0x0d, 0x00, 0xff]), sealed_device_id: Buffer.alloc(0), mask_key_id: 'k\\1' };
    const result = await createWriter(sink, schema)(rows, same);
    assert.equal(counts(result), { inserted: rows.length, duplicates: 0, rejected: [] });
    assert.equal(await landed(schema), rows);
  });
});

test('a batch written twice lands once: the second time every row is a duplicate', async () => {
  const schema = freshSchema('t_writer');
  await asSink([schema], async (sink) => {
    const write = createWriter(sink, schema);
    const rows = Array.from({ length: 500 }, (_, i) => row(i));
    assert.equal(counts(await write(rows, same)), { inserted: 500, duplicates: 0, rejected: [] });
    // Overlapping batch, with a repeat inside the batch itself.
    const again = [...rows.slice(250), row(600), row(600)];
    assert.equal(counts(await write(again, same)), { inserted: 1, duplicates: 251, rejected: [] });
    assert.is((await landed(schema)).length, 501);
  });
});

test('refused rows are split out alone, in the COPY (too long) and in the INSERT (a CHECK), and the rest lands', async () => {
  const schema = freshSchema('t_writer');
  await asSink([schema], async (sink) => {
    await refuseLocaleXX(schema);
    const rows = Array.from({ length: 200 }, (_, i) => row(i));
    const tooLong = new Set([13, 150]);
    const checked = new Set([77, 78, 199]);
    for (const i of tooLong) rows[i] = row(i, { device_type: 'x'.repeat(33) });
    for (const i of checked) rows[i] = row(i, { locale: 'XX' });
    const result = await createWriter(sink, schema)(rows, same);
    const refused = [...tooLong, ...checked].sort((a, b) => a - b).map((i) => rows[i]!.event_id);
    assert.equal(result.rejected.map((r) => r.item.event_id).sort(), refused);
    for (const r of result.rejected) {
      const code = (r.error as { code?: string }).code;
      assert.ok(code === '22001' || code === '23514', `SQLSTATE ${code}`);
    }
    assert.is(result.inserted, 195);
    assert.equal((await landed(schema)).map((r) => r.event_id), rows.filter((r) => !refused.includes(r.event_id)).map((r) => r.event_id));
    // The connections are fine afterwards: the next batch lands normally.
    assert.equal(counts(await createWriter(sink, schema)([row(1000)], same)), { inserted: 1, duplicates: 0, rejected: [] });
  });
});

test('two schemas written through one pool keep their staging tables apart', async () => {
  const a = freshSchema('t_writer');
  const b = freshSchema('t_writer');
  await asSink([a, b], async (sink) => {
    const writeA = createWriter(sink, a);
    const writeB = createWriter(sink, b);
    await Promise.all([writeA([row(1), row(2)], same), writeB([row(3)], same)]);
    await writeA([row(4)], same);
    assert.equal((await landed(a)).map((r) => r.event_id), ['evt-00001', 'evt-00002', 'evt-00004']);
    assert.equal((await landed(b)).map((r) => r.event_id), ['evt-00003']);
  });
});

test.run();
