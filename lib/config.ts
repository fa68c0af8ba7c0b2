// Settings are declared once, with their documentation, and parsed once at start into typed
// values. A bad value stops the program before it touches any service, naming the setting.

export interface Setting<T> {
  /** Environment variable that holds the value. */
  env: string;
  /** One line for the README's settings table. */
  doc: string;
  /** Raw default; undefined means the setting is required. */
  default: string | undefined;
  parse(raw: string): T;
}

export type Settings = Record<string, Setting<unknown>>;
export type Parsed<S extends Settings> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Thrown by a parser; the message says what is wrong without echoing the value. */
export class BadValue extends Error {}

export function setting<T>(env: string, doc: string, defaultValue: string | undefined, parse: (raw: string) => T): Setting<T> {
  return { env, doc, default: defaultValue, parse };
}

export function loadSettings<S extends Settings>(specs: S, env: NodeJS.ProcessEnv = process.env): Parsed<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const given = env[spec.env];
    const raw = given === undefined || given === '' ? spec.default : given;
    if (raw === undefined) {
      problems.push(`${spec.env} is required: ${spec.doc}`);
      continue;
    }
    try {
      out[key] = spec.parse(raw);
    } catch (err) {
      problems.push(`${spec.env}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Parsed<S>;
}

// ---- parsers -------------------------------------------------------------------------------

export const text = (raw: string): string => raw;

export function nonEmpty(raw: string): string {
  if (raw.trim() === '') throw new BadValue('must not be blank');
  return raw;
}

export function integer(min: number, max: number): (raw: string) => number {
  return (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new BadValue(`must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new BadValue(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

export function list(raw: string): string[] {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new BadValue('must list at least one value, comma-separated');
  return items;
}

export function httpUrl(raw: string): string {
  // What is checked is what is returned: URL() would quietly drop surrounding spaces that later
  // break a path appended to the text.
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadValue(`must be an http(s) URL, got "${raw}"`);
  }
  if (/\s/.test(text) || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new BadValue(`must be an http(s) URL, got "${raw}"`);
  return text.replace(/\/+$/, '');
}

/** An http(s) URL, or empty for "use the SDK's default". */
export function optionalHttpUrl(raw: string): string | undefined {
  return raw.trim() === '' || raw === 'none' ? undefined : httpUrl(raw);
}

export function postgresUrl(raw: string): string {
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new BadValue('must be a postgres:// connection URL');
  try {
    new URL(raw);
  } catch {
    throw new BadValue('is not a valid URL');
  }
  return raw;
}

export function identifier(raw: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) {
    throw new BadValue(`must be a lower-case SQL identifier (letters, digits, _), got "${raw}"`);
  }
  return raw;
}

export function topicName(raw: string): string {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(raw) || raw === '.' || raw === '..') {
    throw new BadValue(`must be a Kafka topic name (letters, digits, . _ -), got "${raw}"`);
  }
  return raw;
}

export function oneOf<T extends string>(...allowed: T[]): (raw: string) => T {
  return (raw) => {
    if (!(allowed as string[]).includes(raw)) throw new BadValue(`must be one of ${allowed.join(', ')}, got "${raw}"`);
    return raw as T;
  };
}
