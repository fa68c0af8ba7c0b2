import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ScrapeSampler } from '../../lib/observability/scrape-sampler.js';

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

test('a second scrape within the interval reuses the last reading', async () => {
  const c = clock();
  let reads = 0;
  const s = new ScrapeSampler(async () => { reads++; }, { minIntervalMs: 5_000, waitMs: 1_000, onError: () => {}, now: c.now });
  await s.refresh();
  c.advance(4_999);
  await s.refresh();
  assert.is(reads, 1);
  c.advance(1);
  await s.refresh();
  assert.is(reads, 2, 'once the interval has passed, a scrape reads again');
});

test('scrapes that arrive during a reading share it', async () => {
  const c = clock();
  let reads = 0;
  let finish!: () => void;
  const s = new ScrapeSampler(() => { reads++; return new Promise<void>((r) => { finish = r; }); }, { minIntervalMs: 0, waitMs: 60_000, onError: () => {}, now: c.now });
  const first = s.refresh();
  const second = s.refresh();
  finish();
  await Promise.all([first, second]);
  assert.is(reads, 1);
});

test('a scrape does not wait for a reading that hangs', async () => {
  let reads = 0;
  const s = new ScrapeSampler(() => { reads++; return new Promise<void>(() => {}); }, { minIntervalMs: 0, waitMs: 5, onError: () => {} });
  await s.refresh(); // would never settle if it waited for the reading
  await s.refresh();
  assert.is(reads, 1, 'no second reading while the first is under way');
});

test('a failed reading is reported and the scrape still succeeds', async () => {
  const errors: unknown[] = [];
  const boom = new Error('SQS unreachable');
  const s = new ScrapeSampler(async () => { throw boom; }, { minIntervalMs: 0, waitMs: 1_000, onError: (e) => errors.push(e) });
  await s.refresh();
  assert.equal(errors, [boom]);
  await s.refresh();
  assert.is(errors.length, 2, 'and the next scrape tries again');
});

test.run();
