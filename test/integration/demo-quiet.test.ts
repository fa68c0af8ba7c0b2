// `loginpipe demo` is a newcomer's first look: on a healthy stack it must not print a line at
// level error (pino 50) or above. kafkajs logs retried, transient moments (a group coordinator
// that is not available yet right after a broker starts, a leader election) at its ERROR level;
// lib/kafkajs-levels.ts maps those down, and this run is the proof on the real stack.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newWorld } from './harness.js';
import { runCli } from './cli-run.js';

/** The JSON log lines of an output, parsed; the demo's own prose lines are not JSON. */
function logLines(output: string): { level: number; msg?: string }[] {
  return output.split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
    try {
      const entry = JSON.parse(l) as { level?: unknown; msg?: string };
      return typeof entry.level === 'number' ? [{ level: entry.level, msg: entry.msg }] : [];
    } catch {
      return [];
    }
  });
}

test('a healthy demo run prints no log line at level error or above', async () => {
  // Its own queue, topics, groups, transactional id and schema: nothing shared with other runs.
  // LOG_LEVEL info (the world's) shows more than the demo's default (warn), so nothing hides.
  const world = await newWorld('demo');
  try {
    const run = await runCli(['demo'], world.env, 240_000);
    const output = `${run.stdout}\n${run.stderr}`;
    assert.is(run.code, 0, `demo exits 0:\n${output}`);
    assert.ok(run.stdout.includes('all landed'), 'the demo saw every row land');
    const lines = logLines(output);
    assert.ok(lines.some((l) => l.msg === 'processor started'), 'the log lines are seen (the check is not vacuous)');
    const loud = lines.filter((l) => l.level >= 50);
    assert.equal(loud, [], `lines at error or above:\n${output.split('\n').filter((l) => /"level":(5|6)\d/.test(l)).join('\n')}`);
  } finally {
    await world.cleanup();
  }
});

test.run();
