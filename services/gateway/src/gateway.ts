// The gateway: one HTTP server whose upgrades become WebSocket clients (Connection), two bus
// subscriptions (predictions and alerts) fanned out to them synchronously, a heartbeat, and the
// prediction history stream for resume. Lifecycle: Gateway.start() -> drain() or close() ->
// closed(). The transport belongs to the caller (runGateway owns it in the service).

import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { BusMsg, Subscription, Transport } from '@carousel/bus';
import { createSubjects, decodeAlert, decodePrediction, parseOptions as parseProtocolOptions } from '@carousel/protocol';
import type { Subjects } from '@carousel/protocol';
import { TokenVerifier } from './auth.ts';
import { CONN_CLOSING, CONN_OPEN, Connection } from './connection.ts';
import type { GatewayContext } from './context.ts';
import { CLOSE, GW_ERR } from './errors.ts';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, alertFrame, encodeControl, predictionFrame } from './frames.ts';
import { handleHttp } from './http.ts';
import type { HttpRoutes } from './http.ts';
import { silentLogger } from './log.ts';
import type { Logger } from './log.ts';
import { createGatewayMetrics } from './metrics.ts';
import type { GatewayMetrics } from './metrics.ts';
import { parseGatewayOptions } from './options.ts';
import type { GatewayOptions } from './options.ts';
import { AuthRateLimiter } from './rate-limit.ts';
import { StatusHub } from './status.ts';
import type { GatewayStatus } from './status.ts';

export const GATEWAY_RUNNING = 0;
export const GATEWAY_DRAINING = 1;
export const GATEWAY_CLOSED = 2;

export interface GatewayDeps {
  /** Structured logger (default: silent). */
  logger?: Logger;
  /** Register Node process metrics too (default true). */
  processMetrics?: boolean;
}

export class Gateway implements GatewayContext, AsyncDisposable {
  state = GATEWAY_RUNNING;
  readonly options: Readonly<GatewayOptions>;
  readonly subjects: Subjects;
  readonly verifier: TokenVerifier;
  readonly limiter: AuthRateLimiter;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  historyReady = false;
  /** False while the bus connection is lost. */
  busConnected = true;
  /** False once a bus subscription ended while running (e.g. refused by the server's permissions). */
  busSubscribed = true;
  readonly #conns = new Map<number, Connection>();
  readonly #status = new StatusHub();
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  #subs: Subscription[] = [];
  #nextId = 1;
  #heartbeat: NodeJS.Timeout | undefined;
  #done: Promise<void>;
  #resolveDone!: () => void;
  #drained: (() => void) | undefined;
  readonly #routes: HttpRoutes;

