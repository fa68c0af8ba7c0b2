import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Outage } from '../../lib/runtime/outage.js';
import { createLogger } from '../../lib/observability/log.js';

// Outage.ride: which failures are waited out, which are thrown, and the hooks that pause and
// resume input. Each case lists what fn does on successive calls.
const log = createLogger({ level: 'silent' });
const transient = new Error('connection refused');
const fatal = new Error('bad row');

const cases: { name: string; script: ('ok' | 'transient' | 'fatal')[]; expect: 'ok' | 'fatal' | 'transient'; calls: number; paused: number; resumed: number; changes: boolean[] }[] = [
  { name: 'a first success touches nothing', script: ['ok'], expect: 'ok', calls: 1, paused: 0, resumed: 0, changes: [] },
  { name: 'transient failures are retried until success, pausing once and resuming once', script: ['transient', 'transient', 'ok'], expect: 'ok', calls: 3, paused: 1, resumed: 1, changes: [true, false] },
  { name: 'a non-transient error is thrown at once', script: ['fatal'], expect: 'fatal', calls: 1, paused: 0, resumed: 0, changes: [] },
  { name: 'a non-transient error after an outage is thrown, and input still resumes', script: ['transient', 'fatal'], expect: 'fatal', calls: 2, paused: 1, resumed: 1, changes: [true] },
];

for (const c of cases) {
  test(`Outage.ride: ${c.name}`, async () => {
    const changes: boolean[] = [];
    const outage = new Outage('postgres', log, { policy: { initialMs: 1, maxMs: 2 }, onChange: (_d, down) => changes.push(down) });
    let calls = 0;
    let paused = 0;
    let resumed = 0;
    const outcome = await outage.ride(async () => {
      const step = c.script[calls++];
      if (step === 'transient') throw transient;
      if (step === 'fatal') throw fatal;
      return 'ok' as const;
    }, { isTransient: (e) => e === transient, onFirstFailure: () => paused++, onEnd: () => resumed++ }).catch((e: unknown) => (e === fatal ? 'fatal' : 'transient'));
    assert.is(outcome, c.expect);
    assert.is(calls, c.calls);
    assert.is(paused, c.paused);
    assert.is(resumed, c.resumed);
    assert.equal(changes, c.changes);
  });
}

test('Outage.ride: an abort ends the wait with the last transient error', async () => {
  const outage = new Outage('registry', log, { policy: { initialMs: 10_000, maxMs: 10_000 } });
  const stop = new AbortController();
  const run = outage.ride(async () => { throw transient; }, { isTransient: () => true, signal: stop.signal });
  setTimeout(() => stop.abort(), 5);
  const err = await run.catch((e: unknown) => e);
  assert.is(err, transient);
  assert.ok(outage.active, 'still counted as down');
});

test.run();
