// Client for the Confluent-compatible Schema Registry REST API (Redpanda, Apicurio's ccompat
// layer, Confluent). Only the calls loginpipe needs; ids are cached, since a schema id never
// changes meaning once issued.
// Failures fall in three kinds, and each service treats them differently:
// - the registry does not answer, or answers 5xx: an outage (registry_unreachable / retriable
//   registry_error), waited out with back-off;
// - it refuses the credentials (401, 403), or its certificate is not trusted: a setting is wrong
//   (registry_auth, registry_tls). Waiting changes nothing, so the service stops and says which
//   setting to fix; a record is never dead-lettered for it;
// - it answers about the record (404 on an id): the record's problem, final.
import { rootCertificates } from 'node:tls';
import { PipelineError } from '../runtime/errors.js';
import { isCertificateError, sendHttp } from '../http/request.js';
import { ClientCredentialsToken } from '../auth/oauth-token.js';
import type { Parsed } from '../runtime/config.js';
import type { registrySettings } from './settings.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'basic'; userInfo: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'oauth'; source: ClientCredentialsToken };

export interface RegistryOptions {
  url: string;
  auth?: RegistryAuth;
  /** PEM text of the CA certificate(s) an https registry must chain to; none: the system's roots. */
  ca?: string;
  timeoutMs?: number;
}

const SETTINGS_OF: Record<RegistryAuth['kind'], string> = {
  none: 'SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO, SCHEMA_REGISTRY_BEARER_TOKEN or SCHEMA_REGISTRY_OAUTH_TOKEN_URL (none is set)',
  basic: 'SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO',
  bearer: 'SCHEMA_REGISTRY_BEARER_TOKEN',
  oauth: 'SCHEMA_REGISTRY_OAUTH_CLIENT_ID, SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET and SCHEMA_REGISTRY_OAUTH_SCOPE',
};

/** The client's options from the registry settings (lib/registry/settings.ts). */
export function registryOptionsFrom(cfg: Parsed<typeof registrySettings>): RegistryOptions {
  const ca = cfg.registrySslCa;
  let auth: RegistryAuth = { kind: 'none' };
  if (cfg.registryUserInfo !== undefined) auth = { kind: 'basic', userInfo: cfg.registryUserInfo };
  else if (cfg.registryBearerToken !== undefined) auth = { kind: 'bearer', token: cfg.registryBearerToken };
  else if (cfg.registryOauthTokenUrl !== undefined) {
    auth = {
      kind: 'oauth',
      source: new ClientCredentialsToken({
        tokenUrl: cfg.registryOauthTokenUrl,
        clientId: cfg.registryOauthClientId,
        clientSecret: cfg.registryOauthClientSecret,
        scope: cfg.registryOauthScope,
        clientAuth: 'post',
        // The token endpoint is often a public identity provider while the registry is private.
        ca: ca === undefined ? undefined : [...rootCertificates, ca],
        settingsHint: SETTINGS_OF.oauth,
      }),
    };
  }
  return { url: cfg.registryUrl, auth, ca };
}

export class SchemaRegistry {
  private readonly byId = new Map<number, Promise<string>>();
  private readonly opts: Required<Omit<RegistryOptions, 'ca'>> & { ca?: string };

  constructor(options: string | RegistryOptions) {
    const o = typeof options === 'string' ? { url: options } : options;
    this.opts = { auth: { kind: 'none' }, timeoutMs: 10_000, ...o };
  }

  get baseUrl(): string {
    return this.opts.url;
  }

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

  /**
   * Sets the subject's compatibility level: the registry then refuses to register a schema that
   * would break it (409). Allowed before the subject has any version.
   */
  async setCompatibility(subject: string, level: string): Promise<void> {
    await this.request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
  }

  /** Every version registered under the subject with its schema text, oldest first; none for a new subject. */
  async subjectVersions(subject: string): Promise<{ version: number; schema: string }[]> {
    const path = `/subjects/${encodeURIComponent(subject)}/versions`;
    const versions = await this.request('GET', path, undefined, { missingOk: true });
    if (versions === undefined) return [];
    if (!Array.isArray(versions) || !versions.every((v) => Number.isSafeInteger(v))) {
      throw new PipelineError('registry_error', `registry answered GET ${path} without a list of versions`);
    }
    const schemas: { version: number; schema: string }[] = [];
    for (const v of (versions as number[]).sort((a, b) => a - b)) {
      const body = await this.request('GET', `${path}/${v}`);
      const schema = (body as { schema?: unknown }).schema;
      if (typeof schema !== 'string') throw new PipelineError('registry_error', `registry has no schema text for version ${v} of subject ${subject}`);
      schemas.push({ version: v, schema });
    }
    return schemas;
  }

