// The `growth` step: the sink's writer (sink/writer.ts: COPY to staging + INSERT ... ON CONFLICT,
// batches of 1,000, two in flight) writing 100,000 fresh rows dated today into user_logins as the
// migrations make it (three times; the median counts), empty and then filled inside Postgres
// (generate_series) to each size of BENCH_GROWTH_ROWS, each rate as a ratio to the empty table's,
// with the table's sizes. The fill spreads the rows evenly over the 365 days up to today, as a
// year of logins would be, so today's partition holds a day's share before the measured rows
// come. Postgres only (no stack); a scratch schema, dropped at the end.
//
//   BENCH_GROWTH_ROWS   table sizes to measure at, comma-separated (default 10000000,50000000)
//   BENCH_GROWTH_WRITE  fresh rows written at each size (default 100000)
import { randomBytes, randomUUID } from 'node:crypto';
import { pgp, type Db } from '../lib/postgres/db.js';
import { migrate } from '../sink/migrate.js';
import { createWriter } from '../sink/writer.js';
import type { UserLoginRow } from '../sink/rows.js';

export const GROWTH_SIZES = (process.env.BENCH_GROWTH_ROWS ?? '10000000,50000000').split(',').map(Number).filter((n) => n > 0);
const WRITE = Number(process.env.BENCH_GROWTH_WRITE ?? 100_000);
const BATCH = 1_000;
const IN_FLIGHT = 2;
const DAYS = 365;

export interface GrowthPoint { rows: number; rate: number; ratio: number; heapBytes: number; indexBytes: number; todayIndexBytes: number; fillSeconds: number }

const today = () => new Date().toISOString().slice(0, 10);

/** A row shaped as the sink writes one: 64-hex masks, sealed values of the sizes HPKE makes. */
function freshRow(): UserLoginRow {
  return {
    event_id: randomUUID(), user_id: `user-${Math.floor(Math.random() * 1_000_000)}`, device_type: 'android',
    masked_ip: randomBytes(32).toString('hex'), masked_device_id: randomBytes(32).toString('hex'), locale: 'en-US', app_version: 2003000,
    create_date: today(), sealed_ip: randomBytes(52), sealed_device_id: randomBytes(72), mask_key_id: 'a1b2c3d4',
  };
}

/** Rows per second of the sink's writer, `WRITE` fresh rows, batches of 1,000, two in flight. */
async function writeRate(db: Db, schema: string): Promise<number> {
  const write = createWriter(db, schema);
  // Unmeasured: each pooled connection makes its staging table on its first batch, and the code
  // on the way is compiled by V8 after a few.
  for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: IN_FLIGHT }, () => write(Array.from({ length: BATCH }, freshRow), (x) => x)));
  // Made before the clock starts: making them (random bytes) is slower than writing them.
  const batches = Array.from({ length: Math.ceil(WRITE / BATCH) }, (_, b) => Array.from({ length: Math.min(BATCH, WRITE - b * BATCH) }, freshRow));
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const r = await write(batch, (x) => x);
      if (r.inserted !== batch.length) throw new Error(`growth: ${batch.length - r.inserted} of ${batch.length} fresh rows not inserted`);
    }
  }));
  return WRITE / ((performance.now() - started) / 1000);
}

/** Adds `rows` rows spread evenly over the 365 days up to today, one INSERT per day (in date order, as they would have come). */
async function fill(db: Db, schema: string, from: number, rows: number): Promise<void> {
  const perDay = Math.ceil(rows / DAYS);
  for (let d = DAYS - 1, done = 0; d >= 0 && done < rows; d--) {
    const n = Math.min(perDay, rows - done);
    await db.none(`INSERT INTO $1:name.user_logins (event_id, user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date, sealed_ip, sealed_device_id, mask_key_id)
      SELECT m, 'user-' || (i % 1000000), 'android', m || reverse(m), reverse(m) || m, 'en-US', 2003000, (now() AT TIME ZONE 'UTC')::date - $2::int,
             decode(m || m || m || '01020304', 'hex'), decode(m || m || m || m || '0102030405060708', 'hex'), 'a1b2c3d4'
        FROM (SELECT i, md5(i::text) AS m FROM generate_series($3::bigint, $4::bigint) AS i) g`, [schema, d, from + done, from + done + n - 1]);
    done += n;
  }
}

