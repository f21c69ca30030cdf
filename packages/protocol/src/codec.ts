// Bytes <-> messages. msgpack is the default body format (plain maps, short keys, no msgpackr
// records or extensions, so any msgpack library interoperates); JSON is accepted and produced when
// the NATS Content-Type header says application/json. Decoders never throw: every failure, from
// bad bytes to a wrong field, comes back as { ok: false, reject }. Encoders throw ProtocolError,
// because encoding a bad message is the caller's bug, and check what they write with the same
// validators the decoders use, so anything encoded here decodes. The Prediction, written once per
// sample by the worker, has a one-pass writer (prediction-writer.ts) that makes the same checks
// inline and leaves anything else to the validating path.

import { Packr } from 'msgpackr';
import { PROTO_ERR, ProtocolError } from './errors.ts';
import type { EncodableTypes, MessageKind, MessageTypes, Reject } from './messages.ts';
import { PROTOCOL_VERSION } from './messages.ts';
import { scanMsgpack } from './msgpack-scan.ts';
import { writePrediction } from './prediction-writer.ts';
import { DEFAULT_OPTIONS } from './options.ts';
import type { ProtocolOptions } from './options.ts';
import { VALIDATORS, isStreamId, toBase64 } from './validate.ts';
import type { ValidateContext } from './validate.ts';
import { f32Bytes } from './vectors.ts';
import type { VectorEncoding } from './vectors.ts';

export const CONTENT_TYPE_MSGPACK = 'application/msgpack';
export const CONTENT_TYPE_JSON = 'application/json';

/** Body formats. */
export type BodyFormat = 'msgpack' | 'json';

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reject: Reject };

export interface DecodeOptions {
  /** The message's Content-Type header (NATS headers travel apart from the body). Absent = msgpack. */
  readonly contentType?: string | null;
  /** Stream id from the subject; the body's `stream` must agree and may be omitted. */
  readonly stream?: string;
  /** Declared feature dimension for `x`. */
  readonly dim?: number;
  /** Declared target dimension for `y`. */
  readonly targetDim?: number;
  /** Limits; a frozen result of parseOptions(). Default DEFAULT_OPTIONS. */
  readonly options?: ProtocolOptions;
}

export interface EncodeOptions {
  /** Body format. Default 'msgpack'. */
  readonly format?: BodyFormat;
  /** How vectors are written in msgpack: 'array' (default) or 'f32' bin. JSON always uses arrays. */
  readonly vectors?: VectorEncoding;
  /** Limits; default DEFAULT_OPTIONS. */
  readonly options?: ProtocolOptions;
}

// useRecords: false and moreTypes: false keep the output plain msgpack; variableMapSize gives
// fixmaps for small maps; int64AsType 'number' reads 64-bit ints as numbers (seq checks the range).
const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true, useFloat32: 0, int64AsType: 'number', mapsAsObjects: true });

const MSGPACK_TYPES = new Set(['application/msgpack', 'application/x-msgpack', 'application/vnd.msgpack']);

/** Maps a Content-Type header value to a body format; throws PROTO_ERR_DECODE for others. */
export function formatOf(contentType: string | null | undefined): BodyFormat {
  if (contentType === undefined || contentType === null || contentType.trim() === '') return 'msgpack';
  const media = contentType.split(';')[0].trim().toLowerCase();
  if (media === CONTENT_TYPE_JSON) return 'json';
  if (MSGPACK_TYPES.has(media)) return 'msgpack';
  throw new ProtocolError(PROTO_ERR.DECODE, `unsupported content type ${contentType.slice(0, 64)}`, contentType);
}

/** The Content-Type header value for a format. */
export function contentTypeOf(format: BodyFormat): string {
  return format === 'json' ? CONTENT_TYPE_JSON : CONTENT_TYPE_MSGPACK;
}

