// The clean record's schema a processor writes with and a sink reads with: schemas/user-login.avsc,
// or a file that adds optional fields to it (CLEAN_SCHEMA_FILE). One build thus runs as the "old"
// or the "new" version of a rolling upgrade, and a field the product team adds to the login event
// needs a schema file and a column, not a release (docs/operations.md, "Adding a field").
// A file is accepted only if it keeps every field of the built-in schema as it is (the code fills
// and stores them) and each added field is optional: a union of null and one primitive type, null
// first, default null. The processor copies an added field from the raw event's field of the same
// name (processor/validate.ts checks it); the sink stores it in the column of that name.
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { BadValue, setting } from '../runtime/config.js';
import { USER_LOGIN_SCHEMA_TEXT } from './user-login.js';

/** Avro types an added field may hold (beside null), and how JSON carries them. */
export const EXTRA_FIELD_KINDS = ['string', 'boolean', 'int', 'long', 'double'] as const;
export type ExtraFieldKind = (typeof EXTRA_FIELD_KINDS)[number];

export interface ExtraField {
  name: string;
  kind: ExtraFieldKind;
  /** Strings only: most characters (code points) accepted, from the field's "maxLength" attribute. */
  maxLength?: number;
}

export type ExtraValue = string | number | boolean | null;
/** The added fields' values of one record, by field name. */
export type ExtraValues = Record<string, ExtraValue>;

export interface CleanSchema {
  /** The schema as registered: the file's JSON, without its whitespace. */
  text: string;
  type: avro.Type;
  /** The fields beyond the built-in schema's, in the file's order. */
  extraFields: readonly ExtraField[];
}

const FULL_NAME = 'io.loginpipe.UserLogin';
const MAX_SCHEMA_FILE_BYTES = 1024 * 1024;
/** A column name Postgres stores unquoted and unchanged, as the sink's column names are. */
const FIELD_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

type FieldJson = { name?: unknown; type?: unknown; default?: unknown; maxLength?: unknown };

const builtIn = JSON.parse(USER_LOGIN_SCHEMA_TEXT) as { fields: FieldJson[] };

/** The schema in a file's text; a BadValue names the field and what is wrong with it. */
export function parseCleanSchema(text: string): CleanSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BadValue('is not JSON');
  }
  const o = json as { type?: unknown; name?: unknown; namespace?: unknown; fields?: unknown };
  if (typeof o !== 'object' || o === null || o.type !== 'record' || !Array.isArray(o.fields)) {
    throw new BadValue('is not an Avro record schema ({"type": "record", "fields": [...]})');
  }
  const fullName = typeof o.name === 'string' && !o.name.includes('.') && typeof o.namespace === 'string' ? `${o.namespace}.${o.name}` : o.name;
  if (fullName !== FULL_NAME) throw new BadValue(`names its record ${JSON.stringify(fullName)}, not ${FULL_NAME}: readers resolve records by name`);
  const fields = o.fields as FieldJson[];
  const byName = new Map<unknown, FieldJson>(fields.map((f) => [f?.name, f]));
  for (const core of builtIn.fields) {
    const f = byName.get(core.name);
    if (f === undefined) throw new BadValue(`lacks field ${String(core.name)} of schemas/user-login.avsc: the built-in fields may not be removed`);
    if (JSON.stringify(f.type) !== JSON.stringify(core.type)) throw new BadValue(`changes the type of field ${String(core.name)}: the built-in fields keep the type of schemas/user-login.avsc`);
  }
  const coreNames = new Set(builtIn.fields.map((f) => f.name));
  const extraFields = fields.filter((f) => !coreNames.has(f?.name)).map(extraField);
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(json as avro.Schema);
  } catch (err) {
    throw new BadValue(`is not a valid Avro schema (${err instanceof Error ? err.message : String(err)})`);
  }
  return { text: JSON.stringify(json), type, extraFields };
}

function extraField(f: FieldJson): ExtraField {
  if (typeof f !== 'object' || f === null || typeof f.name !== 'string' || !FIELD_NAME.test(f.name)) {
    throw new BadValue(`has a field named ${JSON.stringify(f?.name)}: an added field's name must be a lower-case SQL identifier, as its column's is`);
  }
  const name = f.name;
  // avsc builds records with plain assignments, which this name would turn into a prototype change.
  if (name === '__proto__') throw new BadValue('has a field named "__proto__", which cannot be a record field here');
  const t = f.type;
  const kind = Array.isArray(t) && t.length === 2 && t[0] === 'null' ? t[1] : undefined;
  if (!(EXTRA_FIELD_KINDS as readonly unknown[]).includes(kind) || !('default' in f) || f.default !== null) {
    throw new BadValue(`field ${name} is not optional: an added field must be ["null", <${EXTRA_FIELD_KINDS.join('|')}>] with "default": null, or readers of records written without it could not read them`);
  }
  const out: ExtraField = { name, kind: kind as ExtraFieldKind };
  if (f.maxLength !== undefined) {
    if (kind !== 'string' || !Number.isSafeInteger(f.maxLength) || (f.maxLength as number) < 1) {
      throw new BadValue(`field ${name}: "maxLength" must be a positive integer, on a string field`);
    }
    out.maxLength = f.maxLength as number;
  }
  return out;
}

/** Reads and checks the schema file named by a setting. */
export function cleanSchemaFile(path: string): CleanSchema {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new BadValue(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (bytes.length > MAX_SCHEMA_FILE_BYTES) throw new BadValue(`${path} is larger than ${MAX_SCHEMA_FILE_BYTES} bytes`);
  try {
    return parseCleanSchema(bytes.toString('utf8'));
  } catch (err) {
    if (err instanceof BadValue) throw new BadValue(`${path} ${err.message}`);
    throw err;
  }
}

export const cleanSchemaSettings = {
  cleanSchema: setting('CLEAN_SCHEMA_FILE', 'Avro schema of the clean record: the processor writes with it, the sink reads with it; schemas/user-login.avsc plus optional fields (see "Adding a field"); empty: schemas/user-login.avsc', '', (raw) => raw.trim() === '' ? parseCleanSchema(USER_LOGIN_SCHEMA_TEXT) : cleanSchemaFile(raw)),
};
