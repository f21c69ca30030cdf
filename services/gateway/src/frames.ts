// The WebSocket wire of the gateway: server frames built once per bus message and encoded at most
// once per format (JSON text or msgpack binary, whatever the clients use), and the parser of
// client frames, which never throws: a bad frame becomes a GW_ERR_BAD_FRAME answer.

import { Packr } from 'msgpackr';
import type { Alert, Prediction } from '@carousel/protocol';
import { isStreamId } from '@carousel/protocol';
import { GW_ERR } from './errors.ts';
import type { GatewayErrorCode } from './errors.ts';

/** Subprotocol for JSON text frames (also the default when the client names none). */
export const SUBPROTOCOL_JSON = 'carousel.json.v1';
/** Subprotocol for msgpack binary frames. */
export const SUBPROTOCOL_MSGPACK = 'carousel.msgpack.v1';

export type WireFormat = 'json' | 'msgpack';

// Plain msgpack maps, no records or extensions, so any msgpack library reads them.
const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true, mapsAsObjects: true });

/** One prediction or alert ready for fan-out; encoded lazily, once per format. */
export class OutFrame {
  #json: string | undefined;
  #jsonBytes = 0;
  #msgpack: Uint8Array | undefined;

  constructor(
    readonly kind: 'prediction' | 'alert',
    readonly stream: string,
    readonly seq: number,
    /** The frame as an object (type first). */
    readonly body: Readonly<Record<string, unknown>>,
    /** hrtime (ms) when the gateway received it, for the fan-out histogram. */
    readonly receivedAt: number,
  ) {}

  /** `p:<stream>` or `a:<stream>`: the dedupe and coalescing key. */
  get key(): string {
    return (this.kind === 'prediction' ? 'p:' : 'a:') + this.stream;
  }

