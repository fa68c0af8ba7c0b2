// One HTTP(S) request with a timeout and the TLS options fetch() cannot take: Node's built-in
// fetch has no way to trust a private CA for one call (only process-wide), so the registry and the
// OAuth token endpoints (lib/auth/) are called through node:http(s) instead.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM certificate(s) trusted for an https URL instead of the system's roots. */
  ca?: string | string[];
  timeoutMs: number;
}

export interface HttpResponse { status: number; text: string }

/** Bodies bigger than this are a registry or proxy gone wrong; nothing loginpipe asks for is. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** What sendHttp does, as a port: a unit test answers instead of a server. */
export type SendHttp = (url: string, req: HttpRequest) => Promise<HttpResponse>;

export function sendHttp(url: string, req: HttpRequest): Promise<HttpResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = send(target, {
      method: req.method,
      headers: { ...req.headers, ...(req.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(req.body)) }) },
      ...(req.ca === undefined ? {} : { ca: req.ca }),
      timeout: req.timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) r.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(Object.assign(new Error(`no answer within ${req.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    r.on('error', reject);
    r.end(req.body);
  });
}

// The certificate errors of node:tls: the server is there but cannot be trusted, which waiting
// will not change (unlike a refused or reset connection).
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH',
]);

/** Whether a request failed because the server's certificate is not trusted (a setting to fix). */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TLS_TRUST_CODES.has(code);
}
