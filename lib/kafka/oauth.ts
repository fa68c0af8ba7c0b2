// SASL/OAUTHBEARER for kafkajs: where tokens come from, when they are renewed, and how a broker's
// refusal is reported.
//
// - kafkajs asks for a token each time a connection authenticates, and again when the broker's
//   session lifetime (the token's expiry) is near. `cachedTokens` hands out one token until 80% of
//   its lifetime has passed (the Java client's sasl.login.refresh.window.factor), then fetches the
//   next one, so a token is always renewed before it expires; concurrent connections share one
//   fetch.
// - kafkajs's own OAUTHBEARER authenticator ignores the broker's answer. A broker that refuses a
//   token answers with an error challenge (RFC 7628 §3.2.2) and waits for the client to end the
//   exchange; kafkajs instead sends its next request, which fails with "Request is not valid given
//   the current SASL state". `oauthBearerMechanism` reads the answer, ends the exchange as the RFC
//   says, and throws an error that says the token was refused and names the setting behind it.
// - kafkajs 2.2.4 writes `authorizationIdentity` into the message wrongly (`"a=` instead of `a=`),
//   so it is never set here: the broker takes the identity from the token's subject.
import type { Mechanism } from 'kafkajs';
import { PipelineError, errorMessage } from '../runtime/errors.js';

export interface OAuthToken {
  value: string;
  /** When the token stops being valid, in ms since the epoch. */
  expiresAtMs: number;
}

export type TokenSource = () => Promise<OAuthToken>;

/** Fraction of a token's lifetime after which the next one is fetched. */
export const REFRESH_AT_LIFETIME_FRACTION = 0.8;

/**
 * One token at a time from `source`, renewed once REFRESH_AT_LIFETIME_FRACTION of its lifetime
 * (from the moment it was fetched) has passed, or when it has expired. A failed fetch is not
 * cached: the next call tries again.
 */
