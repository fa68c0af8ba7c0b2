// The command line, declared once: each command is an entry with a one-line description, its
// positional arguments and its flags. Parsing (node's util.parseArgs, strict) and both levels of
// --help come from these entries, so a new command is one entry in cli/commands.ts. Pure: no
// I/O, so unit tests drive it with tables of argv.
import { parseArgs } from 'node:util';

/** Bad usage: exit 2, with a message naming the flag or argument. */
export class UsageError extends Error {
  constructor(message: string, readonly helpFor?: readonly string[]) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Flag {
  type: 'string' | 'boolean';
  /** One line for --help. */
  description: string;
  /** How the value is shown in --help (`N`, `1h`); string flags only. */
  value?: string;
  short?: string;
  default?: string;
  required?: boolean;
  /** May be given several times (string flags only): the command gets every value, in order. */
  multiple?: boolean;
  /** Turns the text into the value the command gets; throws an Error whose message says what is wrong. */
  parse?: (raw: string) => unknown;
}

export interface Positional {
  name: string;
  description: string;
  choices?: readonly string[];
  optional?: boolean;
}

export interface Command {
  name: string;
  /** One line for --help. */
  description: string;
  positionals?: readonly Positional[];
  flags?: Readonly<Record<string, Flag>>;
  /** A command made of subcommands (`dlq stats`): it runs none itself. */
  subcommands?: readonly Command[];
  run?: (args: ParsedArgs) => Promise<number>;
}

export interface ParsedArgs {
  /** The command's words, e.g. ['dlq', 'replay']. */
  path: string[];
  positionals: Record<string, string | undefined>;
  flags: Record<string, unknown>;
}

export type Parsed =
  | { kind: 'help'; text: string }
  | { kind: 'run'; command: Command; args: ParsedArgs };

const HELP_FLAG: Flag = { type: 'boolean', short: 'h', description: 'show this help' };

/** Reads argv (without node and the script) against the command table. */
export function parseCommandLine(program: string, commands: readonly Command[], argv: readonly string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given');
  if (first === '--help' || first === '-h') return { kind: 'help', text: programHelp(program, commands) };
  if (first === 'help') {
    if (rest.length === 0) return { kind: 'help', text: programHelp(program, commands) };
    const { command, path } = findCommand(commands, rest, []);
    return { kind: 'help', text: commandHelp(program, command, path) };
  }
  const { command, path, remaining } = findCommand(commands, argv, []);
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, f] of Object.entries(command.flags ?? {})) {
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...remaining], options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`${path.join(' ')}: ${explainParseError(err)}`, path);
  }
  if (parsed.values.help === true) return { kind: 'help', text: commandHelp(program, command, path) };
  if (command.subcommands) {
    const known = command.subcommands.map((s) => s.name).join(', ');
    if (parsed.positionals[0] !== undefined) throw new UsageError(`unknown command ${path.join(' ')} ${printable(parsed.positionals[0])} (known: ${known})`, path);
    throw new UsageError(`${path.join(' ')} needs a subcommand: ${known}`, path);
  }

  const flags: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(command.flags ?? {})) {
    const given = parsed.values[name];
    if (f.type === 'boolean') {
      flags[name] = given === true;
      continue;
    }
    if (f.multiple) {
      const values = Array.isArray(given) ? given.filter((v): v is string => typeof v === 'string') : [];
      if (values.length === 0 && f.required) throw new UsageError(`${path.join(' ')}: --${name} is required (${f.description})`, path);
      try {
        flags[name] = values.length === 0 ? undefined : values.map((v) => (f.parse ? f.parse(v) : v));
      } catch (err) {
        throw new UsageError(`${path.join(' ')}: --${name} ${err instanceof Error ? err.message : String(err)}`, path);
      }
      continue;
    }
    const raw = typeof given === 'string' ? given : f.default;
    if (raw === undefined) {
      if (f.required) throw new UsageError(`${path.join(' ')}: --${name} is required (${f.description})`, path);
      flags[name] = undefined;
      continue;
    }
    try {
      flags[name] = f.parse ? f.parse(raw) : raw;
    } catch (err) {
      throw new UsageError(`${path.join(' ')}: --${name} ${err instanceof Error ? err.message : String(err)}`, path);
    }
  }

  const specs = command.positionals ?? [];
  const given = parsed.positionals;
  if (given.length > specs.length) throw new UsageError(`${path.join(' ')}: unexpected argument ${printable(given[specs.length]!)}`, path);
  const positionals: Record<string, string | undefined> = {};
  specs.forEach((p, i) => {
    const v = given[i];
    if (v === undefined) {
      if (!p.optional) throw new UsageError(`${path.join(' ')}: missing <${p.name}>${p.choices ? ` (one of ${p.choices.join(', ')})` : ''}`, path);
    } else if (p.choices && !p.choices.includes(v)) {
      throw new UsageError(`${path.join(' ')}: <${p.name}> must be one of ${p.choices.join(', ')}, got ${printable(v)}`, path);
    }
    positionals[p.name] = v;
  });
  return { kind: 'run', command, args: { path, positionals, flags } };
}

function findCommand(commands: readonly Command[], words: readonly string[], path: string[]): { command: Command; path: string[]; remaining: string[] } {
  const [word, ...rest] = words;
  const command = commands.find((c) => c.name === word);
  if (word === undefined || !command) {
    const where = path.length > 0 ? `${path.join(' ')} ` : '';
    throw new UsageError(`unknown command ${where}${printable(word ?? '')}`, path.length > 0 ? path : undefined);
  }
  const here = [...path, command.name];
  if (command.subcommands && rest[0] !== undefined && !rest[0].startsWith('-')) return findCommand(command.subcommands, rest, here);
  return { command, path: here, remaining: rest };
}

