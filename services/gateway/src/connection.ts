// One WebSocket client of the gateway: authentication, subscriptions, resume, and the bounded send
// path. Fan-out calls deliver(), which never awaits: a frame goes to the socket while it holds less
// than socketHighWaterBytes, otherwise to the SendQueue (coalescing past the soft limit); a write
// that crosses the high-water mark carries a callback that pumps the queue when the socket drains.
// A client over the hard limit for slowGraceMs is closed with 4008. Event handlers are module-level
// functions that find their Connection on the socket.

import type { RawData, WebSocket } from 'ws';
import { closeCodeLabel } from '@carousel/metrics';
import { isStreamId } from '@carousel/protocol';
import type { GatewayContext } from './context.ts';
import { CLOSE, GW_ERR } from './errors.ts';
import { encodeControl, parseClientFrame } from './frames.ts';
import type { ClientFrame, OutFrame, SeqMap, SubId, WireFormat } from './frames.ts';
import { anyMatches, compilePattern, withinScope } from './glob.ts';
import type { StreamPattern } from './glob.ts';
import { Replay } from './replay.ts';
import type { ReplayTarget } from './replay.ts';
import { SendQueue } from './send-queue.ts';

/** Waiting for the auth frame. */
export const CONN_AUTHENTICATING = 0;
/** The token check is running; frames that arrive meanwhile wait (at most MAX_EARLY_FRAMES). */
export const CONN_VERIFYING = 1;
/** Authenticated: subscriptions and deliveries. */
export const CONN_OPEN = 2;
/** close() was called; waiting for the close handshake (or closeGraceMs, then terminate). */
export const CONN_CLOSING = 3;
export const CONN_CLOSED = 4;

/** Frames a client may send while its token is being checked. */
export const MAX_EARLY_FRAMES = 16;
/** Longest delay setTimeout accepts, ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Streams named in one GW_ERR_NOT_SUBSCRIBED / SCOPE message about a resume. */
const MAX_NAMED_STREAMS = 8;

const kConn = Symbol('carousel.gateway.connection');
type ConnSocket = WebSocket & { [kConn]?: Connection };

interface Sub {
  readonly id: SubId;
  readonly patterns: readonly StreamPattern[];
}

export class Connection implements ReplayTarget {
  state = CONN_AUTHENTICATING;
  scope: readonly StreamPattern[] = [];
  readonly subs = new Map<string, Sub>();
  readonly replays = new Map<string, Replay>();
  readonly queue: SendQueue;
  /** Highest seq sent per key (`p:<stream>`, `a:<stream>`): later frames at or below it are duplicates. */
  readonly hwm = new Map<string, number>();
  /** Answered the last ping. */
  alive = true;
  /** Frames handed to the socket. */
  framesSent = 0;
  /** Frames dropped as duplicates. */
  duplicates = 0;
  #matches = new Map<string, boolean>();
  #early: [RawData, boolean][] = [];
  #authTimer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  #slowTimer: NodeJS.Timeout | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  #pumpTimer: NodeJS.Timeout | undefined;
  #waitingWrite = false;
  readonly #onWritten: (err?: Error) => void;

