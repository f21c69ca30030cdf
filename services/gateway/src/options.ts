// Options of the gateway: documented defaults as named constants, merged, checked and frozen once
// by parseGatewayOptions. Nothing else reads raw options; main.ts maps env vars and flags onto them.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GW_ERR, GatewayError } from './errors.ts';
import { compilePattern } from './glob.ts';

/** Default listening port (HTTP and WebSocket share it). */
export const DEFAULT_PORT = 8080;
/** Default bind address. */
export const DEFAULT_HOST = '0.0.0.0';
/** Default path of the WebSocket endpoint. */
export const DEFAULT_WS_PATH = '/ws';
/** Default limit of concurrent WebSocket clients; more are closed with 1013. */
export const DEFAULT_MAX_CLIENTS = 10_000;
/** Default limit of live subscriptions per client. */
export const DEFAULT_MAX_SUBSCRIPTIONS = 64;
/** Default limit of patterns in one subscribe. */
export const DEFAULT_MAX_PATTERNS = 32;
/** Default largest client frame, bytes (ws maxPayload; larger frames close the socket with 1009). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
/** Default time to authenticate after connecting, milliseconds. */
export const DEFAULT_AUTH_TIMEOUT_MS = 5_000;
/** Default ping period, milliseconds; a peer that has not answered the previous ping is terminated. */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Default bytes the socket may hold (ws bufferedAmount) before frames wait in our own queue. */
export const DEFAULT_SOCKET_HIGH_WATER_BYTES = 64 * 1024;
/** Default soft limit, bytes (queue + bufferedAmount): past it the queue keeps only the latest per stream. */
export const DEFAULT_SOFT_LIMIT_BYTES = 1024 * 1024;
/** Default soft limit, queued messages. */
export const DEFAULT_SOFT_LIMIT_MESSAGES = 1_024;
/** Default hard limit, bytes owed (queue + bufferedAmount + what coalescing dropped since the queue last emptied). */
export const DEFAULT_HARD_LIMIT_BYTES = 8 * 1024 * 1024;
/** Default hard limit, messages owed (queued + coalesced away since the queue last emptied). */
export const DEFAULT_HARD_LIMIT_MESSAGES = 16_384;
/** Default time a client may stay over the hard limit before it is closed with 4008, milliseconds. */
export const DEFAULT_SLOW_GRACE_MS = 5_000;
/** Default time a closing socket gets to flush its close frame before it is destroyed, milliseconds. */
export const DEFAULT_CLOSE_GRACE_MS = 2_000;
/** Default failed auth attempts an address may burst before it is rate limited. */
export const DEFAULT_AUTH_BURST = 10;
/** Default refill of the auth-failure bucket, attempts per second. */
export const DEFAULT_AUTH_REFILL_PER_SEC = 0.2;
/** Default remote addresses tracked by the auth rate limiter (least recently seen evicted). */
export const DEFAULT_AUTH_TRACKED_ADDRESSES = 10_000;
/** Default JetStream stream holding the prediction history; '' disables resume. */
export const DEFAULT_HISTORY_STREAM = 'CAROUSEL_OUT';
/** Default age limit of the prediction history, milliseconds. */
export const DEFAULT_HISTORY_MAX_AGE_MS = 5 * 60_000;
/** Default message limit of the prediction history. */
export const DEFAULT_HISTORY_MAX_MESSAGES = 100_000;
/** Default storage of the prediction history. */
export const DEFAULT_HISTORY_STORAGE: 'file' | 'memory' = 'memory';
/** Default replays a client may run at once (streams resumed); further streams continue live with GW_ERR_RESUME_GAP. */
export const DEFAULT_MAX_RESUME_STREAMS = 256;
/** Default quiet time that ends a replay when live messages have not caught up with it, milliseconds. */
export const DEFAULT_REPLAY_IDLE_MS = 250;
/**
 * Default longest silence of the history while a replay holds live messages or has read nothing yet
 * (the consumer is starting), milliseconds; past it the replay ends (GW_ERR_RESUME_GAP if it held any).
 */
export const DEFAULT_REPLAY_STALL_MS = 10_000;
/** Default live messages held per stream while its replay runs; past it the replay ends early. */
export const DEFAULT_MAX_HELD_MESSAGES = 4_096;
/** Default time drain() waits for clients to close before terminating them, milliseconds. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;
/** Default subject prefix. */
export const DEFAULT_PREFIX = 'carousel';

/** Default static folder: services/dashboard/dist beside this service, when it exists. */
export function defaultStaticDir(): string | null {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboard/dist');
  return existsSync(dir) ? dir : null;
}

