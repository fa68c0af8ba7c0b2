// Settings are declared once, with their documentation, and parsed once at start into typed
// values. A bad value stops the program before it touches any service, naming the setting.
// A secret setting can also be read from a file named by <NAME>_FILE, as Docker and Kubernetes
// mount secrets; a rule checks settings that only make sense together (a SASL user and password).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface Setting<T> {
  /** Environment variable that holds the value. */
  env: string;
  /** One line for the README's settings table. */
  doc: string;
  /** Raw default; undefined means the setting is required. */
  default: string | undefined;
  parse(raw: string): T;
  /** A secret: may come from the file named by `<env>_FILE`, and is never echoed in a message. */
  secret?: boolean;
  /** Checks across settings, run once every setting they name has parsed. */
  rules?: Rule[];
}

/** A check over several settings' parsed values; returns the problem, naming the settings. */
export interface Rule {
  settings: Setting<unknown>[];
  check(values: unknown[]): string | undefined;
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

/** A setting whose value may instead be read from the file named by `<env>_FILE`. */
export function secretSetting<T>(env: string, doc: string, defaultValue: string | undefined, parse: (raw: string) => T): Setting<T> {
  return { env, doc, default: defaultValue, parse, secret: true };
}

/** The variable that names a secret setting's file. */
export const fileVariable = (env: string) => `${env}_FILE`;

/**
 * Declares a check over several settings. It runs in every loadSettings that holds all of them
 * (however the setting groups were spread together), after each of them parsed cleanly.
 */
export function rule<T extends unknown[]>(settings: { [K in keyof T]: Setting<T[K]> }, check: (...values: T) => string | undefined): void {
  const r: Rule = { settings: settings as Setting<unknown>[], check: (values) => check(...(values as T)) };
  for (const s of r.settings) (s.rules ??= []).push(r);
}

export function loadSettings<S extends Settings>(specs: S, env: NodeJS.ProcessEnv = process.env): Parsed<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  const parsed = new Map<Setting<unknown>, unknown>();
  for (const [key, spec] of Object.entries(specs)) {
    let raw: string | undefined;
    try {
      raw = rawValue(spec, env);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
      continue;
    }
    if (raw === undefined) {
      problems.push(`${spec.env} is required: ${spec.doc}`);
      continue;
    }
    try {
      out[key] = spec.parse(raw);
      parsed.set(spec, out[key]);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // A parser should never echo a value; for a secret, make sure of it (a value of a few
      // characters could only be told from the message's own words by garbling them).
      problems.push(`${spec.env}: ${spec.secret && raw.length >= 4 ? message.split(raw).join('<secret>') : message}`);
    }
  }
  const rules = new Set(Object.values(specs).flatMap((s) => s.rules ?? []));
  for (const r of rules) {
    if (!r.settings.every((s) => parsed.has(s))) continue; // not all here, or already reported
    try {
      const problem = r.check(r.settings.map((s) => parsed.get(s)));
      if (problem !== undefined) problems.push(problem);
    } catch (err) {
      problems.push(`${r.settings.map((s) => s.env).join(', ')}: cannot be checked together (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Parsed<S>;
}

/** The setting's text: the variable, or for a secret its file, or the default (undefined: none). */
function rawValue(spec: Setting<unknown>, env: NodeJS.ProcessEnv): string | undefined {
  const given = env[spec.env];
  const hasValue = given !== undefined && given !== '';
  if (spec.secret) {
    const fileVar = fileVariable(spec.env);
    const file = env[fileVar];
    if (file !== undefined && file !== '') {
      if (hasValue) throw new Error(`${spec.env} and ${fileVar} are both set; set one of them`);
      return readSecretFile(fileVar, file);
    }
  }
  return hasValue ? given : spec.default;
}

/** Secrets are short; a bigger file is a mistake (or /dev/zero) and is not read to the end. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * A secret file's text, without the line break(s) an editor or `echo` leaves at its end. An
 * empty file, one that is not UTF-8, or one over MAX_SECRET_FILE_BYTES is an error naming the
 * variable and the path (never the content).
 */
export function readSecretFile(fileVar: string, path: string): string {
  try {
    const text = utf8(readCapped(path, MAX_SECRET_FILE_BYTES), path).replace(/[\r\n]+$/, '');
    if (text === '') throw new BadValue(`${path} is empty`);
    return text;
  } catch (err) {
    throw new Error(`${fileVar}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function utf8(bytes: Buffer, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BadValue(`${path} is not UTF-8 text`);
  }
}

/** Reads at most `max` bytes of a regular file; more is an error, as is anything unreadable. */
function readCapped(path: string, max: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new BadValue(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new BadValue(`${path} is not a regular file`);
    const buf = Buffer.alloc(max + 1);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
      if (got > max) throw new BadValue(`${path} is larger than ${max} bytes`);
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
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

/** Whether an http(s) URL names this machine (a loopback address or "localhost"). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * An OAuth token endpoint, or empty for none. The client secret is sent to it, so it must be
 * https://; plain http:// is allowed only to this machine (a local issuer, as the dev stack runs).
 */
export function optionalTokenUrl(raw: string): string | undefined {
  const url = optionalHttpUrl(raw);
  if (url !== undefined && url.startsWith('http:') && !isLoopbackUrl(url)) {
    throw new BadValue('is plain http:// to another machine: the client secret would cross the network in clear; use https:// (http:// is allowed only to localhost or 127.0.0.1)');
  }
  return url;
}

/**
 * An http(s) URL without credentials in it (user:password@): those belong in a secret setting,
 * and a URL is printed in error messages and logs. Nothing of the value is echoed.
 */
export function credentialFreeHttpUrl(raw: string): string {
  const problem = 'holds credentials (user:password@ before the host): remove them and give them in their own secret setting';
  if (/^[^/?#]*\/\/[^/?#]*@/.test(raw.trim())) throw new BadValue(problem);
  const url = httpUrl(raw);
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.password !== '') throw new BadValue(problem);
  return url;
}

/** The sslmode values loginpipe understands, as libpq means them (see lib/postgres/connection.ts). */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;

/**
 * A postgres:// URL. Its sslmode, if any, must be one of SSL_MODES: libpq's "prefer" and
 * "allow" fall back to plaintext, which node-postgres cannot do. The URL's other ssl* parameters
 * are refused: node-postgres would read them in its own way and silently replace the TLS options
 * loginpipe builds (the CA comes from DATABASE_SSL_CA_FILE instead). Messages never echo the URL,
 * which may hold a password.
 */
export function postgresUrl(raw: string): string {
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new BadValue('must be a postgres:// connection URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadValue('is not a valid URL');
  }
  const modes = url.searchParams.getAll('sslmode');
  if (modes.length > 1) throw new BadValue('gives sslmode more than once');
  const mode = modes[0];
  if (mode !== undefined && !(SSL_MODES as readonly string[]).includes(mode)) {
    throw new BadValue(`has an sslmode loginpipe does not support; use one of ${SSL_MODES.join(', ')}`);
  }
  for (const name of url.searchParams.keys()) {
    if ((name.startsWith('ssl') && name !== 'sslmode') || name === 'uselibpqcompat') {
      throw new BadValue(`has the parameter "${name.slice(0, 32)}", which loginpipe does not support; use sslmode in the URL and DATABASE_SSL_CA_FILE`);
    }
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

export function flag(raw: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new BadValue(`must be true or false, got "${raw}"`);
}

/** CA bundles of public roots are a few hundred KiB; 1 MiB leaves room and stops a wrong path. */
const MAX_PEM_FILE_BYTES = 1024 * 1024;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The path of a PEM file of one or more X.509 certificates, read and checked at start (empty:
 * none). Returns the file's text, as node:tls takes it.
 */
export function certificateFile(raw: string): string | undefined {
  if (raw.trim() === '') return undefined;
  const text = utf8(readCapped(raw, MAX_PEM_FILE_BYTES), raw);
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new BadValue(`${raw} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      throw new BadValue(`certificate ${i + 1} in ${raw} is not a valid X.509 certificate`);
    }
  }
  return text;
}

/** The path of an unencrypted PEM private key, read and checked at start (empty: none). */
export function privateKeyFile(raw: string): string | undefined {
  if (raw.trim() === '') return undefined;
  const text = utf8(readCapped(raw, MAX_PEM_FILE_BYTES), raw);
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new BadValue(`${raw} holds an encrypted key; give an unencrypted one and protect the file instead`);
  }
  try {
    createPrivateKey(text);
  } catch {
    // Never crypto's own message: it can quote part of the input.
    throw new BadValue(`${raw} holds no PEM private key that can be read`);
  }
  return text;
}
