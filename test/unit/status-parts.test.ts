// The pure parts of `loginpipe status`: lag arithmetic, the redrive policy, and the screen.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { groupLag } from '../../cli/inspect/lag.js';
import { formatStatus, statusJson, type StatusSnapshot } from '../../cli/inspect/status-view.js';

const lags: { name: string; ends: { partition: number; high: string; low: string }[]; committed: { partition: number; offset: string }[]; lags: string[]; committedOut: (string | null)[]; total: string }[] = [
  { name: 'caught up', ends: [{ partition: 0, high: '10', low: '0' }], committed: [{ partition: 0, offset: '10' }], lags: ['0'], committedOut: ['10'], total: '0' },
  { name: 'behind on some partitions', ends: [{ partition: 1, high: '50', low: '0' }, { partition: 0, high: '10', low: '0' }], committed: [{ partition: 0, offset: '4' }, { partition: 1, offset: '50' }], lags: ['6', '0'], committedOut: ['4', '50'], total: '6' },
  { name: 'never committed: everything retained is pending', ends: [{ partition: 0, high: '30', low: '5' }], committed: [{ partition: 0, offset: '-1' }], lags: ['25'], committedOut: [null], total: '25' },
  { name: 'partition missing from the group\'s answer', ends: [{ partition: 0, high: '3', low: '0' }], committed: [], lags: ['3'], committedOut: [null], total: '3' },
  { name: 'committed below the log start: deleted records are not lag', ends: [{ partition: 0, high: '100', low: '90' }], committed: [{ partition: 0, offset: '20' }], lags: ['10'], committedOut: ['20'], total: '10' },
  { name: 'committed past the end (a truncated log): no negative lag', ends: [{ partition: 0, high: '5', low: '0' }], committed: [{ partition: 0, offset: '9' }], lags: ['0'], committedOut: ['9'], total: '0' },
  { name: 'offsets beyond 2^53 stay exact', ends: [{ partition: 0, high: '9007199254740995', low: '0' }], committed: [{ partition: 0, offset: '9007199254740993' }], lags: ['2'], committedOut: ['9007199254740993'], total: '2' },
  { name: 'garbage offsets count as none', ends: [{ partition: 0, high: '4', low: 'x' }], committed: [{ partition: 0, offset: 'NaN' }], lags: ['4'], committedOut: [null], total: '4' },
  { name: 'an empty topic', ends: [], committed: [], lags: [], committedOut: [], total: '0' },
];

for (const c of lags) {
  test(`lag: ${c.name}`, () => {
    const g = groupLag('g', 't', c.ends, c.committed);
    assert.equal(g.partitions.map((p) => p.lag), c.lags);
    assert.equal(g.partitions.map((p) => p.committed), c.committedOut);
    assert.is(g.total, c.total);
    assert.equal(g.partitions.map((p) => p.partition), [...g.partitions.map((p) => p.partition)].sort((a, b) => a - b));
  });
}

// The redrive policy's parsing is lib/sqs/depth.ts's redriveTarget, tested in sqs-depth.test.ts.

const snapshot: StatusSnapshot = {
  at: '2026-12-02T06:00:00.000Z',
  queue: { ok: true, value: { url: 'http://h/000/login-queue', visible: 1200, inFlight: 30, delayed: 0 } },
  redrive: { ok: true, value: { url: 'http://h/000/login-queue-dlq', visible: 2, inFlight: 0, delayed: 0 } },
  lag: [
    { name: 'processor', part: { ok: true, value: groupLag('loginpipe-processor', 'logins.raw', [{ partition: 0, high: '10', low: '0' }, { partition: 1, high: '5', low: '0' }], [{ partition: 0, offset: '7' }]) } },
    { name: 'sink', part: { ok: false, error: 'topic logins.clean does not exist' } },
  ],
  rows: { ok: true, value: { table: 'public.user_logins', count: 1234567 } },
  deadLetters: { ok: true, value: { topic: 'logins.dlq', since: '2026-12-02T05:00:00.000Z', total: 7, byCode: [{ code: 'invalid_ip', count: 5 }, { code: 'missing_field', count: 2 }] } },
  services: [{ name: 'connector', address: '127.0.0.1:9401', state: 'ready' }, { name: 'sink', address: null, state: 'not checked' }],
};

test('the status screen shows every part, and why a part is missing', () => {
  const text = formatStatus(snapshot);
  for (const expected of [
    'login-queue  visible 1,200  in flight 30  delayed 0',
    'redrive login-queue-dlq  visible 2',
    'processor (group loginpipe-processor on logins.raw): 8',
    'p0 3   p1 5 (no commit)',
    'sink: unavailable: topic logins.clean does not exist',
    'public.user_logins: 1,234,567',
    'logins.dlq: 7 since 2026-12-02T05:00:00.000Z',
    'invalid_ip           5',
    'connector  ready',
    '(health port 0: not checked)',
  ]) assert.ok(text.includes(expected), `screen shows ${JSON.stringify(expected)}:\n${text}`);
});

test('the status screen says when there is no redrive queue and no table', () => {
  const text = formatStatus({ ...snapshot, redrive: { ok: true, value: null }, rows: { ok: true, value: { table: 's.user_logins', count: null } } });
  assert.ok(text.includes('redrive: none'));
  assert.ok(text.includes('no table yet'));
});

test('status JSON carries the same facts, errors as { error }', () => {
  const j = statusJson(snapshot) as Record<string, any>;
  assert.is(j.queue.visible, 1200);
  assert.is(j.lag.processor.total, '8');
  assert.equal(j.lag.sink, { error: 'topic logins.clean does not exist' });
  assert.is(j.dead_letters_last_hour.by_code[0].code, 'invalid_ip');
  assert.is(JSON.parse(JSON.stringify(j)).rows.count, 1234567);
});

test.run();