  private constructor(readonly transport: Transport, options: Readonly<GatewayOptions>, deps: GatewayDeps) {
    this.options = options;
    this.log = deps.logger ?? silentLogger;
    this.subjects = createSubjects(parseProtocolOptions({ prefix: options.prefix }));
    this.verifier = new TokenVerifier(options.secret, options.staticTokens, options.now);
    this.limiter = new AuthRateLimiter(options.authBurst, options.authRefillPerSec, options.authTrackedAddresses, options.now);
    this.metrics = createGatewayMetrics(() => this.queuedBytes, deps.processMetrics ?? true);
    this.#done = new Promise((r) => (this.#resolveDone = r));
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false, // compression costs CPU per client per frame and hides the real backlog
      maxPayload: options.maxPayloadBytes,
      clientTracking: false,
      handleProtocols: selectProtocol,
    });
    this.#routes = {
      staticDir: options.staticDir,
      ready: () => this.state === GATEWAY_RUNNING && this.busConnected && this.busSubscribed,
      metrics: async () => ({ contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() }),
    };
    this.#server = createServer((req, res) => void handleHttp(this.#routes, req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
  }

  /** Provisions the history, subscribes to the bus and listens. */
  static async start(transport: Transport, options: Partial<GatewayOptions> = {}, deps: GatewayDeps = {}): Promise<Gateway> {
    const gw = new Gateway(transport, parseGatewayOptions(options), deps);
    await gw.#start();
    return gw;
  }

  async #start(): Promise<void> {
    const o = this.options;
    if (o.historyStream !== '') {
      try {
        // Created when absent; an existing stream (an earlier gateway's, or one ops configured) is
        // used as it is, so restarts never rewrite its limits or storage.
        const exists = await this.transport.streamState(o.historyStream).then(() => true, (err: unknown) => {
          if ((err as { code?: string }).code === 'BUS_ERR_NOT_FOUND') return false;
          throw err;
        });
        if (!exists) await this.transport.ensureStream({
          name: o.historyStream, subjects: [`${o.prefix}.out.>`], maxAgeMs: o.historyMaxAgeMs, maxMsgs: o.historyMaxMessages,
          storage: o.historyStorage, duplicateWindowMs: Math.min(o.historyMaxAgeMs, 120_000),
        });
        this.historyReady = true;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        this.log.warn('prediction history unavailable; resume disabled', { stream: o.historyStream, error: reason });
        this.#status.emit({ type: 'historyUnavailable', reason });
      }
    }
    this.#subs = [
      this.transport.subscribe(`${o.prefix}.out.>`, { callback: (m) => this.#onBus('prediction', m) }),
      this.transport.subscribe(`${o.prefix}.alert.>`, { callback: (m) => this.#onBus('alert', m) }),
    ];
    for (const sub of this.#subs) {
      // A subscription ends on its own only when the server refuses it (permissions) or the
      // connection closes: either way this gateway cannot deliver, so it reports not ready.
      void sub.closed().then(() => {
        if (this.state !== GATEWAY_RUNNING) return;
        this.busSubscribed = false;
        this.log.error('bus subscription ended; not ready', { subject: sub.subject });
      });
    }
    void this.#watchTransport();
    await this.transport.flush();
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(o.port, o.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#heartbeat = setInterval(() => this.#beat(), o.heartbeatMs);
    this.log.info('gateway listening', { port: this.port, wsPath: o.wsPath, auth: o.auth, history: this.historyReady, staticDir: o.staticDir, transport: this.transport.kind });
    this.#status.emit({ type: 'listening', port: this.port, history: this.historyReady });
  }

  /** The port listened on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** ws://127.0.0.1:<port><wsPath>, for tests and the CLI banner. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}${this.options.wsPath}`;
  }

  /** http://127.0.0.1:<port>. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connected clients (any state). */
  get clients(): number {
    return this.#conns.size;
  }

  /** The connections, for tests and diagnostics. */
  connections(): IterableIterator<Connection> {
    return this.#conns.values();
  }

  /** Bytes in all send queues and socket buffers. */
  get queuedBytes(): number {
    let n = 0;
    for (const c of this.#conns.values()) n += c.queuedBytes;
    return n;
  }

  /** Health events from now on, until the gateway closes. */
  status(): AsyncIterable<GatewayStatus> {
    return this.#status.listen();
  }

  emit(e: GatewayStatus): void {
    this.#status.emit(e);
  }

  removeConnection(id: number): void {
    if (this.#conns.delete(id)) this.metrics.clients.set(this.#conns.size);
    if (this.#conns.size === 0) this.#drained?.();
  }


  async #watchTransport(): Promise<void> {
    for await (const s of this.transport.status()) {
      // Predictions published while the bus subscriptions are down never reach the gateway: each
      // connection holds live messages from the disconnect on and, once reconnected, replays the
      // missed ones from the history (from the last seq it sent per stream), as on a client resume.
      if (s.type === 'disconnect') {
        this.busConnected = false;
        for (const c of this.#conns.values()) c.busLost();
      } else if (s.type === 'reconnect') {
        this.busConnected = true;
        for (const c of this.#conns.values()) c.busRestored();
      } else if (s.type === 'closed') {
        this.busConnected = false;
        for (const c of this.#conns.values()) c.busClosed();
      }
      if (s.type === 'disconnect' || s.type === 'reconnect') this.log.warn(`bus ${s.type}`, { server: s.server });
      else if (s.type === 'error') this.log.error('bus error', { error: s.error.message });
    }
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== this.options.wsPath) return rejectUpgrade(socket, 404, 'Not Found');
    if (this.state !== GATEWAY_RUNNING) {
      this.metrics.connections.inc({ result: 'rejected_draining' });
      return rejectUpgrade(socket, 503, 'Service Unavailable');
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req));
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const o = this.options;
    const addr = req.socket.remoteAddress ?? 'unknown';
    const format = ws.protocol === SUBPROTOCOL_MSGPACK ? 'msgpack' : 'json';
    if (this.#conns.size >= o.maxClients) {
      this.metrics.connections.inc({ result: 'rejected_limit' });
      return refuseSocket(ws, format, GW_ERR.TOO_MANY_CLIENTS, `at most ${o.maxClients} clients`, CLOSE.TRY_AGAIN_LATER, o.closeGraceMs);
    }
    if (o.auth !== 'none' && !this.limiter.allowed(addr)) {
      this.metrics.connections.inc({ result: 'rejected_rate_limited' });
      this.metrics.authFailures.inc({ code: GW_ERR.RATE_LIMITED });
      this.#status.emit({ type: 'rateLimited', client: 0, addr });
      return refuseSocket(ws, format, GW_ERR.RATE_LIMITED, 'too many failed authentication attempts; try later', CLOSE.RATE_LIMITED, o.closeGraceMs);
    }
    const id = this.#nextId++;
    this.metrics.connections.inc({ result: 'accepted' });
    this.#conns.set(id, new Connection(this, ws, id, format, addr));
    this.metrics.clients.set(this.#conns.size);
    this.#status.emit({ type: 'clientOpen', client: id, addr });
  }

  /** Decodes one bus message and hands it to every connection. Never awaits. */
  #onBus(kind: 'prediction' | 'alert', m: BusMsg): void {
    const t0 = performance.now();
    this.metrics.busMessages.inc({ kind });
    const parsed = this.subjects.parse(m.subject);
    if (parsed === null || parsed.stream === null) return;
    const contentType = m.headers['Content-Type'] ?? null;
    let frame;
    if (kind === 'prediction') {
      const r = decodePrediction(m.data, { contentType, stream: parsed.stream });
      if (!r.ok) return this.#decodeError(kind, m.subject, r.reject.code);
      frame = predictionFrame(r.value, t0);
    } else {
      const r = decodeAlert(m.data, { contentType, stream: parsed.stream });
      if (!r.ok) return this.#decodeError(kind, m.subject, r.reject.code);
      frame = alertFrame(r.value, t0);
    }
    for (const c of this.#conns.values()) c.deliver(frame);
    this.metrics.fanoutSeconds.observe((performance.now() - t0) / 1000);
  }

  #decodeError(kind: string, subject: string, code: string): void {
    this.metrics.decodeErrors.inc({ kind });
    this.#status.emit({ type: 'decodeError', subject, code });
  }

  #beat(): void {
    for (const c of this.#conns.values()) {
      if (c.state >= CONN_CLOSING) continue;
      if (!c.alive) {
        this.log.info('peer missed a heartbeat; terminated', { client: c.id, addr: c.addr });
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  /**
   * Stops accepting, stops the bus subscriptions, closes every client with 1001 and waits for them
   * (at most drainTimeoutMs, then terminates the rest), then closes the server.
   */
  async drain(): Promise<void> {
    if (this.state !== GATEWAY_RUNNING) return this.#done;
    this.state = GATEWAY_DRAINING;
    this.#status.emit({ type: 'draining' });
    this.log.info('gateway draining', { clients: this.#conns.size });
    for (const s of this.#subs) s.close();
    const allClosed = new Promise<void>((r) => (this.#drained = r));
    for (const c of this.#conns.values()) {
      if (c.state === CONN_OPEN) c.notify(GW_ERR.SHUTDOWN, 'gateway shutting down');
      c.close(CLOSE.GOING_AWAY, 'going away');
    }
    if (this.#conns.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allClosed, new Promise<void>((r) => (timer = setTimeout(r, this.options.drainTimeoutMs)))]);
      clearTimeout(timer);
    }
    await this.close();
  }

  /** Closes now: every client is terminated. Idempotent. */
  async close(): Promise<void> {
    if (this.state === GATEWAY_CLOSED) return this.#done;
    this.state = GATEWAY_CLOSED;
    clearInterval(this.#heartbeat);
    for (const s of this.#subs) s.close();
    for (const c of [...this.#conns.values()]) {
      c.ws.terminate();
      c.closed(1006);
    }
    this.#wss.close();
    await new Promise<void>((r) => this.#server.close(() => r()));
    this.#server.closeAllConnections();
    this.log.info('gateway closed');
    this.#status.close();
    this.#resolveDone();
  }

  /** Resolves when the gateway has closed. */
  closed(): Promise<void> {
    return this.#done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Prefers msgpack, then JSON; a client that names neither gets no subprotocol and JSON frames. */
function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has(SUBPROTOCOL_MSGPACK)) return SUBPROTOCOL_MSGPACK;
  if (protocols.has(SUBPROTOCOL_JSON)) return SUBPROTOCOL_JSON;
  return false;
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Sends one error frame and closes a socket that never became a Connection. */
function refuseSocket(ws: WebSocket, format: 'json' | 'msgpack', code: string, message: string, closeCode: number, graceMs: number): void {
  ws.send(encodeControl(format, { type: 'error', code, message }));
  ws.close(closeCode, message.slice(0, 120));
  setTimeout(() => ws.terminate(), graceMs).unref();
}
