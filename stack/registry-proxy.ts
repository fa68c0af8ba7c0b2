// The registry the way production runs it: HTTPS under a private CA, and nothing without
// credentials. A TLS reverse proxy in front of the local Apicurio (8081) that accepts Basic auth
// (Confluent Cloud's, Redpanda's and Aiven's way), a static bearer token, or a bearer token from
// its own OAuth 2.0 client-credentials token endpoint (/oauth/token, Keycloak's role in front of
// Apicurio), and refuses the rest with 401, or with 403 for a known user without access.
// Everything else is passed to the real registry untouched: the registry's answers are Apicurio's.
// It runs in the process that starts it, on the port it is given, with its CA and certificate in
// the folder it is given (made with openssl at start), and shares nothing with the stack.
import { execFile } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const UPSTREAM = { host: '127.0.0.1', port: 8081 };

export interface RegistryProxyOptions {
  /** A folder for the CA and the server's certificate (created if missing). */
  dir: string;
  port: number;
  /** Lifetime of the tokens /oauth/token gives; short in tests, to see them renewed. */
  tokenLifetimeS?: number;
}

export interface RegistryProxy {
  /** The Confluent-compatible API behind the proxy: what SCHEMA_REGISTRY_URL takes. */
  url: string;
  tokenUrl: string;
  /** PEM of the CA that signed the proxy's certificate: SCHEMA_REGISTRY_SSL_CA_FILE. */
  caFile: string;
  /** `user:password` with access: SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO. */
  userInfo: string;
  /** `user:password` of a user the proxy knows but refuses (403). */
  forbiddenUserInfo: string;
  bearerToken: string;
  client: { id: string; secret: string; scope: string };
  /** Tokens /oauth/token has given so far. */
  tokensIssued(): number;
  /** Requests refused with 401 or 403 so far. */
  refusals(): number;
  stop(): Promise<void>;
}

/** Starts the proxy; see RegistryProxy for what the services need to reach the registry through it. */
export async function startRegistryProxy(opts: RegistryProxyOptions): Promise<RegistryProxy> {
  await mkdir(opts.dir, { recursive: true });
  const f = (name: string) => join(opts.dir, name);
  await makeCertificates(f);
  const secret = () => randomBytes(18).toString('base64url');
  const user = { name: 'loginpipe', password: secret() };
  const forbidden = { name: 'intruder', password: secret() };
  const staticToken = secret();
  const client = { id: 'loginpipe-services', secret: secret(), scope: 'registry' };
  const lifetimeS = opts.tokenLifetimeS ?? 300;
  const issued = new Map<string, number>(); // token -> expiry (ms)
  let refused = 0;

  function authorised(req: IncomingMessage): 200 | 401 | 403 {
    const header = req.headers.authorization ?? '';
    const [scheme, value = ''] = header.split(' ', 2) as [string, string?];
    if (scheme === 'Basic') {
      const text = Buffer.from(value, 'base64').toString('utf8');
      if (same(text, `${user.name}:${user.password}`)) return 200;
      if (same(text, `${forbidden.name}:${forbidden.password}`)) return 403;
      return 401;
    }
    if (scheme === 'Bearer') {
      if (same(value, staticToken)) return 200;
      const expiry = issued.get(value);
      return expiry !== undefined && Date.now() < expiry ? 200 : 401;
    }
    return 401;
  }

  async function tokenEndpoint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await body(req));
    // client_secret_post, or client_secret_basic (RFC 6749 §2.3.1): both are in use.
    let id = form.get('client_id') ?? '';
    let pass = form.get('client_secret') ?? '';
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) [id = '', pass = ''] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':', 2).map(decodeURIComponent);
    if (form.get('grant_type') !== 'client_credentials') return json(res, 400, { error: 'unsupported_grant_type' });
    if (!same(id, client.id) || !same(pass, client.secret)) {
      refused++;
      return json(res, 401, { error: 'invalid_client' });
    }
    const scope = form.get('scope');
    if (scope !== null && scope !== client.scope) return json(res, 400, { error: 'invalid_scope' });
    const token = randomBytes(24).toString('base64url');
    issued.set(token, Date.now() + lifetimeS * 1000);
    json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: lifetimeS, scope: client.scope });
  }

  function forward(req: IncomingMessage, res: ServerResponse): void {
    const headers = { ...req.headers };
    delete headers.authorization;
    headers.host = `${UPSTREAM.host}:${UPSTREAM.port}`;
    const up = httpRequest({ ...UPSTREAM, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => { if (!res.headersSent) json(res, 502, { error_code: 502, message: 'registry behind the proxy did not answer' }); else res.destroy(); });
    req.pipe(up);
  }

  const server: Server = createServer({ key: await readFile(f('server.key')), cert: await readFile(f('server.crt')) }, (req, res) => {
    if (req.url === '/oauth/token' && req.method === 'POST') {
      tokenEndpoint(req, res).catch(() => res.destroy());
      return;
    }
    const verdict = authorised(req);
    if (verdict !== 200) {
      refused++;
      res.setHeader('www-authenticate', 'Basic realm="registry", Bearer');
      return json(res, verdict, { error_code: verdict, message: verdict === 401 ? 'Unauthorized' : 'Forbidden' });
    }
    forward(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, HOST, () => { server.off('error', reject); resolve(); });
  });

  const origin = `https://${HOST}:${opts.port}`;
  return {
    url: `${origin}/apis/ccompat/v7`,
    tokenUrl: `${origin}/oauth/token`,
    caFile: f('ca.crt'),
    userInfo: `${user.name}:${user.password}`,
    forbiddenUserInfo: `${forbidden.name}:${forbidden.password}`,
    bearerToken: staticToken,
    client,
    tokensIssued: () => issued.size,
    refusals: () => refused,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** A CA, and a certificate it signed for 127.0.0.1 and localhost (valid two days). */
async function makeCertificates(f: (name: string) => string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=loginpipe registry test CA', '-keyout', f('ca.key'), '-out', f('ca.crt'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', '-new', ...ec, '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr')]);
  await writeFile(f('server.ext'), `subjectAltName=IP:${HOST},DNS:localhost\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2',
    '-extfile', f('server.ext'), '-out', f('server.crt')]);
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size > 64 * 1024) req.destroy(); else chunks.push(c); });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}
