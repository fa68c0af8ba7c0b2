// A small OAuth 2.0 token endpoint with the client-credentials grant (RFC 6749 §4.4), for the
// OAUTHBEARER tests: it authenticates clients with HTTP Basic and issues the unsigned JWTs that
// Kafka's built-in unsecured validator accepts (`alg: none`, with `sub` = the client id and
// `exp`). A test (never a real deployment) points KAFKA_OAUTH_TOKEN_URL at it.
//
// Encoding: RFC 7515 says base64url without padding; Kafka 3.9's unsecured validator decoded the
// parts as standard base64 instead. Each token is made so that both read the same: a filler claim
// is adjusted until neither alphabet's special characters (+ / - _) appear.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

export interface OidcIssuerOptions {
  host?: string;
  /** 0: any free port. */
  port: number;
  /** client id -> client secret. The id becomes the token's `sub`, so the principal `User:<id>`. */
  clients: Record<string, string>;
  /** Lifetime of each token, in seconds. */
  lifetimeSeconds: number;
}

export interface OidcIssuer {
  tokenUrl: string;
  /** How many tokens were issued, per client id: tells a test when a token was refreshed. */
  issued: Map<string, number>;
  stop(): Promise<void>;
}

/** An unsigned JWT whose parts read the same in base64 and base64url, without padding. */
export function unsecuredJwt(claims: Record<string, unknown>): string {
  const header = encodePart({ alg: 'none', typ: 'JWT' });
  return `${header}.${encodePart(claims)}.`;
}

function encodePart(value: Record<string, unknown>): string {
  for (let filler = ''; filler.length < 64; filler += 'x') {
    const json = JSON.stringify(filler === '' ? value : { ...value, pad: filler });
    // A multiple of 3 bytes needs no padding, so unpadded and padded encodings are the same text.
    const bytes = Buffer.from(json.padEnd(json.length + ((3 - (Buffer.byteLength(json) % 3)) % 3), ' '));
    const text = bytes.toString('base64');
    if (!/[+/=_-]/.test(text)) return text;
  }
  throw new Error('no filler makes this JWT part the same in base64 and base64url');
}

export async function startOidcIssuer(opts: OidcIssuerOptions): Promise<OidcIssuer> {
  const host = opts.host ?? '127.0.0.1';
  const issued = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    void handle(req).then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    });
  });

  async function handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    if (req.method !== 'POST' || req.url !== '/token') return { status: 404, body: { error: 'not_found' } };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const client = basicClient(req.headers.authorization);
    const secret = client ? opts.clients[client.id] : undefined;
    if (!client || secret === undefined || !sameText(secret, client.secret)) return { status: 401, body: { error: 'invalid_client' } };
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { sub: client.id, iat: now, exp: now + opts.lifetimeSeconds };
    const scope = form.get('scope');
    if (scope) claims.scope = scope;
    issued.set(client.id, (issued.get(client.id) ?? 0) + 1);
    return { status: 200, body: { access_token: unsecuredJwt(claims), token_type: 'Bearer', expires_in: opts.lifetimeSeconds } };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    tokenUrl: `http://${host}:${port}/token`,
    issued,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** RFC 6749 §2.3.1: Basic credentials whose id and secret were form-urlencoded. */
function basicClient(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: decode(text.slice(0, colon)), secret: decode(text.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
