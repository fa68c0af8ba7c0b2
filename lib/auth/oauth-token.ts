// OAuth 2.0 client credentials (RFC 6749 §4.4): a token endpoint gives a bearer token for a client
// id and secret, valid for expires_in seconds. Two parts:
// - `requestToken`, the one token request of loginpipe (the registry's and Kafka's OAUTHBEARER):
//   the HTTP exchange, what kind of failure a failed one is, the reading of the JSON answer, and
//   the RFC 6749 error code of a refusal (never its free text). It fails with a TokenRequestError
//   that says what failed; each caller words it, naming its own settings.
// - `ClientCredentialsToken`, the registry's token in hand: reused, and fetched again before it
//   expires, so that no request goes out with a token about to lapse on the way; callers that ask
//   while a fetch is under way share it (one request to the endpoint, not one per caller). Kafka
//   keeps its tokens its own way (cachedTokens in lib/kafka/oauth.ts).
import { PipelineError } from '../runtime/errors.js';
import { isCertificateError, sendHttp, type SendHttp } from '../http/request.js';

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes; empty: none asked for (the endpoint's default). */
  scope: string;
  /**
   * How the client authenticates (RFC 6749 §2.3.1): `basic`, the id and secret form-urlencoded in
   * an HTTP Basic header (client_secret_basic, which servers must support), or `post`, both in the
   * form body (client_secret_post). Providers that pin one method per client refuse the other.
   */
  clientAuth: 'basic' | 'post';
  /** PEM certificates trusted for an https token URL (the system's roots, plus any private CA). */
  ca?: string[];
}

/** A token the endpoint gives without expires_in (and, where asked, without a JWT exp) is assumed to last this long. */
export const DEFAULT_LIFETIME_S = 300;

/** Longest a token request may take: whoever asked for the token waits for it. */
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Why a token request failed, and the facts that are safe to show:
 * - `unreachable`: no answer (`status` undefined, the network error as `cause`), or 5xx / 429.
 *   Retriable: the endpoint may come back.
 * - `refused`: any other answer but 2xx (400 invalid_client, invalid_scope, 401...): the answer is
 *   about the credentials, final. `oauthError` is the RFC 6749 §5.2 code if the body has a plain one.
 * - `bad_answer`: 2xx, but not a usable token (`problem` says what is wrong, never quoting it).
 * The message names the URL, never the secret or the body.
 */
export class TokenRequestError extends Error {
  constructor(
    readonly reason: 'unreachable' | 'refused' | 'bad_answer',
    readonly tokenUrl: string,
    readonly detail: { status?: number; oauthError?: string; problem?: string } = {},
    cause?: unknown,
  ) {
    const { status, oauthError, problem } = detail;
    const what = reason === 'bad_answer' ? (problem ?? 'an unusable answer')
      : status === undefined ? 'no answer' : `HTTP ${status}${oauthError === undefined ? '' : ` ${oauthError}`}`;
    super(`token endpoint ${tokenUrl}: ${what}`, { cause });
    this.name = 'TokenRequestError';
  }

  get retriable(): boolean {
    return this.reason === 'unreachable';
  }
}

export interface TokenRequestOptions {
  /**
   * Kafka's rule for the lifetime: an expires_in that is absent or not a positive number gives way
   * to the JWT's own `exp` (what a broker checks), else DEFAULT_LIFETIME_S. Without it, a bad
   * expires_in makes the answer unusable and an absent one means DEFAULT_LIFETIME_S.
   */
  jwtExpiry?: boolean;
  timeoutMs?: number;
  now?: () => number;
  send?: SendHttp;
}

/**
 * One token from the endpoint, and when it expires (ms since the epoch; expires_in counts from the
 * moment the request went out, so never later than the endpoint meant). Throws TokenRequestError.
 */