  constructor(
    private readonly ctx: GatewayContext,
    readonly ws: WebSocket,
    readonly id: number,
    readonly format: WireFormat,
    readonly addr: string,
  ) {
    const o = ctx.options;
    this.queue = new SendQueue({ softBytes: o.softLimitBytes, softMessages: o.softLimitMessages, hardBytes: o.hardLimitBytes, hardMessages: o.hardLimitMessages });
    this.#onWritten = (err) => {
      this.#waitingWrite = false;
      if (err === undefined || err === null) this.pump();
    };
    (ws as ConnSocket)[kConn] = this;
    ws.on('message', wsOnMessage);
    ws.on('pong', wsOnPong);
    ws.on('close', wsOnClose);
    ws.on('error', wsOnError);
    if (o.auth === 'none') {
      this.#open(compiledAll(), null);
    } else {
      this.#authTimer = setTimeout(() => this.#refuse(GW_ERR.AUTH_TIMEOUT, `no auth within ${o.authTimeoutMs} ms`, CLOSE.UNAUTHORIZED), o.authTimeoutMs);
    }
  }

  /** True when a subscription names `stream` (memoised until the subscriptions change). */
  wants(stream: string): boolean {
    let m = this.#matches.get(stream);
    if (m === undefined) {
      m = false;
      for (const s of this.subs.values()) if (anyMatches(s.patterns, stream)) { m = true; break; }
      if (this.#matches.size >= 65_536) this.#matches.clear();
      this.#matches.set(stream, m);
    }
    return m;
  }

  /** A live message from the bus. Never awaits. */
  deliver(f: OutFrame): void {
    if (this.state !== CONN_OPEN || !this.wants(f.stream)) return;
    if (f.kind === 'prediction') {
      const r = this.replays.get(f.stream);
      if (r !== undefined) {
        r.hold(f);
        return;
      }
    }
    this.emit(f);
  }

  /** Sends `f` unless its seq is at or below what this client already got for its stream. */
  emit(f: OutFrame): boolean {
    if (this.state !== CONN_OPEN) return false;
    const key = f.key;
    const last = this.hwm.get(key);
    if (last !== undefined && f.seq <= last) {
      this.duplicates++;
      this.ctx.metrics.messagesDropped.inc({ reason: 'duplicate' });
      return false;
    }
    this.hwm.set(key, f.seq);
    this.ctx.metrics.messagesSent.inc({ kind: f.kind });
    this.#enqueue(key, f.data(this.format), f.size(this.format));
    return true;
  }

  /** Sends an error frame. */
  notify(code: string, message: string, extra?: Record<string, unknown>): void {
    this.ctx.metrics.clientErrors.inc({ code });
    this.#control({ type: 'error', code, message, ...extra });
  }

  replayEnded(r: Replay): void {
    if (this.replays.get(r.stream) === r) this.replays.delete(r.stream);
  }

  /**
   * The bus connection was lost: live predictions published before the gateway's subscriptions are
   * back never reach it. Every prediction stream this client has received (and still subscribes
   * to) gets a replay from the last seq sent, which holds live messages from now on;
   * busRestored() starts them, so the history fills in what the outage missed. Streams this
   * connection has never received cannot be named and continue live.
   */
  busLost(): void {
    if (this.state !== CONN_OPEN || !this.ctx.historyReady) return;
    const max = this.ctx.options.maxResumeStreams;
    const limited: string[] = [];
    for (const [key, seq] of this.hwm) {
      if (!key.startsWith('p:')) continue;
      const stream = key.slice(2);
      if (this.replays.has(stream) || !this.wants(stream)) continue;
      if (this.replays.size >= max) {
        limited.push(stream);
        continue;
      }
      this.replays.set(stream, new Replay(this.ctx, this, stream, seq));
    }
    if (limited.length > 0) this.notify(GW_ERR.RESUME_GAP, `bus connection lost; over ${max} concurrent replays; ${listOf(limited)} continue live`, { streams: limited.slice(0, MAX_NAMED_STREAMS) });
  }

  /** The bus connection is back: starts the replays busLost() prepared. */
  busRestored(): void {
    for (const r of [...this.replays.values()]) if (!r.started) r.start();
  }

  /** The bus is gone for good: ends the replays busLost() prepared, sending what they hold. */
  busClosed(): void {
    for (const r of [...this.replays.values()]) if (!r.started) r.finish();
  }

  /** Bytes this client holds in the queue and the socket. */
  get queuedBytes(): number {
    return this.queue.bytes + this.ws.bufferedAmount;
  }

  /** Starts closing with `code`; the socket is destroyed if the handshake takes over closeGraceMs. */
  close(code: number, reason: string): void {
    if (this.state >= CONN_CLOSING) return;
    this.state = CONN_CLOSING;
    this.#clearTimers();
    for (const r of [...this.replays.values()]) r.cancel();
    this.queue.clear();
    this.#early = [];
    this.ws.close(code, reason);
    this.#closeTimer = setTimeout(() => this.ws.terminate(), this.ctx.options.closeGraceMs);
  }

  /** Sends what the queue holds while the socket is under its high-water mark. */
  pump(): void {
    const hw = this.ctx.options.socketHighWaterBytes;
    while (this.state === CONN_OPEN && this.queue.messages > 0 && this.ws.bufferedAmount < hw) {
      const f = this.queue.shift()!;
      this.#write(f.data, f.size);
    }
    this.#checkHard();
    // A write that crossed the mark is waiting to call back; if none is (the crossing frame was
    // smaller than estimated), look again shortly so a non-empty queue is never forgotten.
    if (this.queue.messages > 0 && !this.#waitingWrite && this.#pumpTimer === undefined && this.state === CONN_OPEN) {
      this.#pumpTimer = setTimeout(() => {
        this.#pumpTimer = undefined;
        this.pump();
      }, 10);
    }
  }

  #enqueue(key: string, data: string | Uint8Array, size: number): void {
    const ws = this.ws;
    this.ctx.metrics.sendQueueBytes.observe(this.queue.bytes + ws.bufferedAmount);
    if (this.queue.messages === 0 && ws.bufferedAmount < this.ctx.options.socketHighWaterBytes) {
      this.#write(data, size);
      return;
    }
    const q = this.queue;
    const coalesced = q.coalesced;
    const dropped = q.dropped;
    q.push(key, data, size, ws.bufferedAmount);
    if (q.dropped !== dropped) {
      const metrics = this.ctx.metrics;
      if (q.coalesced !== coalesced) metrics.messagesDropped.inc({ reason: 'coalesced' }, q.coalesced - coalesced);
      if (q.dropped - dropped > q.coalesced - coalesced) metrics.messagesDropped.inc({ reason: 'dropped' }, q.dropped - dropped - (q.coalesced - coalesced));
    }
    if (!this.#waitingWrite) this.pump();
    else this.#checkHard();
  }

  #write(data: string | Uint8Array, size: number): void {
    // Frame headers add up to 14 bytes; arm the callback for any write that may cross the mark.
    const armed = this.ws.bufferedAmount + size + 14 >= this.ctx.options.socketHighWaterBytes;
    if (armed) this.#waitingWrite = true;
    this.framesSent++;
    this.ws.send(data, armed ? this.#onWritten : undefined);
  }

  #checkHard(): void {
    if (this.queue.overHard(this.ws.bufferedAmount)) {
      this.#slowTimer ??= setTimeout(() => {
        this.#slowTimer = undefined;
        if (this.state === CONN_OPEN && this.queue.overHard(this.ws.bufferedAmount)) this.#closeSlow();
      }, this.ctx.options.slowGraceMs);
    } else if (this.#slowTimer !== undefined) {
      clearTimeout(this.#slowTimer);
      this.#slowTimer = undefined;
    }
  }

  #closeSlow(): void {
    const dropped = this.queue.dropped;
    this.ctx.metrics.slowConsumers.inc();
    this.ctx.emit({ type: 'slowConsumer', client: this.id, dropped });
    this.ctx.log.warn('slow consumer closed', { client: this.id, addr: this.addr, dropped, owedBytes: this.queue.owedBytes(this.ws.bufferedAmount) });
    // The error frame queues behind the stalled data like the close frame: a client that resumes
    // reading sees both; one that never does is destroyed after closeGraceMs.
    this.queue.clear();
    this.#control({ type: 'error', code: GW_ERR.SLOW_CONSUMER, message: 'could not keep up', dropped });
    this.close(CLOSE.SLOW_CONSUMER, 'slow consumer');
  }

  #control(body: Record<string, unknown>): void {
    if (this.state >= CONN_CLOSING) return;
    this.ws.send(encodeControl(this.format, body));
  }

  #refuse(code: string, message: string, closeCode: number): void {
    this.notify(code, message);
    this.close(closeCode, message.slice(0, 120));
  }

  #clearTimers(): void {
    clearTimeout(this.#authTimer);
    clearTimeout(this.#expiryTimer);
    clearTimeout(this.#slowTimer);
    clearTimeout(this.#pumpTimer);
    this.#slowTimer = undefined;
    this.#pumpTimer = undefined;
  }

  /** Called by the socket's close event. */
  closed(code: number): void {
    if (this.state === CONN_CLOSED) return;
    this.state = CONN_CLOSED;
    this.#clearTimers();
    clearTimeout(this.#closeTimer);
    for (const r of [...this.replays.values()]) r.cancel();
    this.queue.clear();
    this.ctx.metrics.closes.inc({ code: closeCodeLabel(code) });
    this.ctx.emit({ type: 'clientClose', client: this.id, code });
    this.ctx.removeConnection(this.id);
  }

  /** Called for every client frame. */
  received(data: RawData, isBinary: boolean): void {
    if (this.state === CONN_VERIFYING) {
      if (this.#early.length >= MAX_EARLY_FRAMES) this.notify(GW_ERR.BAD_FRAME, 'too many frames before authentication completed');
      else this.#early.push([data, isBinary]);
      return;
    }
    if (this.state !== CONN_AUTHENTICATING && this.state !== CONN_OPEN) return;
    const r = parseClientFrame(toBuffer(data), isBinary);
    if (!r.ok) {
      if (this.state === CONN_AUTHENTICATING) return this.#refuse(GW_ERR.AUTH_REQUIRED, `authenticate first (${r.message})`, CLOSE.UNAUTHORIZED);
      this.notify(r.code, r.message, r.id === undefined ? undefined : { id: r.id });
      return;
    }
    this.#handle(r.frame);
  }

  #handle(frame: ClientFrame): void {
    if (this.state === CONN_AUTHENTICATING) {
      if (frame.type !== 'auth') return this.#refuse(GW_ERR.AUTH_REQUIRED, 'the first message must be auth', CLOSE.UNAUTHORIZED);
      return this.#authenticate(frame.token);
    }
    switch (frame.type) {
      case 'auth':
        // Re-authentication is not supported: the scope of a connection is fixed by its first token.
        if (this.ctx.options.auth === 'none') this.#control(this.#authenticated(null));
        else this.notify(GW_ERR.BAD_FRAME, 'already authenticated');
        return;
      case 'subscribe':
        return this.#subscribe(frame.id, frame.patterns, frame.since);
      case 'unsubscribe':
        return this.#unsubscribe(frame.id);
      case 'resume':
        return this.#resume(frame.from, null);
      case 'ping':
        return this.#control(frame.id === undefined ? { type: 'pong' } : { type: 'pong', id: frame.id });
    }
  }

  #authenticate(token: string): void {
    const { ctx } = this;
    if (!ctx.limiter.allowed(this.addr)) {
      ctx.metrics.authFailures.inc({ code: GW_ERR.RATE_LIMITED });
      ctx.emit({ type: 'rateLimited', client: this.id, addr: this.addr });
      return this.#refuse(GW_ERR.RATE_LIMITED, 'too many failed authentication attempts; try later', CLOSE.RATE_LIMITED);
    }
    this.state = CONN_VERIFYING;
    void ctx.verifier.verify(token).then((res) => {
      if (this.state !== CONN_VERIFYING) return;
      if (!res.ok) {
        ctx.limiter.fail(this.addr);
        ctx.metrics.authFailures.inc({ code: res.code });
        ctx.emit({ type: 'authFailure', client: this.id, addr: this.addr, code: res.code });
        ctx.log.info('auth refused', { client: this.id, addr: this.addr, code: res.code, reason: res.message });
        this.state = CONN_AUTHENTICATING; // so #refuse can send its frame
        return this.#refuse(res.code, res.message, CLOSE.UNAUTHORIZED);
      }
      this.#open(res.grant.scope, res.grant.expiresAt);
    });
  }

  #open(scope: readonly StreamPattern[], expiresAt: number | null): void {
    clearTimeout(this.#authTimer);
    this.scope = scope;
    this.state = CONN_OPEN;
    if (expiresAt !== null) {
      const ms = Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - this.ctx.options.now()));
      this.#expiryTimer = setTimeout(() => this.#refuse(GW_ERR.TOKEN_EXPIRED, 'token expired', CLOSE.UNAUTHORIZED), ms);
    }
    if (this.ctx.options.auth !== 'none') this.#control(this.#authenticated(expiresAt));
    const early = this.#early;
    this.#early = [];
    for (const [data, isBinary] of early) this.received(data, isBinary);
  }

  #authenticated(expiresAt: number | null): Record<string, unknown> {
    const o = this.ctx.options;
    return {
      type: 'authenticated', streams: this.scope.map((p) => p.source), expiresAt, heartbeatMs: o.heartbeatMs,
      maxSubscriptions: o.maxSubscriptions, history: this.ctx.historyReady,
    };
  }

  #subscribe(id: SubId, sources: readonly string[], since: SeqMap | undefined): void {
    const o = this.ctx.options;
    const key = String(id);
    if (this.subs.has(key)) return this.notify(GW_ERR.SUB_ID, `subscription ${key} exists`, { id });
    if (this.subs.size >= o.maxSubscriptions) return this.notify(GW_ERR.SUB_LIMIT, `at most ${o.maxSubscriptions} subscriptions`, { id });
    if (sources.length > o.maxPatterns) return this.notify(GW_ERR.SUB_LIMIT, `at most ${o.maxPatterns} patterns per subscription`, { id });
    const patterns: StreamPattern[] = [];
    for (const s of sources) {
      const p = compilePattern(s);
      if (p === null) return this.notify(GW_ERR.PATTERN, `invalid pattern ${JSON.stringify(s.slice(0, 64))}`, { id, pattern: s.slice(0, 256) });
      if (!withinScope(this.scope, p)) return this.notify(GW_ERR.SCOPE, `pattern ${JSON.stringify(s)} is outside the token's streams`, { id, pattern: s });
      patterns.push(p);
    }
    this.subs.set(key, { id, patterns });
    this.#matches.clear();
    this.#control({ type: 'subscribed', id, patterns: sources });
    if (since !== undefined) this.#resume(since, patterns);
  }

  #unsubscribe(id: SubId): void {
    if (!this.subs.delete(String(id))) return this.notify(GW_ERR.SUB_ID, `no subscription ${String(id)}`, { id });
    this.#matches.clear();
    for (const r of [...this.replays.values()]) if (!this.wants(r.stream)) r.cancel();
    this.#control({ type: 'unsubscribed', id });
  }

  /**
   * Resumes the streams of `from` after the seqs given. From a subscribe (`only` = its patterns)
   * streams the subscription does not name are skipped silently; from a resume frame they are
   * refused with GW_ERR_NOT_SUBSCRIBED.
   */
  #resume(from: SeqMap, only: readonly StreamPattern[] | null): void {
    const o = this.ctx.options;
    const notSubscribed: string[] = [];
    const limited: string[] = [];
    let noHistory = false;
    for (const stream of Object.keys(from)) {
      if (!isStreamId(stream)) continue;
      if (only !== null ? !anyMatches(only, stream) : !this.wants(stream)) {
        if (only === null) notSubscribed.push(stream);
        continue;
      }
      const seq = from[stream]!;
      const key = `p:${stream}`;
      const last = this.hwm.get(key);
      if (last === undefined || seq > last) this.hwm.set(key, seq);
      if (!this.ctx.historyReady) {
        noHistory = true;
        continue;
      }
      if (this.replays.has(stream)) continue;
      if (this.replays.size >= o.maxResumeStreams) {
        limited.push(stream);
        continue;
      }
      const r = new Replay(this.ctx, this, stream, seq);
      this.replays.set(stream, r);
      r.start();
    }
    if (notSubscribed.length > 0) this.notify(GW_ERR.NOT_SUBSCRIBED, `no subscription names ${listOf(notSubscribed)}`, { streams: notSubscribed.slice(0, MAX_NAMED_STREAMS) });
    if (limited.length > 0) this.notify(GW_ERR.RESUME_GAP, `over ${o.maxResumeStreams} concurrent replays; ${listOf(limited)} continue live`, { streams: limited.slice(0, MAX_NAMED_STREAMS) });
    if (noHistory) this.notify(GW_ERR.NO_HISTORY, 'this gateway keeps no prediction history; delivery continues live');
  }
}

function listOf(streams: string[]): string {
  const head = streams.slice(0, MAX_NAMED_STREAMS).join(', ');
  return streams.length > MAX_NAMED_STREAMS ? `${head} and ${streams.length - MAX_NAMED_STREAMS} more` : head;
}

function compiledAll(): readonly StreamPattern[] {
  return [compilePattern('>')!];
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function wsOnMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  (this as ConnSocket)[kConn]?.received(data, isBinary);
}

function wsOnPong(this: WebSocket): void {
  const c = (this as ConnSocket)[kConn];
  if (c !== undefined) c.alive = true;
}

function wsOnClose(this: WebSocket, code: number): void {
  (this as ConnSocket)[kConn]?.closed(code);
}

function wsOnError(this: WebSocket): void {
  // ws emits 'close' after 'error'; the close path does the cleanup. Errors here are peer faults
  // (bad frames, 1009 over maxPayload), not gateway faults.
}
