// Encodes and decodes logins.clean records: Avro bodies in the Confluent wire format, with the
// schema registered in (and resolved through) the Schema Registry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { SCHEMAS_DIR } from '../runtime/paths.js';
import { SchemaRegistry } from '../registry/client.js';
import { frame, unframe } from './wire-format.js';

export interface UserLogin {
  event_id: string;
  user_id: string;
  device_type: string | null;
  masked_ip: string;
  masked_device_id: string;
  locale: string | null;
  app_version: string | null;
  login_time: number;
  /** Added later (optional in the schema): sealed copies of the clear values, and the mask's key. */
  sealed_ip: Buffer | null;
  sealed_device_id: Buffer | null;
  mask_key_id: string | null;
}

/**
 * Every field of UserLogin, in wire order. The compiler refuses a UserLogin field missing here and
 * a unit test compares this list with schemas/user-login.avsc, so a field added to the schema
 * and not to the type (or the other way round) fails the build or the tests.
 */
export const USER_LOGIN_FIELDS = [
  'event_id', 'user_id', 'device_type', 'masked_ip', 'masked_device_id', 'locale', 'app_version', 'login_time',
  'sealed_ip', 'sealed_device_id', 'mask_key_id',
] as const satisfies readonly (keyof UserLogin)[];
type Unlisted = Exclude<keyof UserLogin, (typeof USER_LOGIN_FIELDS)[number]>;
const everyFieldListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyFieldListed;

export const USER_LOGIN_SCHEMA_TEXT = readFileSync(join(SCHEMAS_DIR, 'user-login.avsc'), 'utf8');

/** The Avro type compiled once; used as the reader schema for every record. */
export const userLoginType = avro.Type.forSchema(JSON.parse(USER_LOGIN_SCHEMA_TEXT) as avro.Schema);

export function subjectFor(topic: string): string {
  return `${topic}-value`;
}

/** A clean-record schema as registered, and compiled (lib/records/clean-schema.ts). */
export interface WriterSchema { text: string; type: avro.Type }

const BUILT_IN: WriterSchema = { text: JSON.stringify(JSON.parse(USER_LOGIN_SCHEMA_TEXT)), type: userLoginType };

/**
 * Registers the schema and encodes records with it. `extra`: the values of the fields the schema
 * adds to the built-in ones (CLEAN_SCHEMA_FILE); a field it adds and `extra` lacks is written null.
 */
export async function createUserLoginEncoder(registry: SchemaRegistry, topic: string, schema: WriterSchema = BUILT_IN): Promise<(record: UserLogin, extra?: Readonly<Record<string, unknown>>) => Buffer> {
  const id = await registry.register(subjectFor(topic), schema.text);
  const { type } = schema;
  // avsc writes the declared fields only, and an undefined field as its default (null).
  return (record, extra) => frame(id, type.toBuffer(extra === undefined ? record : { ...extra, ...record }));
}

/**
 * Decodes records written with any registered schema compatible with the reader (the built-in
 * schema, or CLEAN_SCHEMA_FILE's): a field the writer has and the reader lacks is skipped, a field
 * the reader has and the writer lacks takes its default. The record holds the reader's added
 * fields too, beside those of UserLogin.
 */
export function createUserLoginDecoder(registry: SchemaRegistry, reader: avro.Type = userLoginType): (buf: Buffer) => Promise<UserLogin> {
  // Resolvers are built once per writer schema: building one per record would dominate decoding.
  const resolvers = new Map<number, ReturnType<avro.Type['createResolver']>>();
  return async (buf) => {
    const { schemaId, body } = unframe(buf);
    let resolver = resolvers.get(schemaId);
    if (!resolver) {
      const writer = avro.Type.forSchema(JSON.parse(await registry.schemaById(schemaId)) as avro.Schema);
      resolver = reader.createResolver(writer);
      resolvers.set(schemaId, resolver);
    }
    // Checked: bytes left over after the record mean it is not what its schema id claims.
    return reader.fromBuffer(body, resolver, false) as UserLogin;
  };
}
