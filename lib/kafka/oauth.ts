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
import { requestToken, TokenRequestError, type ClientCredentials } from '../auth/oauth-token.js';
import type { SendHttp } from '../http/request.js';

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

/** KAFKA_OAUTH_*: no private CA for the token endpoint (the system's roots), and always Basic. */
export type OidcClientCredentials = Omit<ClientCredentials, 'clientAuth' | 'ca'>;

/**
 * Tokens from an OAuth 2.0 / OIDC token endpoint with the client-credentials grant (lib/auth's
 * requestToken), the client authenticated with HTTP Basic (client_secret_basic, which every IdP
 * accepts), the lifetime from expires_in or else the JWT's `exp`. A refused client is final
 * (retrying cannot help) and names the settings; an endpoint that is down or answers 5xx is
 * retriable.
 */
export function oidcTokenSource(c: OidcClientCredentials, send?: SendHttp): TokenSource {
  const creds: ClientCredentials = { ...c, clientAuth: 'basic' };
  return async () => {
    try {
      const got = await requestToken(creds, { jwtExpiry: true, send });
      return { value: got.accessToken, expiresAtMs: got.expiresAtMs };
    } catch (err) {
      throw inKafkaWords(err);
    }
  };
}

/** A failed token request as a Kafka client reports it, naming the KAFKA_OAUTH_* settings. */
function inKafkaWords(err: unknown): unknown {
  if (!(err instanceof TokenRequestError)) return err;
  const endpoint = `the token endpoint KAFKA_OAUTH_TOKEN_URL (${err.tokenUrl})`;
  const { status, oauthError, problem } = err.detail;
  switch (err.reason) {
    case 'unreachable':
      return status === undefined
        ? new PipelineError('oauth_token_unavailable', `could not reach ${endpoint}: ${errorMessage(err.cause)}`, { retriable: true, cause: err.cause })
        : new PipelineError('oauth_token_unavailable', `${endpoint} answered HTTP ${status}`, { retriable: true });
    case 'refused':
      return new PipelineError('oauth_client_refused',
        `${endpoint} refused the client: HTTP ${status}${oauthError === undefined ? '' : ` ${oauthError}`}; check KAFKA_OAUTH_CLIENT_ID, KAFKA_OAUTH_CLIENT_SECRET and KAFKA_OAUTH_SCOPE`);
    case 'bad_answer':
      return new PipelineError('oauth_bad_token_response', `${endpoint} gave no usable token: ${problem}`);
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
