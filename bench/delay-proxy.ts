// A loopback HTTP proxy that holds every request for a fixed delay before passing it on: real SQS
// answers each call in tens of milliseconds, the local server in about one. With it in front, the
// benchmark shows how many pollers it takes to hide that round trip.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DelayProxy { endpoint: string; close(): Promise<void> }

export async function startDelayProxy(target: string, delayMs: number): Promise<DelayProxy> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        out.on('error', (err) => { res.writeHead(502); res.end(String(err)); });
        out.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