export interface GatewayOptions {
  /** Port for HTTP and WebSocket; 0 picks a free one (default DEFAULT_PORT). */
  port: number;
  /** Bind address (default DEFAULT_HOST). */
  host: string;
  /** WebSocket endpoint path (default DEFAULT_WS_PATH). */
  wsPath: string;
  /** Folder served over HTTP, or null for none (default defaultStaticDir()). */
  staticDir: string | null;
  /** Subject prefix (default 'carousel'). */
  prefix: string;
  /** 'token' requires an auth message with a JWT or static token; 'none' (local use only) grants every stream (default 'token'). */
  auth: 'token' | 'none';
  /** HS256 secret for JWTs, at least 32 bytes; null accepts static tokens only (default null). Never logged. */
  secret: string | null;
  /** Static tokens: token -> stream patterns it may read (default none). Never logged. */
  staticTokens: Readonly<Record<string, readonly string[]>>;
  /** See DEFAULT_MAX_CLIENTS. */
  maxClients: number;
  /** See DEFAULT_MAX_SUBSCRIPTIONS. */
  maxSubscriptions: number;
  /** See DEFAULT_MAX_PATTERNS. */
  maxPatterns: number;
  /** See DEFAULT_MAX_PAYLOAD_BYTES. */
  maxPayloadBytes: number;
  /** See DEFAULT_AUTH_TIMEOUT_MS. */
  authTimeoutMs: number;
  /** See DEFAULT_HEARTBEAT_MS. */
  heartbeatMs: number;
  /** See DEFAULT_SOCKET_HIGH_WATER_BYTES. */
  socketHighWaterBytes: number;
  /** See DEFAULT_SOFT_LIMIT_BYTES. */
  softLimitBytes: number;
  /** See DEFAULT_SOFT_LIMIT_MESSAGES. */
  softLimitMessages: number;
  /** See DEFAULT_HARD_LIMIT_BYTES. */
  hardLimitBytes: number;
  /** See DEFAULT_HARD_LIMIT_MESSAGES. */
  hardLimitMessages: number;
  /** See DEFAULT_SLOW_GRACE_MS. */
  slowGraceMs: number;
  /** See DEFAULT_CLOSE_GRACE_MS. */
  closeGraceMs: number;
  /** See DEFAULT_AUTH_BURST. */
  authBurst: number;
  /** See DEFAULT_AUTH_REFILL_PER_SEC. */
  authRefillPerSec: number;
  /** See DEFAULT_AUTH_TRACKED_ADDRESSES. */
  authTrackedAddresses: number;
  /** See DEFAULT_HISTORY_STREAM; '' disables history and resume. */
  historyStream: string;
  /** See DEFAULT_HISTORY_MAX_AGE_MS. */
  historyMaxAgeMs: number;
  /** See DEFAULT_HISTORY_MAX_MESSAGES. */
  historyMaxMessages: number;
  /** See DEFAULT_HISTORY_STORAGE. */
  historyStorage: 'file' | 'memory';
  /** See DEFAULT_MAX_RESUME_STREAMS. */
  maxResumeStreams: number;
  /** See DEFAULT_REPLAY_IDLE_MS. */
  replayIdleMs: number;
  /** See DEFAULT_REPLAY_STALL_MS. */
  replayStallMs: number;
  /** See DEFAULT_MAX_HELD_MESSAGES. */
  maxHeldMessages: number;
  /** See DEFAULT_DRAIN_TIMEOUT_MS. */
  drainTimeoutMs: number;
  /** Clock for rate limiting and token expiry, ms since the epoch (default Date.now); tests inject it. */
  now: () => number;
}

export function defaultGatewayOptions(): GatewayOptions {
  return {
    port: DEFAULT_PORT,
    host: DEFAULT_HOST,
    wsPath: DEFAULT_WS_PATH,
    staticDir: defaultStaticDir(),
    prefix: DEFAULT_PREFIX,
    auth: 'token',
    secret: null,
    staticTokens: {},
    maxClients: DEFAULT_MAX_CLIENTS,
    maxSubscriptions: DEFAULT_MAX_SUBSCRIPTIONS,
    maxPatterns: DEFAULT_MAX_PATTERNS,
    maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
    authTimeoutMs: DEFAULT_AUTH_TIMEOUT_MS,
    heartbeatMs: DEFAULT_HEARTBEAT_MS,
    socketHighWaterBytes: DEFAULT_SOCKET_HIGH_WATER_BYTES,
    softLimitBytes: DEFAULT_SOFT_LIMIT_BYTES,
    softLimitMessages: DEFAULT_SOFT_LIMIT_MESSAGES,
    hardLimitBytes: DEFAULT_HARD_LIMIT_BYTES,
    hardLimitMessages: DEFAULT_HARD_LIMIT_MESSAGES,
    slowGraceMs: DEFAULT_SLOW_GRACE_MS,
    closeGraceMs: DEFAULT_CLOSE_GRACE_MS,
    authBurst: DEFAULT_AUTH_BURST,
    authRefillPerSec: DEFAULT_AUTH_REFILL_PER_SEC,
    authTrackedAddresses: DEFAULT_AUTH_TRACKED_ADDRESSES,
    historyStream: DEFAULT_HISTORY_STREAM,
    historyMaxAgeMs: DEFAULT_HISTORY_MAX_AGE_MS,
    historyMaxMessages: DEFAULT_HISTORY_MAX_MESSAGES,
    historyStorage: DEFAULT_HISTORY_STORAGE,
    maxResumeStreams: DEFAULT_MAX_RESUME_STREAMS,
    replayIdleMs: DEFAULT_REPLAY_IDLE_MS,
    replayStallMs: DEFAULT_REPLAY_STALL_MS,
    maxHeldMessages: DEFAULT_MAX_HELD_MESSAGES,
    drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
    now: Date.now,
  };
}

