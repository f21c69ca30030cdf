// The plain-HTTP side of the gateway's port: /healthz (the process is up), /readyz (connected to the
// bus and not draining), /metrics (Prometheus text), and a static folder (the dashboard). GET and
// HEAD only; paths are resolved inside the folder, never above it.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

export interface HttpRoutes {
  /** The static folder, or null. */
  readonly staticDir: string | null;
  /** True when the gateway can serve clients (bus connected, not draining). */
  ready(): boolean;
  /** Prometheus exposition text and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Handles one request; never throws. */
export async function handleHttp(routes: HttpRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', 'http://gateway');
    switch (url.pathname) {
      case '/healthz':
        return reply(res, 200, '{"status":"ok"}\n', { 'Content-Type': 'application/json' });
      case '/readyz':
        return routes.ready()
          ? reply(res, 200, '{"status":"ready"}\n', { 'Content-Type': 'application/json' })
          : reply(res, 503, '{"status":"not ready"}\n', { 'Content-Type': 'application/json' });
      case '/metrics': {
        const m = await routes.metrics();
        return reply(res, 200, m.body, { 'Content-Type': m.contentType });
      }
    }
    if (routes.staticDir === null) return reply(res, 404, 'not found\n');
    return await serveStatic(routes.staticDir, decodeURIComponent(url.pathname), req, res);
  } catch {
    if (!res.headersSent) reply(res, 400, 'bad request\n');
    else res.destroy();
  }
}

async function serveStatic(root: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const base = path.resolve(root);
  let file = path.resolve(base, `.${path.posix.normalize(`/${pathname}`)}`);
  if (file !== base && !file.startsWith(base + path.sep)) return reply(res, 404, 'not found\n');
  let st = await stat(file).catch(() => null);
  if (st?.isDirectory()) {
    file = path.join(file, 'index.html');
    st = await stat(file).catch(() => null);
  }
  if (st === null || !st.isFile()) return reply(res, 404, 'not found\n');
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': st.size,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
