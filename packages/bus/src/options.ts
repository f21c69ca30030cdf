// Options of both transports: documented defaults as named constants, merged, checked and frozen
// once by parseNatsOptions / parseInProcOptions. Nothing else reads raw options.

import { BUS_ERR, BusError } from './errors.ts';

/** Default limit of messages buffered per subscription for its async iterator. */
export const DEFAULT_MAX_PENDING_MSGS = 65_536;
/** Default request (and JetStream publish ack) timeout, milliseconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Default number of messages an ordered consumer fetches ahead. */
export const DEFAULT_CONSUMER_BATCH = 256;
/** Default JetStream dedupe window, milliseconds (the server's default too). */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
/** Default largest payload, bytes (nats-server's default max_payload). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** First reconnect delay, milliseconds; doubles per failed attempt. */
export const DEFAULT_RECONNECT_MIN_MS = 250;
/** Largest reconnect delay, milliseconds. */
export const DEFAULT_RECONNECT_MAX_MS = 5_000;
/** Default prefix of reply inboxes (nats.js's own): `<prefix>.<nuid>`. */
export const DEFAULT_INBOX_PREFIX = '_INBOX';

/** An inbox prefix: one or more subject tokens, no wildcards or whitespace. */
const INBOX_PREFIX_RE = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** TLS material, as file paths (read by the nats client). */
export interface TlsOptions {
  /** CA certificate(s) to verify the server with. */
  caFile?: string;
  /** Client certificate, for mutual TLS. */
  certFile?: string;
  /** Client key, for mutual TLS. */
  keyFile?: string;
}

export interface NatsTransportOptions {
  /** Server URLs (default ['nats://127.0.0.1:4222']). */
  servers: string[];
  /** Connection name shown by the server's monitoring (default 'carousel'). */
  name: string;
  /** User name, with `pass` (default none). */
  user?: string;
  /** Password, with `user` (default none). */
  pass?: string;
  /** Auth token (default none). */
  token?: string;
  /** Path of a `.creds` file (JWT + nkey seed) (default none). */
  credsFile?: string;
  /** TLS options; setting them requires TLS (default none: plain TCP unless the server asks). */
  tls?: TlsOptions;
  /**
   * Prefix of this connection's reply subjects: request-reply, JetStream API replies and acks,
   * consumer and KV-watch deliveries all arrive on `<inboxPrefix>.<nuid>...` (default
   * DEFAULT_INBOX_PREFIX). With infra/nats/secure.conf each service user may subscribe only to
   * its own `_INBOX_<user>.>`, so it must use that prefix (docs/security.md).
   */
  inboxPrefix: string;
  /** Request and ack timeout, ms (default DEFAULT_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Per-subscription buffer limit (default DEFAULT_MAX_PENDING_MSGS). */
  maxPendingMsgs: number;
  /** First reconnect delay, ms (default DEFAULT_RECONNECT_MIN_MS); reconnects never stop. */
  reconnectMinMs: number;
  /** Largest reconnect delay, ms (default DEFAULT_RECONNECT_MAX_MS). */
  reconnectMaxMs: number;
  /**
   * nats.js's async traces: every request (request-reply, JetStream publish and API call, KV
   * operation) captures the caller's stack up front, so that a timeout can show it (default
   * false). They cost the client CPU: medians of 5 interleaved rounds of
   * bench/worker/request-probe.ts (2026-11-24), a JetStream publish with ack 59.6 us with them
   * against 36.4 us without, a request-reply 138 against 123 us. The bus's errors carry their
   * code, operation and subject either way.
   */
  asyncTraces: boolean;
}

export interface InProcTransportOptions {
  /** Request and ack timeout, ms (default DEFAULT_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Per-subscription buffer limit (default DEFAULT_MAX_PENDING_MSGS). */
  maxPendingMsgs: number;
  /** Largest payload accepted, bytes (default DEFAULT_MAX_PAYLOAD_BYTES), as a server would. */
  maxPayloadBytes: number;
  /** Clock for max age and dedupe windows, ms (default Date.now); injected by tests. */
  now: () => number;
}

export function defaultNatsOptions(): NatsTransportOptions {
  return {
    servers: ['nats://127.0.0.1:4222'],
    name: 'carousel',
    inboxPrefix: DEFAULT_INBOX_PREFIX,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    maxPendingMsgs: DEFAULT_MAX_PENDING_MSGS,
    reconnectMinMs: DEFAULT_RECONNECT_MIN_MS,
    reconnectMaxMs: DEFAULT_RECONNECT_MAX_MS,
    asyncTraces: false,
  };
}

export function defaultInProcOptions(): InProcTransportOptions {
  return {
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    maxPendingMsgs: DEFAULT_MAX_PENDING_MSGS,
    maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
    now: Date.now,
  };
}

function positiveInt(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new BusError(BUS_ERR.CONFIG, `${name} must be a positive integer, got ${String(v)}`);
  }
}

/** Merges `opts` over the defaults, checks and freezes the result. */
export function parseNatsOptions(opts: Partial<NatsTransportOptions> = {}): Readonly<NatsTransportOptions> {
  const o = { ...defaultNatsOptions(), ...opts };
  if (typeof o.servers === 'string') o.servers = [o.servers];
  if (!Array.isArray(o.servers) || o.servers.length === 0) {
    throw new BusError(BUS_ERR.CONFIG, 'servers must list at least one URL');
  }
  if ((o.user === undefined) !== (o.pass === undefined)) {
    throw new BusError(BUS_ERR.CONFIG, 'user and pass must be given together');
  }
  if (typeof o.inboxPrefix !== 'string' || !INBOX_PREFIX_RE.test(o.inboxPrefix)) {
    throw new BusError(BUS_ERR.CONFIG, `inboxPrefix must be subject tokens without wildcards, got ${JSON.stringify(String(o.inboxPrefix).slice(0, 64))}`);
  }
  positiveInt('requestTimeoutMs', o.requestTimeoutMs);
  positiveInt('maxPendingMsgs', o.maxPendingMsgs);
  positiveInt('reconnectMinMs', o.reconnectMinMs);
  positiveInt('reconnectMaxMs', o.reconnectMaxMs);
  if (o.reconnectMaxMs < o.reconnectMinMs) {
    throw new BusError(BUS_ERR.CONFIG, 'reconnectMaxMs must be >= reconnectMinMs');
  }
  if (typeof o.asyncTraces !== 'boolean') throw new BusError(BUS_ERR.CONFIG, `asyncTraces must be a boolean, got ${JSON.stringify(o.asyncTraces)}`);
  o.servers = Object.freeze([...o.servers]) as string[];
  if (o.tls !== undefined) o.tls = Object.freeze({ ...o.tls });
  return Object.freeze(o);
}

/** Merges `opts` over the defaults, checks and freezes the result. */
export function parseInProcOptions(opts: Partial<InProcTransportOptions> = {}): Readonly<InProcTransportOptions> {
  const o = { ...defaultInProcOptions(), ...opts };
  positiveInt('requestTimeoutMs', o.requestTimeoutMs);
  positiveInt('maxPendingMsgs', o.maxPendingMsgs);
  positiveInt('maxPayloadBytes', o.maxPayloadBytes);
  if (typeof o.now !== 'function') throw new BusError(BUS_ERR.CONFIG, 'now must be a function');
  return Object.freeze(o);
}