/**
 * Before each measurement, the empty table's too: fresh statistics, as autovacuum would have them,
 * and every dirty page written out, so that no measurement pays for what came before it.
 */
async function settle(db: Db, schema: string): Promise<void> {
  await db.none('ANALYZE $1:name.user_logins', [schema]);
  await db.none('CHECKPOINT');
}

async function sizes(db: Db, schema: string): Promise<{ heap: number; index: number; todayIndex: number }> {
  const r = await db.one(`SELECT coalesce(sum(pg_table_size(i.inhrelid)), 0)::bigint AS heap, coalesce(sum(pg_indexes_size(i.inhrelid)), 0)::bigint AS index,
      coalesce(sum(pg_indexes_size(i.inhrelid)) FILTER (WHERE c.relname = 'user_logins_p' || to_char((now() AT TIME ZONE 'UTC')::date, 'YYYYMMDD')), 0)::bigint AS today
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`, [`"${schema}".user_logins`]);
  return { heap: Number(r.heap), index: Number(r.index), todayIndex: Number(r.today) };
}

/** Runs the step; `progress` gets a line per phase. */
export async function growthStep(db: Db, progress: (line: string) => void): Promise<GrowthPoint[]> {
  const schema = `bench_growth_${randomUUID().slice(0, 8)}`;
  const points: GrowthPoint[] = [];
  try {
    await migrate(db, schema);
    // The partitions a year of upkeep would have made (migrate makes them from yesterday on).
    await db.none(`DO $$ BEGIN
      FOR d IN 2..${DAYS} LOOP
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.user_logins FOR VALUES FROM (%L) TO (%L)', $1, 'user_logins_p' || to_char((now() AT TIME ZONE 'UTC')::date - d, 'YYYYMMDD'),
          $1, (now() AT TIME ZONE 'UTC')::date - d, (now() AT TIME ZONE 'UTC')::date - d + 1);
      END LOOP;
    END $$`.replace(/\$1/g, pgp.as.text(schema)));
    let filled = 0;
    let empty = 0;
    for (const target of [0, ...GROWTH_SIZES]) {
      const started = performance.now();
      if (target > filled) {
        progress(`  growth: filling to ${target.toLocaleString('en-US')} rows`);
        await fill(db, schema, filled + 1, target - filled);
      }
      const fillSeconds = (performance.now() - started) / 1000;
      await settle(db, schema);
      const { heap, index, todayIndex } = await sizes(db, schema);
      // The median of three runs: one run is two seconds on a machine others share.
      const runs = [await writeRate(db, schema), await writeRate(db, schema), await writeRate(db, schema)].sort((a, b) => a - b);
      const rate = runs[1]!;
      if (target === 0) empty = rate;
      points.push({ rows: target, rate, ratio: rate / empty, heapBytes: heap, indexBytes: index, todayIndexBytes: todayIndex, fillSeconds });
      progress(`  growth: ${target.toLocaleString('en-US')} rows: ${Math.round(rate).toLocaleString('en-US')} rows/s (${(rate / empty).toFixed(2)} of empty)`);
      // The fresh rows stay; the next fill numbers its rows on from this one's.
      filled = Math.max(target, filled);
    }
  } finally {
    await db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [schema]);
  }
  return points;
}

const mb = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GB` : `${Math.round(b / 2 ** 20)} MB`);

export function renderGrowth(points: GrowthPoint[]): string {
  return [
    `| rows already in user_logins | rows/s | ÷ empty table | heap | indexes | today's partition's indexes | fill |`,
    '|---|---|---|---|---|---|---|',
    ...points.map((p) => `| ${p.rows.toLocaleString('en-US')} | ${Math.round(p.rate).toLocaleString('en-US')} | ${p.ratio.toFixed(2)} | ${mb(p.heapBytes)} | ${mb(p.indexBytes)} | ${mb(p.todayIndexBytes)} | ${p.fillSeconds.toFixed(0)} s |`),
  ].join('\n');
}