  /**
   * One authenticated read (the subject list), for a service that otherwise calls the registry
   * only when a record arrives: wrong credentials or an untrusted certificate show at start.
   */
  async probe(): Promise<void> {
    await this.request('GET', '/subjects');
  }

  private async authorization(): Promise<string | undefined> {
    const a = this.opts.auth;
    switch (a.kind) {
      case 'none': return undefined;
      case 'basic': return `Basic ${Buffer.from(a.userInfo, 'utf8').toString('base64')}`;
      case 'bearer': return `Bearer ${a.token}`;
      case 'oauth':
        try {
          return `Bearer ${await a.source.token()}`;
        } catch (err) {
          const e = err as PipelineError;
          // The token endpoint down is the registry down, as far as the pipeline can tell.
          throw new PipelineError(e.retriable ? 'registry_unreachable' : 'registry_auth', e.message, { retriable: e.retriable, cause: err });
        }
    }
  }

  /** `missingOk`: a 404 answers undefined (a subject with no version yet) instead of throwing. */
  private async request(method: string, path: string, json?: unknown, opts: { missingOk?: boolean; retried?: boolean } = {}): Promise<unknown> {
    const url = this.opts.url + path;
    const authorization = await this.authorization();
    let res;
    try {
      res = await sendHttp(url, {
        method,
        headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE, ...(authorization === undefined ? {} : { authorization }) },
        body: json === undefined ? undefined : JSON.stringify(json),
        ca: this.opts.ca,
        timeoutMs: this.opts.timeoutMs,
      });
    } catch (cause) {
      if (isCertificateError(cause)) {
        const code = (cause as { code: string }).code;
        throw new PipelineError('registry_tls', `the schema registry's certificate at ${this.opts.url} is not trusted (${code}): check SCHEMA_REGISTRY_SSL_CA_FILE`, { cause });
      }
      throw new PipelineError('registry_unreachable', `schema registry at ${this.opts.url} did not answer ${method} ${path}`, { retriable: true, cause });
    }
    if (res.status === 401 || res.status === 403) {
      const a = this.opts.auth;
      // A token from the endpoint may have been revoked early: one more try with a new one.
      if (res.status === 401 && a.kind === 'oauth' && opts.retried !== true && authorization !== undefined) {
        a.source.invalidate(authorization.slice('Bearer '.length));
        return this.request(method, path, json, { ...opts, retried: true });
      }
      const what = res.status === 401 ? 'did not accept the credentials' : 'refused access with the credentials given';
      // The body is not quoted: a proxy may echo what it was sent.
      throw new PipelineError('registry_auth', `schema registry at ${this.opts.url} ${what} (${res.status} to ${method} ${path}): check ${SETTINGS_OF[a.kind]}`);
    }
    if (res.status === 404 && opts.missingOk === true) return undefined;
    if (res.status < 200 || res.status >= 300) {
      // 404 on an id is final; 5xx may pass.
      throw new PipelineError('registry_error', `schema registry answered ${res.status} to ${method} ${path}: ${res.text.slice(0, 300)}`, { retriable: res.status >= 500 });
    }
    try {
      return JSON.parse(res.text);
    } catch (cause) {
      throw new PipelineError('registry_error', `schema registry sent a body that is not JSON for ${method} ${path}`, { cause });
    }
  }
}

/** A registry failure worth waiting out (no answer, or a 5xx): never a reason to dead-letter a record. */
export function isTransientRegistryError(err: unknown): boolean {
  return err instanceof PipelineError && err.code.startsWith('registry_') && err.retriable;
}

/** A setting to fix (credentials, CA): the service stops; a record is never dead-lettered for it. */
export function isRegistrySettingError(err: unknown): boolean {
  return err instanceof PipelineError && (err.code === 'registry_auth' || err.code === 'registry_tls');
}
