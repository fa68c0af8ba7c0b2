// OAuth 2.0 client credentials (RFC 6749 §4.4): a token endpoint gives a bearer token for a client
// id and secret, valid for expires_in seconds. The token is kept and reused, and fetched again
// before it expires, so that no request goes out with a token about to lapse on the way; callers
// that ask while a fetch is under way share it (one request to the endpoint, not one per caller).
import { PipelineError } from '../runtime/errors.js';
import { sendHttp } from '../http/request.js';

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes; empty: none asked for (the endpoint's default). */
  scope: string;
  /** PEM certificates trusted for an https token URL (the system's roots, plus any private CA). */
  ca?: string[];
  /** Names of the settings to check, for error messages. */
  settingsHint: string;
}

/** A token the endpoint gives without expires_in is assumed to last this long. */
export const DEFAULT_LIFETIME_S = 300;

/**
 * When to fetch a new token: a fifth of its lifetime before it ends, but never more than a
 * minute before (a one-hour token is renewed at 59 minutes, a five-second one at four).
 */
export function refreshDueAt(obtainedAtMs: number, expiresInS: number): number {
  const lifetimeMs = Math.max(0, expiresInS) * 1000;
  return obtainedAtMs + lifetimeMs - Math.min(60_000, lifetimeMs / 5);
}

/** The token and its lifetime from a token endpoint's JSON answer; throws on anything else. */
export function parseTokenResponse(text: string): { accessToken: string; expiresInS: number } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error('the token endpoint answered with a body that is not JSON');
  }
  const { access_token: token, expires_in: expiresIn, token_type: type } = (body ?? {}) as Record<string, unknown>;
  if (typeof token !== 'string' || token === '' || /[\s"]/.test(token)) throw new Error('the token endpoint answered without a usable access_token');
  if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer')) throw new Error('the token endpoint gave a token that is not of type Bearer');
  const seconds = typeof expiresIn === 'string' && /^\d+$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
  if (seconds === undefined) return { accessToken: token, expiresInS: DEFAULT_LIFETIME_S };
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) throw new Error('the token endpoint gave an expires_in that is not a positive number');
  return { accessToken: token, expiresInS: seconds };
}

export class ClientCredentialsToken {
  private current: { token: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;
  /** How many tokens were fetched (for tests and metrics). */
  fetched = 0;

  constructor(private readonly creds: ClientCredentials, private readonly opts: { timeoutMs?: number; now?: () => number } = {}) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** A token valid for a while yet: the one in hand, or a new one. */
  async token(): Promise<string> {
    if (this.current !== undefined && this.now() < this.current.refreshAt) return this.current.token;
    this.pending ??= this.fetch().finally(() => { this.pending = undefined; });
    return this.pending;
  }

  /** Forgets the token in hand (the server refused it): the next call fetches another. */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async fetch(): Promise<string> {
    const c = this.creds;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret });
    if (c.scope !== '') form.set('scope', c.scope);
    const startedAt = this.now();
    let res;
    try {
      res = await sendHttp(c.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        ca: c.ca,
        timeoutMs: this.opts.timeoutMs ?? 10_000,
      });
    } catch (cause) {
      throw new PipelineError('oauth_unreachable', `token endpoint ${c.tokenUrl} did not answer`, { retriable: true, cause });
    }
    // 400 (invalid_client, invalid_scope...) and 401 are answers about the credentials: final.
    if (res.status >= 500 || res.status === 429) {
      throw new PipelineError('oauth_unreachable', `token endpoint ${c.tokenUrl} answered ${res.status}`, { retriable: true });
    }
    if (res.status !== 200) {
      throw new PipelineError('oauth_refused', `token endpoint ${c.tokenUrl} refused the client credentials (${res.status}${oauthError(res.text)}): check ${c.settingsHint}`);
    }
    let parsed;
    try {
      parsed = parseTokenResponse(res.text);
    } catch (err) {
      throw new PipelineError('oauth_refused', `${(err as Error).message} (${c.tokenUrl})`);
    }
    this.fetched++;
    this.current = { token: parsed.accessToken, refreshAt: refreshDueAt(startedAt, parsed.expiresInS) };
    return parsed.accessToken;
  }
}

/** The RFC 6749 error code of a refusal, if the body has one; never its free text. */
function oauthError(text: string): string {
  try {
    const code = (JSON.parse(text) as { error?: unknown }).error;
    return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? ` ${code}` : '';
  } catch {
    return '';
  }
}