/** Decodes and validates one message of `kind`. Never throws. */
export function decode<K extends MessageKind>(kind: K, bytes: Uint8Array, opts: DecodeOptions = {}): DecodeResult<MessageTypes[K]> {
  const options = opts.options ?? DEFAULT_OPTIONS;
  const ctx: ValidateContext = {
    options, stream: opts.stream, dim: opts.dim, targetDim: opts.targetDim, json: false, seenStream: null, seenSeq: null,
  };
  try {
    if (!(bytes instanceof Uint8Array)) throw new ProtocolError(PROTO_ERR.DECODE, 'body must be a Uint8Array');
    const format = formatOf(opts.contentType);
    const json = (ctx.json = format === 'json');
    const limit = kind === 'checkpoint' ? options.maxCheckpointBytes : options.maxPayloadBytes;
    if (bytes.length > limit) throw new ProtocolError(PROTO_ERR.TOO_LARGE, `body of ${bytes.length} bytes is over the limit of ${limit}`);
    const body = json ? parseJson(bytes, options) : unpack(bytes, options);
    const value = VALIDATORS[kind](body, ctx) as MessageTypes[K];
    return { ok: true, value };
  } catch (e) {
    return { ok: false, reject: rejectFor(e, ctx, opts.stream) };
  }
}

function rejectFor(e: unknown, ctx: ValidateContext, subjectStream: string | undefined): Reject {
  const err = e instanceof ProtocolError ? e : new ProtocolError(PROTO_ERR.DECODE, e instanceof Error ? e.message : String(e));
  const stream = ctx.seenStream ?? (isStreamId(subjectStream) ? subjectStream : null);
  return { v: PROTOCOL_VERSION, stream, seq: ctx.seenSeq, code: err.code, msg: err.reason.slice(0, ctx.options.maxStringLength) };
}

