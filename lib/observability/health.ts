// /healthz (the process is alive) and /readyz (connected to everything it needs), so an
// orchestrator can restart a stuck instance or hold traffic from one that is not ready; and
// /metrics, the process's Prometheus metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from './log.js';
import type { Service } from '../runtime/service.js';

export interface HealthServer {
  readonly port: number;
  /** Readiness is false until a service is attached (it is still starting). */
  attach(service: Service): void;
  close(): Promise<void>;
}

/** `metrics`: the registry /metrics shows (the whole process's, so any port of `loginpipe run` shows all three services). */
export async function startHealthServer(name: string, port: number, log: Logger, metrics?: Registry): Promise<HealthServer> {
  let service: Service | undefined;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      reply(200, { status: 'alive', service: name });
    } else if (path === '/readyz') {
      const ready = service?.ready() ?? false;
      reply(ready ? 200 : 503, { status: ready ? 'ready' : service ? 'not ready' : 'starting', service: name });
    } else if (path === '/metrics' && metrics) {
      metrics.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text),
        (err: unknown) => {
          log.warn({ service: name, err: errorMessage(err) }, 'could not render /metrics');
          reply(500, { error: 'metrics unavailable' });
        },
      );
    } else {
      reply(404, { error: 'not found', paths: metrics ? ['/healthz', '/readyz', '/metrics'] : ['/healthz', '/readyz'] });
    }
    function reply(status: number, body: unknown) {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`${name}: cannot serve health checks on port ${port}: ${err.message}`)));
    server.listen(port, '0.0.0.0', resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  log.info({ service: name, port: bound }, 'health endpoints listening');
  return {
    port: bound,
    attach: (s) => { service = s; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