  data(format: WireFormat): string | Uint8Array {
    if (format === 'json') return (this.#json ??= JSON.stringify(this.body));
    return (this.#msgpack ??= packr.pack(this.body));
  }

  size(format: WireFormat): number {
    if (format === 'msgpack') return this.data('msgpack').length;
    if (this.#jsonBytes === 0) this.#jsonBytes = Buffer.byteLength(this.data('json') as string);
    return this.#jsonBytes;
  }
}

function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/** The server frame of a decoded prediction. */
export function predictionFrame(p: Prediction, receivedAt: number): OutFrame {
  const body: Record<string, unknown> = { type: 'prediction', stream: p.stream, seq: p.seq };
  if (p.ts !== undefined) body['ts'] = p.ts;
  body['f'] = plain(p.f);
  if (p.x !== undefined) body['x'] = plain(p.x);
  body['err'] = p.err;
  body['score'] = p.score;
  body['lik'] = p.lik;
  body['mv'] = p.mv;
  body['pt'] = p.pt;
  if (p.lr !== undefined) body['lr'] = p.lr;
  if (p.n !== undefined) body['n'] = p.n;
  return new OutFrame('prediction', p.stream, p.seq, body, receivedAt);
}

/** The server frame of a decoded alert. */
export function alertFrame(a: Alert, receivedAt: number): OutFrame {
  const body: Record<string, unknown> = { type: 'alert', stream: a.stream, seq: a.seq };
  if (a.ts !== undefined) body['ts'] = a.ts;
  body['score'] = a.score;
  body['lik'] = a.lik;
  body['thr'] = a.thr;
  body['mv'] = a.mv;
  return new OutFrame('alert', a.stream, a.seq, body, receivedAt);
}

/** Encodes a control frame (authenticated, subscribed, error, ...) in `format`. */
export function encodeControl(format: WireFormat, body: Record<string, unknown>): string | Uint8Array {
  return format === 'json' ? JSON.stringify(body) : packr.pack(body);
}

/** A subscription id: a string of 1-64 characters or a safe integer. */
export type SubId = string | number;

/** Resume positions: stream id -> last seq the client has seen. */
export type SeqMap = Readonly<Record<string, number>>;

export type ClientFrame =
  | { readonly type: 'auth'; readonly token: string }
  | { readonly type: 'subscribe'; readonly id: SubId; readonly patterns: readonly string[]; readonly since: SeqMap | undefined }
  | { readonly type: 'unsubscribe'; readonly id: SubId }
  | { readonly type: 'resume'; readonly from: SeqMap }
  | { readonly type: 'ping'; readonly id: SubId | undefined };

export type ParseResult = { readonly ok: true; readonly frame: ClientFrame } | { readonly ok: false; readonly code: GatewayErrorCode; readonly message: string; readonly id?: SubId };

/** Longest seq map accepted in `since` / `from`, entries. */
export const MAX_SEQ_MAP_ENTRIES = 10_000;

function bad(message: string, id?: SubId): ParseResult {
  return id === undefined ? { ok: false, code: GW_ERR.BAD_FRAME, message } : { ok: false, code: GW_ERR.BAD_FRAME, message, id };
}

function isId(v: unknown): v is SubId {
  return (typeof v === 'string' && v.length >= 1 && v.length <= 64) || (typeof v === 'number' && Number.isSafeInteger(v));
}

function seqMap(v: unknown): SeqMap | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an object of stream -> seq';
  const keys = Object.keys(v);
  if (keys.length > MAX_SEQ_MAP_ENTRIES) return `holds more than ${MAX_SEQ_MAP_ENTRIES} streams`;
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const k of keys) {
    const seq = (v as Record<string, unknown>)[k];
    if (!isStreamId(k)) return `key ${JSON.stringify(String(k).slice(0, 140))} is not a stream id`;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return `seq of ${k} must be an integer >= 0`;
    out[k] = seq;
  }
  return out;
}

/** Parses one client frame: JSON text, or msgpack binary. Never throws. */
export function parseClientFrame(data: Buffer, isBinary: boolean): ParseResult {
  let v: unknown;
  try {
    v = isBinary ? packr.unpack(data) : JSON.parse(data.toString('utf8'));
  } catch {
    return bad(isBinary ? 'frame is not msgpack' : 'frame is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('frame must be an object');
  const m = v as Record<string, unknown>;
  const id = isId(m['id']) ? m['id'] : undefined;
  switch (m['type']) {
    case 'auth':
      if (typeof m['token'] !== 'string') return bad('auth needs a token string');
      return { ok: true, frame: { type: 'auth', token: m['token'] } };
    case 'subscribe': {
      if (id === undefined) return bad('subscribe needs an id: a string of 1-64 characters or an integer');
      const patterns = m['patterns'];
      if (!Array.isArray(patterns) || patterns.length === 0 || !patterns.every((p) => typeof p === 'string')) return bad('subscribe needs a non-empty list of pattern strings', id);
      let since: SeqMap | undefined;
      if (m['since'] !== undefined) {
        const s = seqMap(m['since']);
        if (typeof s === 'string') return bad(`since ${s}`, id);
        since = s;
      }
      return { ok: true, frame: { type: 'subscribe', id, patterns: patterns as string[], since } };
    }
    case 'unsubscribe':
      if (id === undefined) return bad('unsubscribe needs the id of a subscription');
      return { ok: true, frame: { type: 'unsubscribe', id } };
    case 'resume': {
      const s = seqMap(m['from']);
      if (typeof s === 'string') return bad(`resume from ${s}`);
      return { ok: true, frame: { type: 'resume', from: s } };
    }
    case 'ping':
      return { ok: true, frame: { type: 'ping', id } };
    default:
      // Never String() a client value: {"type":{"toString":1}} would throw out of the handler.
      return bad(`unknown frame type ${typeof m['type'] === 'string' ? JSON.stringify(m['type'].slice(0, 32)) : typeof m['type']}`);
  }
}