function fail(message: string): never {
  throw new GatewayError(GW_ERR.OPTIONS, message);
}

function int(o: GatewayOptions, key: keyof GatewayOptions, min: number): void {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(`${key} must be an integer >= ${min}, got ${String(v)}`);
}

/** Merges `opts` over the defaults, checks and freezes the result. Throws GW_ERR_OPTIONS. */
export function parseGatewayOptions(opts: Partial<GatewayOptions> = {}): Readonly<GatewayOptions> {
  const o: GatewayOptions = { ...defaultGatewayOptions(), ...stripUndefined(opts) };
  int(o, 'port', 0);
  if (o.port > 65_535) fail(`port must be <= 65535, got ${o.port}`);
  for (const k of ['maxClients', 'maxSubscriptions', 'maxPatterns', 'maxPayloadBytes', 'authTimeoutMs', 'heartbeatMs', 'socketHighWaterBytes',
    'softLimitBytes', 'softLimitMessages', 'hardLimitBytes', 'hardLimitMessages', 'slowGraceMs', 'closeGraceMs', 'authBurst',
    'authTrackedAddresses', 'historyMaxAgeMs', 'historyMaxMessages', 'maxResumeStreams', 'replayIdleMs', 'replayStallMs', 'maxHeldMessages', 'drainTimeoutMs'] as const) {
    int(o, k, 1);
  }
  if (typeof o.authRefillPerSec !== 'number' || !(o.authRefillPerSec > 0) || !Number.isFinite(o.authRefillPerSec)) {
    fail(`authRefillPerSec must be a positive number, got ${String(o.authRefillPerSec)}`);
  }
  if (o.hardLimitBytes < o.softLimitBytes) fail('hardLimitBytes must be >= softLimitBytes');
  if (o.hardLimitMessages < o.softLimitMessages) fail('hardLimitMessages must be >= softLimitMessages');
  if (typeof o.wsPath !== 'string' || !o.wsPath.startsWith('/')) fail(`wsPath must start with '/', got ${String(o.wsPath)}`);
  if (typeof o.prefix !== 'string' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(o.prefix)) fail(`prefix must be dot-separated tokens, got ${String(o.prefix)}`);
  if (o.historyStream !== '' && !/^[A-Za-z0-9_-]+$/.test(o.historyStream)) fail(`historyStream must be a stream name or '', got ${String(o.historyStream)}`);
  if (o.historyStorage !== 'file' && o.historyStorage !== 'memory') fail(`historyStorage must be 'file' or 'memory'`);
  if (o.staticDir !== null && typeof o.staticDir !== 'string') fail('staticDir must be a folder path or null');
  if (typeof o.now !== 'function') fail('now must be a function');
  if (o.auth !== 'token' && o.auth !== 'none') fail(`auth must be 'token' or 'none', got ${String(o.auth)}`);
  if (o.secret !== null) {
    // The value itself is never echoed: only its length.
    if (typeof o.secret !== 'string' || Buffer.byteLength(o.secret) < 32) fail('secret must be a string of at least 32 bytes');
  }
  const tokens: Record<string, readonly string[]> = {};
  for (const [token, patterns] of Object.entries(o.staticTokens ?? {})) {
    if (token.length < 16) fail('static tokens must be at least 16 characters');
    if (!Array.isArray(patterns) || patterns.length === 0) fail('each static token needs a non-empty list of stream patterns');
    for (const p of patterns) if (compilePattern(p) === null) fail(`invalid stream pattern ${JSON.stringify(p)} for a static token`);
    tokens[token] = Object.freeze([...patterns]);
  }
  o.staticTokens = Object.freeze(tokens);
  if (o.auth === 'token' && o.secret === null && Object.keys(tokens).length === 0) {
    fail("auth 'token' needs a secret or static tokens (or set auth 'none' explicitly for local use)");
  }
  return Object.freeze(o);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
