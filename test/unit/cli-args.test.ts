// The command line: parsing against a declared table, both levels of help, and what argv from
// anyone (unknown flags, missing values, control characters) turns into.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { duration, parseCommandLine, printable, share, sinceTime, UsageError, wholeNumber, type Command } from '../../cli/args.js';
import { COMMANDS } from '../../cli/commands.js';

const run = async () => 0;
const TABLE: Command[] = [
  { name: 'plain', description: 'takes nothing', run },
  {
    name: 'tail', description: 'reads a topic', run,
    positionals: [{ name: 'topic', choices: ['clean', 'raw'], description: 'which topic' }],
    flags: {
      max: { type: 'string', value: 'N', description: 'at most N', parse: wholeNumber(1) },
      json: { type: 'boolean', description: 'as JSON' },
      'from-beginning': { type: 'boolean', description: 'from the start' },
    },
  },
  {
    name: 'dlq', description: 'dead letters',
    subcommands: [
      { name: 'replay', description: 'replays', run, flags: { code: { type: 'string', required: true, description: 'the code' }, since: { type: 'string', default: '1h', description: 'span', parse: duration } } },
    ],
  },
];

const runs: { name: string; argv: string[]; path: string[]; flags?: Record<string, unknown>; positionals?: Record<string, string | undefined> }[] = [
  { name: 'a command without flags', argv: ['plain'], path: ['plain'], flags: {} },
  { name: 'a positional and flags in any order', argv: ['tail', '--json', 'raw', '--max', '5'], path: ['tail'], flags: { max: 5, json: true, 'from-beginning': false }, positionals: { topic: 'raw' } },
  { name: 'a flag value given with =', argv: ['tail', 'clean', '--max=7'], path: ['tail'], flags: { max: 7, json: false, 'from-beginning': false } },
  { name: 'an absent string flag is undefined', argv: ['tail', 'clean'], path: ['tail'], flags: { max: undefined, json: false, 'from-beginning': false } },
  { name: 'a subcommand with a required flag and a default', argv: ['dlq', 'replay', '--code', 'invalid_ip'], path: ['dlq', 'replay'], flags: { code: 'invalid_ip', since: 3_600_000 } },
  { name: 'a flag value that looks odd but is a value', argv: ['dlq', 'replay', '--code=--weird'], path: ['dlq', 'replay'], flags: { code: '--weird', since: 3_600_000 } },
];

for (const c of runs) {
  test(`parses: ${c.name}`, () => {
    const p = parseCommandLine('lp', TABLE, c.argv);
    assert.is(p.kind, 'run');
    if (p.kind !== 'run') return;
    assert.equal(p.args.path, c.path);
    if (c.flags) assert.equal(p.args.flags, c.flags);
    if (c.positionals) assert.equal(p.args.positionals, c.positionals);
  });
}

const refusals: { name: string; argv: string[]; says: RegExp[]; notSays?: RegExp }[] = [
  { name: 'no command at all', argv: [], says: [/no command/] },
  { name: 'an unknown command is named', argv: ['frobnicate'], says: [/unknown command "frobnicate"/] },
  { name: 'an unknown subcommand is named', argv: ['dlq', 'eat'], says: [/unknown command dlq "eat"/] },
  { name: 'a group without its subcommand', argv: ['dlq'], says: [/dlq needs a subcommand: replay/] },
  { name: 'an unknown flag is named', argv: ['tail', 'raw', '--maxx', '3'], says: [/unknown flag "--maxx"/] },
  { name: 'an unknown short flag is named', argv: ['tail', 'raw', '-z'], says: [/unknown flag "-z"/] },
  { name: 'a missing value at the end names the flag', argv: ['tail', 'raw', '--max'], says: [/"--max" needs a value/] },
  { name: 'a flag where a value should be names the flag', argv: ['tail', 'raw', '--max', '--json'], says: [/"--max" needs a value/] },
  { name: 'a boolean flag given a value', argv: ['tail', 'raw', '--json=yes'], says: [/"--json" takes no value/] },
  { name: 'a value that does not parse names flag and rule', argv: ['tail', 'raw', '--max', 'ten'], says: [/--max must be a whole number, got "ten"/] },
  { name: 'zero where at least one is needed', argv: ['tail', 'raw', '--max', '0'], says: [/--max must be between 1/] },
  { name: 'a negative number', argv: ['tail', 'raw', '--max=-3'], says: [/--max must be a whole number/] },
  { name: 'a huge number', argv: ['tail', 'raw', '--max', '99999999999999999999'], says: [/--max must be a whole number/] },
  { name: 'a required flag left out', argv: ['dlq', 'replay'], says: [/--code is required/] },
  { name: 'a positional outside its choices', argv: ['tail', 'cooked'], says: [/<topic> must be one of clean, raw, got "cooked"/] },
  { name: 'a missing positional', argv: ['tail'], says: [/missing <topic> \(one of clean, raw\)/] },
  { name: 'an extra positional', argv: ['plain', 'extra'], says: [/unexpected argument "extra"/] },
  { name: 'terminal escapes in a command are escaped', argv: ['\u001b[2Jboom'], says: [/unknown command "\\u001b\[2Jboom"/], notSays: /\u001b/ },
  { name: 'terminal escapes in a flag are escaped', argv: ['tail', 'raw', '--\u001b]0;x\u0007'], says: [/unknown flag/], notSays: /[\u001b\u0007]/ },
  { name: 'a bidi override in a value is escaped', argv: ['tail', 'r\u202eaw'], says: [/\\u202e/], notSays: /\u202e/ },
  { name: 'an enormous argument is clipped', argv: ['x'.repeat(10_000)], says: [/…/] },
  { name: 'a bad duration', argv: ['dlq', 'replay', '--code', 'c', '--since', '1 hour'], says: [/--since must be a duration/] },
];