function unpack(bytes: Uint8Array, options: ProtocolOptions): unknown {
  scanMsgpack(bytes, { maxDepth: options.maxDepth, maxItems: Math.max(options.maxVectorLength, options.maxHorizon, options.maxListLength) });
  try {
    return packr.unpack(bytes);
  } catch (e) {
    throw new ProtocolError(PROTO_ERR.DECODE, `msgpack: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(bytes: Uint8Array, options: ProtocolOptions): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ProtocolError(PROTO_ERR.DECODE, 'JSON body is not valid UTF-8');
  }
  checkJsonDepth(text, options.maxDepth);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(PROTO_ERR.DECODE, `JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Refuses JSON nested deeper than maxDepth before JSON.parse recurses into it. */
function checkJsonDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new ProtocolError(PROTO_ERR.TOO_LARGE, `nesting deeper than ${maxDepth}`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** Encodes one message of `kind`. Throws ProtocolError if the message would not decode. */
export function encode<K extends MessageKind>(kind: K, msg: EncodableTypes[K], opts: EncodeOptions = {}): Uint8Array {
  if (kind === 'prediction' && opts.format !== 'json' && (opts.vectors ?? 'array') === 'array') {
    // The worker's per-sample message: written in one pass (prediction-writer.ts), else the validating path.
    const fast = writePrediction(msg as EncodableTypes['prediction'], opts.options ?? DEFAULT_OPTIONS);
    if (fast !== null) return fast;
  }
  return encodeChecked(kind, msg, opts);
}

/** encode() without the Prediction writer: the wire copy, the validator, msgpackr (or JSON). */
export function encodeChecked<K extends MessageKind>(kind: K, msg: EncodableTypes[K], opts: EncodeOptions = {}): Uint8Array {
  const options = opts.options ?? DEFAULT_OPTIONS;
  const json = opts.format === 'json';
  const wire = toWire(msg as unknown as Record<string, unknown>, json, json ? 'array' : (opts.vectors ?? 'array'));
  const ctx: ValidateContext = { options, json, encoding: true, seenStream: null, seenSeq: null };
  VALIDATORS[kind](wire, ctx); // throws on anything a decoder would refuse
  const out = json ? new TextEncoder().encode(JSON.stringify(wire)) : packr.pack(wire);
  const limit = kind === 'checkpoint' ? options.maxCheckpointBytes : options.maxPayloadBytes;
  if (out.length > limit) throw new ProtocolError(PROTO_ERR.TOO_LARGE, `encoded ${kind} of ${out.length} bytes is over the limit of ${limit}`);
  return out;
}

/** Keys that hold a vector or forecast in every message that has them. */
const VECTOR_KEYS = new Set(['x', 'y', 'f']);

/** Message fields are named after their wire keys, so the wire form is a copy with vectors converted. */
function toWire(msg: Record<string, unknown>, json: boolean, vectors: VectorEncoding): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(msg)) {
    const value = msg[key];
    if (value === undefined) continue;
    if (VECTOR_KEYS.has(key)) out[key] = wireForecast(value, vectors);
    else if (key === 'b' && json && value instanceof Uint8Array) out[key] = toBase64(value);
    else out[key] = value;
  }
  return out;
}

function wireForecast(value: unknown, vectors: VectorEncoding): unknown {
  if (!isArrayLike(value)) return value; // the validator reports it
  if (value.length > 0 && typeof value[0] !== 'number') return Array.from(value, (step) => wireVector(step, vectors));
  return wireVector(value, vectors);
}

function wireVector(value: unknown, vectors: VectorEncoding): unknown {
  if (!isArrayLike(value)) return value;
  if (vectors === 'f32') return f32Bytes(value as ArrayLike<number>);
  return Array.from(value as ArrayLike<unknown>);
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || ArrayBuffer.isView(value);
}

// Named decoders and encoders, one pair per message kind.

type Decoded<K extends MessageKind> = DecodeResult<MessageTypes[K]>;

export const decodeSample = (bytes: Uint8Array, opts?: DecodeOptions): Decoded<'sample'> => decode('sample', bytes, opts);
export const decodePrediction = (bytes: Uint8Array, opts?: DecodeOptions): Decoded<'prediction'> => decode('prediction', bytes, opts);
export const decodeAlert = (bytes: Uint8Array, opts?: DecodeOptions): Decoded<'alert'> => decode('alert', bytes, opts);
export const decodeReject = (bytes: Uint8Array, opts?: DecodeOptions): Decoded<'reject'> => decode('reject', bytes, opts);
export const decodeInferRequest = (bytes: Uint8Array, opts?: DecodeOptions): Decoded<'inferRequest'> => decode('inferRequest', bytes, opts);
export const decodeInferReply = (bytes: Uint8Array, opts?: DecodeOptions): Decoded<'inferReply'> => decode('inferReply', bytes, opts);
export const decodeControlRequest = (bytes: Uint8Array, opts?: DecodeOptions): Decoded<'controlRequest'> => decode('controlRequest', bytes, opts);
export const decodeControlReply = (bytes: Uint8Array, opts?: DecodeOptions): Decoded<'controlReply'> => decode('controlReply', bytes, opts);
export const decodeCheckpoint = (bytes: Uint8Array, opts?: DecodeOptions): Decoded<'checkpoint'> => decode('checkpoint', bytes, opts);

export const encodeSample = (msg: EncodableTypes['sample'], opts?: EncodeOptions): Uint8Array => encode('sample', msg, opts);
export const encodePrediction = (msg: EncodableTypes['prediction'], opts?: EncodeOptions): Uint8Array => encode('prediction', msg, opts);
export const encodeAlert = (msg: EncodableTypes['alert'], opts?: EncodeOptions): Uint8Array => encode('alert', msg, opts);
export const encodeReject = (msg: EncodableTypes['reject'], opts?: EncodeOptions): Uint8Array => encode('reject', msg, opts);
export const encodeInferRequest = (msg: EncodableTypes['inferRequest'], opts?: EncodeOptions): Uint8Array => encode('inferRequest', msg, opts);
export const encodeInferReply = (msg: EncodableTypes['inferReply'], opts?: EncodeOptions): Uint8Array => encode('inferReply', msg, opts);
export const encodeControlRequest = (msg: EncodableTypes['controlRequest'], opts?: EncodeOptions): Uint8Array => encode('controlRequest', msg, opts);
export const encodeControlReply = (msg: EncodableTypes['controlReply'], opts?: EncodeOptions): Uint8Array => encode('controlReply', msg, opts);
export const encodeCheckpoint = (msg: EncodableTypes['checkpoint'], opts?: EncodeOptions): Uint8Array => encode('checkpoint', msg, opts);
