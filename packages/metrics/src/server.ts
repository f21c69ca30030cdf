// A tiny node:http server for a service's /metrics (Prometheus text format), /healthz (liveness:
// 200 with a JSON health body while the process answers) and /readyz (200 when ready, else 503).
// Not a general HTTP framework: three GET routes, everything else 404.

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What /healthz reports: a status and any plain-JSON details the service adds. */
export interface HealthState {
  /** 'ok', or 'degraded' while alive but impaired (e.g. reconnecting); both answer 200. */
  status: 'ok' | 'degraded';
  [detail: string]: unknown;
}

export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (read it back from `port`). */
  port: number;
  /** Interface to bind. Default '127.0.0.1'. */
  host?: string;
  registry: Registry;
  /** Called per /healthz request. */
  health: () => HealthState;
  /** Called per /readyz request. */
  ready: () => boolean;
}

export interface MetricsServer {
  /** The bound port. */
  readonly port: number;
  /** The bound host. */
  readonly host: string;
  /** Stops accepting, closes open connections, resolves when the server is down. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function handler(opts: MetricsServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return function onRequest(req, res) {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    try {
      if (path === '/metrics') {
        opts.registry.metrics().then(
          (text) => send(res, 200, opts.registry.contentType, text),
          (e: unknown) => json(res, 500, { error: e instanceof Error ? e.message : String(e) }),
        );
      } else if (path === '/healthz') {
        json(res, 200, opts.health());
      } else if (path === '/readyz') {
        const ready = opts.ready();
        json(res, ready ? 200 : 503, { ready });
      } else {
        json(res, 404, { error: 'not found' });
      }
    } catch (e) {
      json(res, 500, { error: e instanceof Error ? e.message : String(e) });
    }
  };
}

/** Starts the server; resolves once it listens. */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const host = opts.host ?? '127.0.0.1';
  const server: Server = createServer(handler(opts));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