for (const c of refusals) {
  test(`refuses: ${c.name}`, () => {
    let caught: unknown;
    try { parseCommandLine('lp', TABLE, c.argv); } catch (err) { caught = err; }
    assert.instance(caught, UsageError);
    const message = (caught as Error).message;
    for (const s of c.says) assert.match(message, s);
    if (c.notSays) assert.not.match(message, c.notSays);
    assert.ok(message.length < 400, 'message stays short');
  });
}

const helps: { name: string; argv: string[]; lists: string[] }[] = [
  { name: '--help lists every command and its flags', argv: ['--help'], lists: ['plain', 'tail <clean|raw> [--max N] [--json] [--from-beginning]', 'dlq replay --code VALUE [--since VALUE]', 'reads a topic', 'replays'] },
  { name: '-h is --help', argv: ['-h'], lists: ['usage: lp <command>'] },
  { name: 'help <command>', argv: ['help', 'tail'], lists: ['usage: lp tail', '--max N', 'at most N', '--from-beginning', '-h, --help'] },
  { name: '<command> --help, even with other arguments', argv: ['tail', 'raw', '--help'], lists: ['usage: lp tail', 'as JSON'] },
  { name: 'a group\'s --help lists its subcommands', argv: ['dlq', '--help'], lists: ['Subcommands:', 'replay'] },
  { name: 'a subcommand\'s --help', argv: ['dlq', 'replay', '-h'], lists: ['usage: lp dlq replay --code VALUE', '(required)', '(default 1h)'] },
];

for (const c of helps) {
  test(`help: ${c.name}`, () => {
    const p = parseCommandLine('lp', TABLE, c.argv);
    assert.is(p.kind, 'help');
    if (p.kind !== 'help') return;
    for (const l of c.lists) assert.ok(p.text.includes(l), `help lists ${JSON.stringify(l)}:\n${p.text}`);
  });
}

test('help: the real table lists every command, subcommand and flag, each with a line', () => {
  const p = parseCommandLine('loginpipe', COMMANDS, ['--help']);
  assert.is(p.kind, 'help');
  if (p.kind !== 'help') return;
  for (const c of COMMANDS) {
    assert.ok(c.description.length > 0 && !c.description.includes('\n'), `${c.name} has one line`);
    for (const s of c.subcommands ?? [c]) {
      const path = s === c ? [c.name] : [c.name, s.name];
      assert.ok(p.text.includes(path.join(' ')), `top help lists ${path.join(' ')}`);
      const sub = parseCommandLine('loginpipe', COMMANDS, [...path, '--help']);
      assert.is(sub.kind, 'help');
      for (const [flag, f] of Object.entries(s.flags ?? {})) {
        assert.ok(p.text.includes(`--${flag}`), `top help lists --${flag} of ${path.join(' ')}`);
        assert.ok(sub.kind === 'help' && sub.text.includes(`--${flag}`) && sub.text.includes(f.description), `${path.join(' ')} --help describes --${flag}`);
      }
    }
  }
});

const values: { name: string; parse: (raw: string) => unknown; raw: string; value?: unknown; error?: RegExp }[] = [
  { name: 'a whole number', parse: wholeNumber(1), raw: '42', value: 42 },
  { name: 'a whole number with a sign', parse: wholeNumber(0), raw: '+4', error: /whole number/ },
  { name: 'a whole number with spaces', parse: wholeNumber(0), raw: ' 4', error: /whole number/ },
  { name: 'a share', parse: share, raw: '0.25', value: 0.25 },
  { name: 'a share of 1', parse: share, raw: '1', value: 1 },
  { name: 'a share above 1', parse: share, raw: '1.5', error: /between 0 and 1/ },
  { name: 'NaN is no share', parse: share, raw: 'NaN', error: /between 0 and 1/ },
  { name: 'a duration in minutes', parse: duration, raw: '15m', value: 900_000 },
  { name: 'a duration in days', parse: duration, raw: '7d', value: 604_800_000 },
  { name: 'a zero duration', parse: duration, raw: '0h', error: /longer than 0/ },
  { name: 'a duration without a unit', parse: duration, raw: '60', error: /duration/ },
  { name: 'since: a span back from now', parse: sinceTime(() => 10_000_000), raw: '1h', value: 10_000_000 - 3_600_000 },
  { name: 'since: an ISO time', parse: sinceTime(() => 0), raw: '2026-12-02T05:00:00Z', value: Date.UTC(2026, 11, 2, 5) },
  { name: 'since: a date', parse: sinceTime(() => 0), raw: '2026-12-02', value: Date.UTC(2026, 11, 2) },
  { name: 'since: an impossible date', parse: sinceTime(() => 0), raw: '2026-13-45T99:00:00Z', error: /ISO 8601/ },
  { name: 'since: words', parse: sinceTime(() => 0), raw: 'yesterday', error: /ISO 8601/ },
];

for (const c of values) {
  test(`flag value: ${c.name}`, () => {
    if (c.error) assert.throws(() => c.parse(c.raw), c.error);
    else assert.equal(c.parse(c.raw), c.value);
  });
}

test('printable quotes and escapes, and leaves plain text readable', () => {
  assert.is(printable('abc'), '"abc"');
  assert.is(printable('a\nb'), '"a\\nb"');
  assert.is(printable('\u009b'), '"\\u009b"');
});

test.run();
