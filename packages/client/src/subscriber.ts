// Subscriber: a WebSocket client of the gateway for Node and browsers. Connects, authenticates,
// (re)subscribes, and on any drop reconnects with exponential backoff and jitter, resubscribing
// with `since` = the last seq seen per stream, so the gateway replays what was missed; messages at
// or below a stream's last seq are dropped (SeqTracker). Uses globalThis.WebSocket when there is
// one, else imports 'ws' on demand (so browser bundles never see it).

import { Packr } from 'msgpackr';
import { backoffDelay } from './backoff.ts';
import { CLIENT_ERR, ClientError } from './errors.ts';
import { SeqTracker } from './seq-tracker.ts';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK } from './wire.ts';
import type { AlertMessage, AuthenticatedMessage, PredictionMessage, ServerMessage, WireFormat } from './wire.ts';

/** Not started. */
export const SUBSCRIBER_IDLE = 0;
/** Opening the socket. */
export const SUBSCRIBER_CONNECTING = 1;
/** Socket open, auth sent. */
export const SUBSCRIBER_AUTHENTICATING = 2;
/** Authenticated; subscriptions live. */
export const SUBSCRIBER_OPEN = 3;
/** Waiting out a backoff delay before the next attempt. */
export const SUBSCRIBER_RECONNECTING = 4;
/** Closed for good (close() or a refusal that retrying cannot fix). */
export const SUBSCRIBER_CLOSED = 5;
export const SUBSCRIBER_STATE_NAMES = Object.freeze(['idle', 'connecting', 'authenticating', 'open', 'reconnecting', 'closed'] as const);
export type SubscriberStateName = (typeof SUBSCRIBER_STATE_NAMES)[number];

/** Default first reconnect delay, ms. */
export const DEFAULT_BACKOFF_INITIAL_MS = 250;
/** Default largest reconnect delay, ms. */
export const DEFAULT_BACKOFF_MAX_MS = 10_000;
/** Default random fraction of each delay. */
export const DEFAULT_BACKOFF_JITTER = 0.5;
/** Default time for a connection attempt to authenticate, ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The part of the WebSocket API the subscriber uses (browser WebSocket and `ws` both have it). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketCtor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface SubscriberOptions {
  /** Gateway WebSocket URL, e.g. ws://localhost:8080/ws. */
  url: string;
  /** Token, or a function returning a fresh one per attempt (then auth refusals are retried). */
  token?: string | (() => string | Promise<string>);
  /** Wire format (default 'json'). */
  format?: WireFormat;
  /** Reconnect after drops (default true). */
  reconnect?: boolean;
  /** See DEFAULT_BACKOFF_INITIAL_MS. */
  backoffInitialMs?: number;
  /** See DEFAULT_BACKOFF_MAX_MS. */
  backoffMaxMs?: number;
  /** See DEFAULT_BACKOFF_JITTER. */
  backoffJitter?: number;
  /** See DEFAULT_CONNECT_TIMEOUT_MS. */
  connectTimeoutMs?: number;
  /** WebSocket implementation (default globalThis.WebSocket, else the `ws` package). */
  WebSocket?: WebSocketCtor;
  /** Random source for jitter (default Math.random). */
  random?: () => number;
}

export interface SubscriberEvents {
  prediction: PredictionMessage;
  alert: AlertMessage;
  /** A refusal from the server (GW_ERR_* code) or an SDK failure (CLIENT_ERR_*). */
  error: ClientError;
  state: { readonly state: SubscriberStateName; readonly previous: SubscriberStateName; readonly closeCode?: number };
  authenticated: AuthenticatedMessage;
}

type Listener<T> = (e: T) => void;

const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true, mapsAsObjects: true });

interface Sub {
  readonly id: string;
  readonly patterns: readonly string[];
  pending: { resolve: (id: string) => void; reject: (e: Error) => void } | undefined;
}