export async function requestToken(c: ClientCredentials, opts: TokenRequestOptions = {}): Promise<{ accessToken: string; expiresAtMs: number }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (c.clientAuth === 'basic') {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined for Basic.
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`;
  } else {
    form.set('client_id', c.clientId);
    form.set('client_secret', c.clientSecret);
  }
  if (c.scope.trim() !== '') form.set('scope', c.scope.trim());
  const startedAt = (opts.now ?? Date.now)();
  let res;
  try {
    res = await (opts.send ?? sendHttp)(c.tokenUrl, { method: 'POST', headers, body: form.toString(), ca: c.ca, timeoutMs: opts.timeoutMs ?? TOKEN_REQUEST_TIMEOUT_MS });
  } catch (cause) {
    throw new TokenRequestError('unreachable', c.tokenUrl, {}, cause);
  }
  if (res.status >= 500 || res.status === 429) throw new TokenRequestError('unreachable', c.tokenUrl, { status: res.status });
  if (res.status < 200 || res.status >= 300) {
    const oauthError = oauthErrorCode(res.text);
    throw new TokenRequestError('refused', c.tokenUrl, { status: res.status, ...(oauthError === undefined ? {} : { oauthError }) });
  }
  let parsed;
  try {
    parsed = parseTokenResponse(res.text, opts.jwtExpiry ? { jwtExpiryFrom: startedAt } : {});
  } catch (err) {
    throw new TokenRequestError('bad_answer', c.tokenUrl, { status: res.status, problem: (err as Error).message });
  }
  return { accessToken: parsed.accessToken, expiresAtMs: startedAt + Math.round(parsed.expiresInS * 1000) };
}

/**
 * The token and its lifetime from a token endpoint's JSON answer; throws on anything else. With
 * `jwtExpiryFrom` (the time the token was asked for), Kafka's rule of TokenRequestOptions.jwtExpiry.
 * The answer is never quoted in an error: it holds the token.
 */
export function parseTokenResponse(text: string, opts: { jwtExpiryFrom?: number } = {}): { accessToken: string; expiresInS: number } {
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
  const stated = typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
  if (stated !== undefined) return { accessToken: token, expiresInS: stated };
  if (opts.jwtExpiryFrom !== undefined) {
    const exp = jwtExpiryMs(token);
    return { accessToken: token, expiresInS: exp === undefined ? DEFAULT_LIFETIME_S : (exp - opts.jwtExpiryFrom) / 1000 };
  }
  if (seconds === undefined) return { accessToken: token, expiresInS: DEFAULT_LIFETIME_S };
  throw new Error('the token endpoint gave an expires_in that is not a positive number');
}

/** A JWT's `exp` in ms, or undefined if the token is not a JWT with a numeric `exp`. */
function jwtExpiryMs(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The RFC 6749 error code of a refusal, if the body has a plain one; never the free text (it may echo a request value). */
function oauthErrorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: unknown } | null)?.error;
    return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When to fetch a new token: a fifth of its lifetime before it ends, but never more than a
 * minute before (a one-hour token is renewed at 59 minutes, a five-second one at four).
 */
export function refreshDueAt(obtainedAtMs: number, expiresInS: number): number {
  const lifetimeMs = Math.max(0, expiresInS) * 1000;
  return obtainedAtMs + lifetimeMs - Math.min(60_000, lifetimeMs / 5);
}

export class ClientCredentialsToken {
  private current: { token: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;
  /** How many tokens were fetched (for tests and metrics). */
  fetched = 0;

  /** `settingsHint`: names of the settings to check when the endpoint refuses the client. */
  constructor(private readonly creds: ClientCredentials & { settingsHint: string }, private readonly opts: { timeoutMs?: number; now?: () => number; send?: SendHttp } = {}) {}

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
    const startedAt = this.now();
    let got;
    try {
      got = await requestToken(this.creds, this.opts);
    } catch (err) {
      throw inRegistryWords(err, this.creds.settingsHint);
    }
    this.fetched++;
    this.current = { token: got.accessToken, refreshAt: refreshDueAt(startedAt, (got.expiresAtMs - startedAt) / 1000) };
    return got.accessToken;
  }
}

/** A failed token request as the registry client reports it (it turns these into registry_* errors). */
function inRegistryWords(err: unknown, settingsHint: string): unknown {
  if (!(err instanceof TokenRequestError)) return err;
  const { tokenUrl: url, detail: { status, oauthError, problem } } = err;
  switch (err.reason) {
    case 'unreachable':
      // A certificate the CA setting does not vouch for will not be trusted on the next try either.
      if (isCertificateError(err.cause)) {
        return new PipelineError('oauth_tls', `token endpoint ${url}'s certificate is not trusted (${(err.cause as { code: string }).code}): check SCHEMA_REGISTRY_SSL_CA_FILE`, { cause: err.cause });
      }
      return new PipelineError('oauth_unreachable', `token endpoint ${url} ${status === undefined ? 'did not answer' : `answered ${status}`}`, { retriable: true, cause: err.cause });
    case 'refused':
      return new PipelineError('oauth_refused', `token endpoint ${url} refused the client credentials (${status}${oauthError === undefined ? '' : ` ${oauthError}`}): check ${settingsHint}`);
    case 'bad_answer':
      return new PipelineError('oauth_refused', `${problem} (${url})`);
  }
}
