// Client for the Confluent-compatible Schema Registry REST API (Redpanda, Apicurio's ccompat
// layer, Confluent). Only the two calls loginpipe needs; ids are cached, since a schema id never
// changes meaning once issued.
import { PipelineError } from './errors.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class SchemaRegistry {
  private readonly byId = new Map<number, Promise<string>>();

  constructor(private readonly baseUrl: string, private readonly timeoutMs = 10_000) {}

  /** Registers the schema under the subject (a no-op if it is already there) and returns its id. */
  async register(subject: string, schema: string): Promise<number> {
    const body = await this.request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schemaType: 'AVRO', schema });
    const id = (body as { id?: unknown }).id;
    if (typeof id !== 'number') throw new PipelineError('registry_error', `registry answered without an id for subject ${subject}`, { retriable: false });
    this.byId.set(id, Promise.resolve(schema));
    return id;
  }

  /** The writer schema for an id, fetched once. */
  schemaById(id: number): Promise<string> {
    let found = this.byId.get(id);
    if (!found) {
      found = this.request('GET', `/schemas/ids/${id}`).then((body) => {
        const schema = (body as { schema?: unknown }).schema;
        if (typeof schema !== 'string') throw new PipelineError('registry_error', `registry has no schema text for id ${id}`);
        return schema;
      });
      // A failed lookup must not poison the cache: the next record asks again.
      found.catch(() => this.byId.delete(id));
      this.byId.set(id, found);
    }
    return found;
  }

  private async request(method: string, path: string, json?: unknown): Promise<unknown> {
    const url = this.baseUrl + path;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE },
        body: json === undefined ? undefined : JSON.stringify(json),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new PipelineError('registry_unreachable', `schema registry at ${this.baseUrl} did not answer ${method} ${path}`, { retriable: true, cause });
    }
    const text = await res.text();
    if (!res.ok) {
      // 404 on an id is final; 5xx may pass.
      throw new PipelineError('registry_error', `schema registry answered ${res.status} to ${method} ${path}: ${text.slice(0, 300)}`, { retriable: res.status >= 500 });
    }
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new PipelineError('registry_error', `schema registry sent a body that is not JSON for ${method} ${path}`, { cause });
    }
  }
}

/** A registry failure worth waiting out (no answer, or a 5xx): never a reason to dead-letter a record. */
export function isTransientRegistryError(err: unknown): boolean {
  return err instanceof PipelineError && err.code.startsWith('registry_') && err.retriable;
}