/**
 * The parsed flags written out again as argv, for commands that keep a parser of their own
 * behind the table (the PII commands check their arguments' meaning there).
 */
export function asArgv(args: ParsedArgs): string[] {
  const argv: string[] = [];
  for (const [name, value] of Object.entries(args.flags)) {
    if (value === true) argv.push(`--${name}`);
    // --name=value: a value that starts with dashes must not read as a flag.
    else if (Array.isArray(value)) for (const v of value) argv.push(`--${name}=${String(v)}`);
    else if (value !== undefined && value !== false) argv.push(`--${name}=${String(value)}`);
  }
  for (const v of Object.values(args.positionals)) if (v !== undefined) argv.push(v);
  return argv;
}

/** parseArgs's messages name the flag; they are reworded to our style and made printable. */
function explainParseError(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-{1,2}[^' ]*)/.exec(message)?.[1];
  const named = flag !== undefined ? printable(flag) : 'a flag';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown flag ${named}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing|ambiguous/.test(message) ? `${named} needs a value` : `${named} takes no value`;
    default: return printable(message);
  }
}

/** Argv comes from anyone: quote it, and escape control characters so it cannot drive a terminal. */
export function printable(text: string): string {
  const clipped = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(clipped).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---- help ------------------------------------------------------------------------------------

function usageLine(c: Command): string {
  const pos = (c.positionals ?? []).map((p) => {
    const inner = p.choices ? p.choices.join('|') : p.name;
    return p.optional ? `[${inner}]` : `<${inner}>`;
  });
  const flags = Object.entries(c.flags ?? {}).map(([name, f]) => {
    const text = (f.type === 'boolean' ? `--${name}` : `--${name} ${f.value ?? 'VALUE'}`) + (f.multiple ? '...' : '');
    return f.required ? text : `[${text}]`;
  });
  return [c.name, ...pos, ...flags].join(' ');
}

function table(rows: [string, string][]): string[] {
  const width = Math.min(28, Math.max(...rows.map(([a]) => a.length)));
  return rows.map(([a, b]) => (a.length > width ? `  ${a}\n  ${' '.repeat(width)}  ${b}` : `  ${a.padEnd(width)}  ${b}`));
}

export function programHelp(program: string, commands: readonly Command[]): string {
  const rows: [string, string][] = [];
  for (const c of commands) {
    // Each command's whole usage line, so this one screen lists every flag too.
    if (c.subcommands) for (const s of c.subcommands) rows.push([`${c.name} ${usageLine(s)}`, s.description]);
    else rows.push([usageLine(c), c.description]);
  }
  return [
    `usage: ${program} <command> [flags]`,
    '',
    'Commands:',
    ...table(rows),
    '',
    `Run \`${program} <command> --help\` for a command's flags. Settings come from the environment; see the README.`,
  ].join('\n');
}

export function commandHelp(program: string, c: Command, path: readonly string[]): string {
  const prefix = [program, ...path.slice(0, -1)].join(' ');
  if (c.subcommands) {
    return [
      `usage: ${prefix} ${c.name} <subcommand> [flags]`,
      '',
      c.description,
      '',
      'Subcommands:',
      ...table(c.subcommands.map((s) => [s.name, s.description])),
      '',
      `Run \`${prefix} ${c.name} <subcommand> --help\` for its flags.`,
    ].join('\n');
  }
  const lines = [`usage: ${prefix} ${usageLine(c)}`, '', c.description];
  if (c.positionals && c.positionals.length > 0) {
    lines.push('', 'Arguments:', ...table(c.positionals.map((p) => [p.choices ? p.choices.join('|') : p.name, p.description])));
  }
  const flags = Object.entries({ ...c.flags, help: HELP_FLAG }).map(([name, f]): [string, string] => {
    const short = f.short ? `-${f.short}, ` : '';
    const value = f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : '';
    const dflt = f.default !== undefined ? ` (default ${f.default})` : '';
    return [`${short}--${name}${value}`, `${f.description}${f.required ? ' (required)' : dflt}`];
  });
  lines.push('', 'Flags:', ...table(flags));
  return lines.join('\n');
}

// ---- value parsers for flags -------------------------------------------------------------------

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    if (!/^\d{1,16}$/.test(raw)) throw new Error(`must be a whole number, got ${printable(raw)}`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

export function share(raw: string): number {
  const n = /^\d*\.?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 0 && n <= 1)) throw new Error(`must be a share between 0 and 1, got ${printable(raw)}`);
  return n;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `1h`, `7d`: a span back from now, in milliseconds. */
export function duration(raw: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(raw);
  if (!m) throw new Error(`must be a duration such as 90s, 15m, 1h or 7d, got ${printable(raw)}`);
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms <= 0) throw new Error('must be longer than 0');
  return ms;
}

/** A duration back from now (`1h`) or an ISO 8601 time (`2026-12-02T05:00:00Z`): a time in ms since the epoch. */
export function sinceTime(now: () => number): (raw: string) => number {
  return (raw) => {
    if (/^\d{1,6}[smhd]$/.test(raw)) return now() - duration(raw);
    if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(raw)) {
      const t = Date.parse(raw);
      if (Number.isFinite(t)) return t;
    }
    throw new Error(`must be a duration back from now (1h, 30m, 7d) or an ISO 8601 time (2026-12-02T05:00:00Z), got ${printable(raw)}`);
  };
}
