// Repeatable flags (reveal --event-id A --event-id B) and writing parsed flags back as argv for
// the commands that keep a parser of their own behind the table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asArgv, parseCommandLine, UsageError, type Command } from '../../cli/args.js';

const TABLE: Command[] = [{
  name: 'reveal', description: 'opens', run: async () => 0,
  flags: {
    'event-id': { type: 'string', multiple: true, description: 'an id' },
    reason: { type: 'string', required: true, description: 'why' },
    json: { type: 'boolean', description: 'as JSON' },
  },
}];

const cases: { name: string; argv: string[]; ids?: string[]; back?: string[]; error?: RegExp }[] = [
  { name: 'one value is a list of one', argv: ['reveal', '--event-id', 'a', '--reason', 'r'], ids: ['a'], back: ['--event-id=a', '--reason=r'] },
  { name: 'several values keep their order', argv: ['reveal', '--event-id', 'b', '--event-id=a', '--reason', 'r', '--json'], ids: ['b', 'a'], back: ['--event-id=b', '--event-id=a', '--reason=r', '--json'] },
  { name: 'none given is undefined', argv: ['reveal', '--reason', 'r'], ids: undefined, back: ['--reason=r'] },
  { name: 'a value that starts with dashes survives the round trip', argv: ['reveal', '--event-id=--x', '--reason', 'r'], ids: ['--x'], back: ['--event-id=--x', '--reason=r'] },
  { name: 'a missing required flag is named', argv: ['reveal', '--event-id', 'a'], error: /--reason is required/ },
  { name: 'a repeatable flag without a value is named', argv: ['reveal', '--reason', 'r', '--event-id'], error: /"--event-id" needs a value/ },
];

for (const c of cases) {
  test(`repeatable flags: ${c.name}`, () => {
    if (c.error) {
      assert.throws(() => parseCommandLine('lp', TABLE, c.argv), (e: unknown) => e instanceof UsageError && c.error!.test((e as Error).message));
      return;
    }
    const p = parseCommandLine('lp', TABLE, c.argv);
    if (p.kind !== 'run') throw new Error('expected a run');
    assert.equal(p.args.flags['event-id'], c.ids);
    const back = asArgv(p.args);
    assert.equal(back, c.back);
    // Parsing what was written back gives the same flags.
    const again = parseCommandLine('lp', TABLE, ['reveal', ...back]);
    if (again.kind !== 'run') throw new Error('expected a run');
    assert.equal(again.args.flags, p.args.flags);
  });
}

test.run();
