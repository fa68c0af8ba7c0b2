// `loginpipe demo` is a newcomer's first look: on a healthy stack it must not print a line at
// level error (pino 50) or above. kafkajs logs retried, transient moments (a group coordinator
// that is not available yet right after a broker starts, a leader election) at its ERROR level;
// lib/kafka/kafkajs-levels.ts maps those down, and this run is the proof on the real stack. The same run
// shows the services' stop lines, read from the Prometheus counters (lib/observability/stop-summary.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newWorld, type World } from './harness.js';
import { runCli, type CliResult } from './cli-run.js';

interface LogLine { level: number; msg?: string; [field: string]: unknown }

/** The JSON log lines of an output, parsed; the demo's own prose lines are not JSON. */
function logLines(output: string): LogLine[] {
  return output.split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
    try {
      const entry = JSON.parse(l) as LogLine;
      return typeof entry.level === 'number' ? [entry] : [];
    } catch {
      return [];
    }
  });
}

const demo = suite<{ world?: World; run?: CliResult; output: string; lines: LogLine[] }>('demo', { output: '', lines: [] });

demo.before(async (ctx) => {
  // Its own queue, topics, groups, transactional id and schema: nothing shared with other runs.
  // LOG_LEVEL info (the world's) shows more than the demo's default (warn), so nothing hides.
  ctx.world = await newWorld('demo');
  ctx.run = await runCli(['demo'], ctx.world.env, 240_000);
  ctx.output = `${ctx.run.stdout}\n${ctx.run.stderr}`;
  ctx.lines = logLines(ctx.output);
});

demo.after(async (ctx) => {
  await ctx.world?.cleanup();
});

demo('a healthy demo run prints no log line at level error or above', (ctx) => {
  assert.is(ctx.run!.code, 0, `demo exits 0:\n${ctx.output}`);
  assert.ok(ctx.run!.stdout.includes('all landed'), 'the demo saw every row land');
  assert.ok(ctx.lines.some((l) => l.msg === 'processor started'), 'the log lines are seen (the check is not vacuous)');
  const loud = ctx.lines.filter((l) => l.level >= 50).map((l) => JSON.stringify(l));
  assert.equal(loud, [], 'lines at error or above');
});

demo('the processor and sink stop lines carry the run\'s totals', (ctx) => {
  const seeded = /seeded (\d+) logins into \S+: (\d+) valid, (\d+) malformed/.exec(ctx.run!.stdout);
  assert.ok(seeded, 'the demo says what it seeded');
  const [, , valid, malformed] = seeded.map(Number);
  const processor = ctx.lines.find((l) => l.msg === 'processor stopped');
  const sink = ctx.lines.find((l) => l.msg === 'sink stopped');
  assert.ok(processor && sink, 'both stop lines are there');
  assert.is(processor.clean, valid);
  assert.is(processor.dead, malformed);
  assert.ok(typeof processor.transactions === 'number' && processor.transactions >= 1, 'at least one committed transaction');
  assert.is(sink.inserted, valid, 'every valid login inserted (the schema is new)');
  assert.equal([sink.rejected, sink.undecodable], [0, 0]);
});

demo.run();