export class Subscriber {
  #state = SUBSCRIBER_IDLE;
  readonly #o: Required<Omit<SubscriberOptions, 'token' | 'WebSocket'>> & Pick<SubscriberOptions, 'token' | 'WebSocket'>;
  readonly #listeners: { [K in keyof SubscriberEvents]: Set<Listener<SubscriberEvents[K]>> } = {
    prediction: new Set(), alert: new Set(), error: new Set(), state: new Set(), authenticated: new Set(),
  };
  readonly #seqs = new SeqTracker();
  readonly #subs = new Map<string, Sub>();
  /** Ids of the subscriptions sent on the current socket: each is sent once per connection. */
  readonly #sentOnSocket = new Set<string>();
  #nextSub = 1;
  #ws: WebSocketLike | undefined;
  #attempt = 0;
  #wake: (() => void) | undefined;
  #firstOpen: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void };
  #done: Promise<void> | undefined;
  #firstOpenDone = false;
  /** Messages delivered to listeners. */
  received = 0;
  /** Successful reconnects (authentications after the first). */
  reconnects = 0;

  constructor(opts: SubscriberOptions) {
    if (typeof opts?.url !== 'string') throw new ClientError(CLIENT_ERR.OPTIONS, 'url is required');
    this.#o = {
      url: opts.url,
      token: opts.token,
      format: opts.format ?? 'json',
      reconnect: opts.reconnect ?? true,
      backoffInitialMs: opts.backoffInitialMs ?? DEFAULT_BACKOFF_INITIAL_MS,
      backoffMaxMs: opts.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
      backoffJitter: opts.backoffJitter ?? DEFAULT_BACKOFF_JITTER,
      connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      WebSocket: opts.WebSocket,
      random: opts.random ?? Math.random,
    };
    if (this.#o.format !== 'json' && this.#o.format !== 'msgpack') throw new ClientError(CLIENT_ERR.OPTIONS, "format must be 'json' or 'msgpack'");
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined);
    this.#firstOpen = { promise, resolve, reject };
  }

  get state(): SubscriberStateName {
    return SUBSCRIBER_STATE_NAMES[this.#state]!;
  }

  /** Duplicates dropped by seq. */
  get duplicates(): number {
    return this.#seqs.duplicates;
  }

  /** The last prediction seq seen for `stream`. */
  lastSeq(stream: string): number | undefined {
    return this.#seqs.last(stream);
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof SubscriberEvents>(event: K, fn: Listener<SubscriberEvents[K]>): () => void {
    this.#listeners[event].add(fn);
    return () => this.#listeners[event].delete(fn);
  }

  /** Starts connecting; resolves once authenticated the first time. */
  connect(): Promise<void> {
    if (this.#state === SUBSCRIBER_CLOSED) return Promise.reject(new ClientError(CLIENT_ERR.CLOSED, 'subscriber is closed'));
    if (this.#done === undefined) this.#done = this.#run();
    return this.#firstOpen.promise;
  }

  /** Subscribes to stream patterns; resolves with the subscription id when the gateway confirms. */
  subscribe(patterns: readonly string[]): Promise<string> {
    if (this.#state === SUBSCRIBER_CLOSED) return Promise.reject(new ClientError(CLIENT_ERR.CLOSED, 'subscriber is closed'));
    if (!Array.isArray(patterns) || patterns.length === 0) return Promise.reject(new ClientError(CLIENT_ERR.OPTIONS, 'patterns must be a non-empty list'));
    const id = `s${this.#nextSub++}`;
    return new Promise<string>((resolve, reject) => {
      const sub: Sub = { id, patterns: [...patterns], pending: { resolve, reject } };
      this.#subs.set(id, sub);
      if (this.#state === SUBSCRIBER_OPEN) this.#sendSubscribe(sub);
    });
  }

  /** Ends a subscription. */
  unsubscribe(id: string): void {
    if (!this.#subs.delete(id)) return;
    if (this.#state === SUBSCRIBER_OPEN) this.#send({ type: 'unsubscribe', id });
  }

  /** Closes for good. */
  async close(): Promise<void> {
    if (this.#state === SUBSCRIBER_CLOSED) return;
    this.#setState(SUBSCRIBER_CLOSED);
    this.#firstOpen.reject(new ClientError(CLIENT_ERR.CLOSED, 'subscriber closed'));
    for (const s of this.#subs.values()) s.pending?.reject(new ClientError(CLIENT_ERR.CLOSED, 'subscriber closed'));
    this.#ws?.close(1000, 'client closed');
    this.#wake?.();
    await this.#done;
  }

  #emit<K extends keyof SubscriberEvents>(event: K, e: SubscriberEvents[K]): void {
    for (const fn of this.#listeners[event]) {
      try {
        fn(e);
      } catch {
        // A throwing listener must not break the connection or the other listeners.
      }
    }
  }

  #setState(s: number, closeCode?: number): void {
    if (s === this.#state) return;
    const previous = SUBSCRIBER_STATE_NAMES[this.#state]!;
    this.#state = s;
    this.#emit('state', closeCode === undefined ? { state: SUBSCRIBER_STATE_NAMES[s]!, previous } : { state: SUBSCRIBER_STATE_NAMES[s]!, previous, closeCode });
  }

  async #run(): Promise<void> {
    const Ctor = this.#o.WebSocket ?? (await resolveWebSocket());
    while (this.#state !== SUBSCRIBER_CLOSED) {
      const code = await this.#attemptOnce(Ctor);
      if (this.#state === SUBSCRIBER_CLOSED) break;
      const fatal = code === 4001 && typeof this.#o.token !== 'function';
      if (!this.#o.reconnect || fatal) {
        const err = new ClientError(fatal ? CLIENT_ERR.AUTH : CLIENT_ERR.CLOSED, `connection closed with ${code}`);
        this.#firstOpen.reject(err);
        this.#setState(SUBSCRIBER_CLOSED, code);
        for (const s of this.#subs.values()) s.pending?.reject(err);
        break;
      }
      this.#setState(SUBSCRIBER_RECONNECTING, code);
      const attempt = code === 4029 ? 30 : this.#attempt++; // rate limited: wait the longest delay
      const delay = backoffDelay(attempt, { initialMs: this.#o.backoffInitialMs, maxMs: this.#o.backoffMaxMs, jitter: this.#o.backoffJitter }, this.#o.random);
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        this.#wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.#wake = undefined;
    }
  }

  /** One connection: resolves with its close code. */
  async #attemptOnce(Ctor: WebSocketCtor): Promise<number> {
    this.#setState(SUBSCRIBER_CONNECTING);
    let token = '';
    try {
      const t = this.#o.token;
      token = typeof t === 'function' ? await t() : (t ?? '');
    } catch (err) {
      this.#emit('error', new ClientError(CLIENT_ERR.AUTH, `token provider failed: ${err instanceof Error ? err.message : String(err)}`));
      return 4001;
    }
    if (this.#state === SUBSCRIBER_CLOSED) return 1000;
    return new Promise<number>((resolve) => {
      let ws: WebSocketLike;
      try {
        ws = new Ctor(this.#o.url, this.#o.format === 'msgpack' ? SUBPROTOCOL_MSGPACK : SUBPROTOCOL_JSON);
      } catch (err) {
        this.#emit('error', new ClientError(CLIENT_ERR.OPTIONS, err instanceof Error ? err.message : String(err)));
        resolve(1006);
        return;
      }
      this.#ws = ws;
      this.#sentOnSocket.clear();
      ws.binaryType = 'arraybuffer';
      const timer = setTimeout(() => {
        if (this.#state !== SUBSCRIBER_OPEN) ws.close(4000, 'connect timeout');
      }, this.#o.connectTimeoutMs);
      ws.onopen = () => {
        this.#setState(SUBSCRIBER_AUTHENTICATING);
        this.#send({ type: 'auth', token });
      };
      ws.onmessage = (ev) => this.#onMessage(ev.data);
      ws.onerror = () => undefined; // the close event follows and carries the outcome
      ws.onclose = (ev) => {
        clearTimeout(timer);
        ws.onopen = ws.onmessage = ws.onclose = null;
        if (this.#ws === ws) this.#ws = undefined;
        resolve(ev.code);
      };
    });
  }

  #send(body: Record<string, unknown>): void {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== 1) return;
    ws.send(this.#o.format === 'msgpack' ? packr.pack(body) : JSON.stringify(body));
  }

  /** Sends `sub` unless it was already sent on this socket (a subscribe() inside an 'authenticated' listener). */
  #sendSubscribe(sub: Sub): void {
    if (this.#sentOnSocket.has(sub.id)) return;
    this.#sentOnSocket.add(sub.id);
    const since = this.#seqs.positions();
    this.#send(Object.keys(since).length > 0 ? { type: 'subscribe', id: sub.id, patterns: sub.patterns, since } : { type: 'subscribe', id: sub.id, patterns: sub.patterns });
  }

  #onMessage(data: unknown): void {
    let m: ServerMessage;
    try {
      m = (typeof data === 'string' ? JSON.parse(data) : packr.unpack(toBytes(data))) as ServerMessage;
    } catch {
      this.#emit('error', new ClientError(CLIENT_ERR.DECODE, 'undecodable frame from the gateway'));
      return;
    }
    switch (m.type) {
      case 'prediction':
      case 'alert':
        if (!this.#seqs.accept(m.type, m.stream, m.seq)) return;
        this.received++;
        if (m.type === 'prediction') this.#emit('prediction', m);
        else this.#emit('alert', m);
        return;
      case 'authenticated':
        if (this.#firstOpenDone) this.reconnects++;
        this.#firstOpenDone = true;
        this.#attempt = 0;
        this.#setState(SUBSCRIBER_OPEN);
        this.#emit('authenticated', m);
        // Resubscribe what the listeners did not just subscribe themselves (#sendSubscribe skips those).
        for (const sub of this.#subs.values()) this.#sendSubscribe(sub);
        this.#firstOpen.resolve();
        return;
      case 'subscribed': {
        const sub = this.#subs.get(String(m.id));
        sub?.pending?.resolve(sub.id);
        if (sub !== undefined) sub.pending = undefined;
        return;
      }
      case 'error': {
        const { type: _t, code, message, ...detail } = m;
        const err = new ClientError(code, message, detail);
        const sub = m.id === undefined ? undefined : this.#subs.get(String(m.id));
        if (sub?.pending !== undefined && (code === 'GW_ERR_SCOPE' || code === 'GW_ERR_PATTERN' || code === 'GW_ERR_SUB_LIMIT' || code === 'GW_ERR_SUB_ID' || code === 'GW_ERR_BAD_FRAME')) {
          this.#subs.delete(sub.id); // refused: never resubscribed
          sub.pending.reject(err);
        }
        this.#emit('error', err);
        return;
      }
      default:
        return;
    }
  }

}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new Error('unexpected frame data');
}

async function resolveWebSocket(): Promise<WebSocketCtor> {
  const g = (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
  if (g !== undefined) return g;
  const mod = (await import('ws')) as unknown as { WebSocket?: WebSocketCtor; default?: WebSocketCtor };
  const ctor = mod.WebSocket ?? mod.default;
  if (ctor === undefined) throw new ClientError(CLIENT_ERR.OPTIONS, "no WebSocket: not in a browser and the 'ws' package is missing");
  return ctor;
}
