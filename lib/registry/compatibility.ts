// The clean subject's compatibility level, set by the processor at start and checked before it
// registers its schema, so that a schema which would break readers stops the processor with the
// field named, instead of the registry's bare 409 (Apicurio's compatibility endpoint answers only
// is_compatible, and its 409 points at a JSON path).
// The default is FULL_TRANSITIVE, not BACKWARD_TRANSITIVE: in a rolling upgrade old sinks read
// records of new processors (forward) while new sinks read records of old ones and every record
// still retained in the clean topic (backward, against every version).
import avro from 'avsc';
import { PipelineError } from '../runtime/errors.js';
import type { SchemaRegistry } from './client.js';

export const COMPATIBILITY_LEVELS = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export interface RegisteredVersion { version: number; type: avro.Type }

/**
 * Why `reader` cannot read records written with `writer`, naming the field, or undefined if it can.
 * Both are records; a field is matched by name, as Avro resolution does (aliases are not used here).
 */
export function readProblem(reader: avro.Type, writer: avro.Type): string | undefined {
  const readerFields = (reader as avro.types.RecordType).fields;
  const writerFields = (writer as avro.types.RecordType).fields;
  if (readerFields === undefined || writerFields === undefined) return wholeProblem(reader, writer);
  const written = new Map(writerFields.map((f) => [f.name, f]));
  for (const f of readerFields) {
    const w = written.get(f.name);
    if (w === undefined) {
      if (f.defaultValue() === undefined) return `field ${f.name} has no default, and records written without it could not be read`;
      continue;
    }
    try {
      f.type.createResolver(w.type);
    } catch {
      return `field ${f.name} is ${describe(f.type)} where the other has ${describe(w.type)}`;
    }
  }
  return wholeProblem(reader, writer);
}

function wholeProblem(reader: avro.Type, writer: avro.Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function describe(t: avro.Type): string {
  return JSON.stringify(t.schema());
}

/**
 * The first way `next` breaks the level against the registered versions (oldest first), as a
 * sentence naming the version and the field; undefined if it breaks none.
 */
export function compatibilityProblem(next: avro.Type, registered: readonly RegisteredVersion[], level: CompatibilityLevel): string | undefined {
  if (level === 'NONE' || registered.length === 0) return undefined;
  const against = level.endsWith('_TRANSITIVE') ? registered : registered.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  for (const { version, type } of against) {
    const back = backward ? readProblem(next, type) : undefined;
    if (back !== undefined) return `it cannot read records written with version ${version}: ${back}`;
    const fwd = forward ? readProblem(type, next) : undefined;
    if (fwd !== undefined) return `readers of version ${version} cannot read records written with it: ${fwd}`;
  }
  return undefined;
}

/**
 * Sets the subject's level, then checks the schema against what is registered. Throws a final
 * schema_incompatible error (the processor does not start) when the schema would break the level.
 */
export async function ensureCompatible(registry: SchemaRegistry, subject: string, schema: avro.Type, level: CompatibilityLevel, what: string): Promise<void> {
  await registry.setCompatibility(subject, level);
  const registered: RegisteredVersion[] = [];
  for (const { version, schema: text } of await registry.subjectVersions(subject)) {
    let type: avro.Type;
    try {
      type = avro.Type.forSchema(JSON.parse(text) as avro.Schema);
    } catch (cause) {
      throw new PipelineError('schema_incompatible', `version ${version} of subject ${subject} is not an Avro schema loginpipe can read`, { cause });
    }
    registered.push({ version, type });
  }
  const problem = compatibilityProblem(schema, registered, level);
  if (problem !== undefined) {
    throw new PipelineError('schema_incompatible', `${what} breaks the ${level} compatibility of subject ${subject}: ${problem}`);
  }
}