export function cachedTokens(source: TokenSource, now: () => number = Date.now): () => Promise<OAuthToken> {
  let current: { token: OAuthToken; renewAtMs: number } | undefined;
  let inFlight: Promise<OAuthToken> | undefined;
  return () => {
    const t = now();
    if (current !== undefined && t < current.renewAtMs && t < current.token.expiresAtMs) return Promise.resolve(current.token);
    inFlight ??= (async () => {
      try {
        const fetchedAt = now();
        const token = await source();
        const lifetime = Math.max(0, token.expiresAtMs - fetchedAt);
        current = { token, renewAtMs: fetchedAt + Math.floor(lifetime * REFRESH_AT_LIFETIME_FRACTION) };
        return token;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
}

export interface OidcClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes; empty: none asked for. */
  scope: string;
}

/** Longest a token request may take: the connection that asked waits for it. */
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Tokens from an OAuth 2.0 / OIDC token endpoint with the client-credentials grant (RFC 6749
 * §4.4), the client authenticated with HTTP Basic (client_secret_basic, which every IdP accepts).
 * A refused client is final (retrying cannot help) and names the settings; an endpoint that is
 * down or answers 5xx is retriable.
 */
export function oidcTokenSource(c: OidcClientCredentials, fetchFn: typeof fetch = fetch, now: () => number = Date.now): TokenSource {
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined for Basic.
  const basic = Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64');
  return async () => {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (c.scope.trim() !== '') body.set('scope', c.scope.trim());
    let res: Response;
    try {
      res = await fetchFn(c.tokenUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new PipelineError('oauth_token_unavailable', `could not reach the token endpoint KAFKA_OAUTH_TOKEN_URL (${c.tokenUrl}): ${errorMessage(err)}`, { retriable: true, cause: err });
    }
    const text = await res.text().catch(() => '');
    if (res.status >= 500 || res.status === 429) {
      throw new PipelineError('oauth_token_unavailable', `the token endpoint KAFKA_OAUTH_TOKEN_URL (${c.tokenUrl}) answered HTTP ${res.status}`, { retriable: true });
    }
    if (!res.ok) {
      // The error code (RFC 6749 §5.2) is safe to show; the description might echo a request value.
      const code = oauthErrorCode(text);
      throw new PipelineError('oauth_client_refused',
        `the token endpoint KAFKA_OAUTH_TOKEN_URL (${c.tokenUrl}) refused the client: HTTP ${res.status}${code ? ` ${code}` : ''}; check KAFKA_OAUTH_CLIENT_ID, KAFKA_OAUTH_CLIENT_SECRET and KAFKA_OAUTH_SCOPE`);
    }
    return parseTokenResponse(text, now(), c.tokenUrl);
  };
}

function oauthErrorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: unknown }).error;
    return typeof code === 'string' && /^[\x20-\x7e]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** A token lifetime for an endpoint that states none and issues no readable JWT `exp`. */
const ASSUMED_LIFETIME_MS = 5 * 60_000;

/**
 * The token and its expiry from a token endpoint's JSON answer: `expires_in` if given, else the
 * JWT's own `exp`, else ASSUMED_LIFETIME_MS. The answer is never quoted in an error: it holds the
 * token.
 */
export function parseTokenResponse(text: string, nowMs: number, tokenUrl: string): OAuthToken {
  let body: { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new PipelineError('oauth_bad_token_response', `the token endpoint KAFKA_OAUTH_TOKEN_URL (${tokenUrl}) did not answer with JSON`);
  }
  if (body === null || typeof body !== 'object' || typeof body.access_token !== 'string' || body.access_token === '') {
    throw new PipelineError('oauth_bad_token_response', `the token endpoint KAFKA_OAUTH_TOKEN_URL (${tokenUrl}) answered without an access_token`);
  }
  if (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer') {
    throw new PipelineError('oauth_bad_token_response', `the token endpoint KAFKA_OAUTH_TOKEN_URL (${tokenUrl}) issued a token of type "${body.token_type.slice(0, 32)}", not Bearer`);
  }
  const expiresIn = typeof body.expires_in === 'string' ? Number(body.expires_in) : body.expires_in;
  let expiresAtMs: number;
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0) expiresAtMs = nowMs + expiresIn * 1000;
  else expiresAtMs = jwtExpiryMs(body.access_token) ?? nowMs + ASSUMED_LIFETIME_MS;
  return { value: body.access_token, expiresAtMs };
}

/** A JWT's `exp` in ms, or undefined if the token is not a JWT with a numeric `exp`. */
export function jwtExpiryMs(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** A kafkajs SASL mechanism for OAUTHBEARER that reads the broker's answer (see the top). */
export function oauthBearerMechanism(tokens: () => Promise<OAuthToken>, source: string): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ host, port, saslAuthenticate }) => ({
      authenticate: async () => {
        const token = await tokens();
        // RFC 7628 §3.1: GS2 header without authzid, then the bearer token between ^A separators.
        const answer = await saslAuthenticate<Buffer>({
          request: { encode: () => sizedBytes(Buffer.from(`n,,\x01auth=Bearer ${token.value}\x01\x01`)) },
          response: { decode: (raw: Buffer) => raw, parse: (raw: Buffer) => unsized(raw) },
        });
        if (answer === undefined || answer.length === 0) return; // accepted
        // An error challenge: the broker waits for a lone ^A before it fails the exchange.
        const status = challengeStatus(answer);
        try {
          await saslAuthenticate({ request: { encode: () => sizedBytes(Buffer.from('\x01')) } });
        } catch {
          // expected: the broker now reports SASL_AUTHENTICATION_FAILED
        }
        throw new OAuthTokenRefused(`${host}:${port}`, status, source);
      },
    }),
  };
}

/** The broker refused the token: final, since the same token would be refused again. */
export class OAuthTokenRefused extends PipelineError {
  constructor(broker: string, status: string, source: string) {
    // Not retriable, so kafkajs gives up at once instead of retrying a refused token.
    super('oauth_token_refused', `SASL OAUTHBEARER: broker ${broker} rejected the token (${status}) from ${source}`);
  }
}

/** kafkajs frames SASL auth bytes with an int32 length, as its own mechanisms do. */
function sizedBytes(bytes: Buffer): Buffer {
  const out = Buffer.alloc(4 + bytes.length);
  out.writeInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

function unsized(raw: Buffer): Buffer {
  if (raw.length < 4) return Buffer.alloc(0);
  const size = raw.readInt32BE(0);
  return size <= 0 ? Buffer.alloc(0) : raw.subarray(4, 4 + size);
}

/** The `status` of an RFC 7628 error challenge (`{"status":"invalid_token",...}`), for the message. */
function challengeStatus(challenge: Buffer): string {
  try {
    const status = (JSON.parse(challenge.toString('utf8')) as { status?: unknown }).status;
    if (typeof status === 'string' && /^[\x20-\x7e]{1,64}$/.test(status)) return `status ${status}`;
  } catch {
    // fall through
  }
  return 'no status given';
}
