// Hand validation of decoded bodies (plain maps from msgpack or JSON) into typed messages. Tight on
// purpose: unknown keys, wrong types, non-finite numbers and over-limit sizes are refused with a
// PROTO_ERR_* code. Validators throw ProtocolError; codec.ts turns that into a Reject so nothing
// escapes a decoder. Not here: byte-level checks (msgpack-scan.ts) and seq ordering (seq-guard.ts).

import { PROTO_ERR, ProtocolError } from './errors.ts';
import type {
  Alert, CheckpointEnvelope, ConfigValue, ControlReply, ControlRequest, Forecast, InferRequest,
  MessageTypes, ModelConfig, Prediction, Reject, ReplyError, Sample, StreamInfo,
} from './messages.ts';
import { CONTROL_OPS, SUPPORTED_VERSIONS } from './messages.ts';
import type { ProtocolOptions } from './options.ts';
import { f32Vector } from './vectors.ts';

/** A stream id: one NATS token. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** An error code on the wire: PROTO_ERR_*, LSTM_ERR_*, or any other package's upper-case code. */
export const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

/** True if `s` is a valid stream id. */
export function isStreamId(s: unknown): s is string {
  return typeof s === 'string' && STREAM_ID_PATTERN.test(s);
}

export interface ValidateContext {
  readonly options: ProtocolOptions;
  /** Stream id named by the subject; a body `stream` must agree, and may then be left out. */
  readonly stream?: string;
  /** Declared feature dimension: `x` must have this length. */
  readonly dim?: number;
  /** Declared target dimension: `y` must have this length. */
  readonly targetDim?: number;
  /** True for JSON bodies: bytes are base64 strings, vectors are arrays only. */
  json: boolean;
  /** True when checking a message about to be encoded: its bytes are the caller's, not a transport buffer, so they are not copied. */
  readonly encoding?: boolean;
  /** Filled in as the envelope is read, so a failure can still name the stream and seq. */
  seenStream: string | null;
  seenSeq: number | null;
}

type Obj = Record<string, unknown>;

function fail(code: (typeof PROTO_ERR)[keyof typeof PROTO_ERR], message: string, detail?: unknown): never {
  throw new ProtocolError(code, message, detail);
}

function isMap(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function asMap(value: unknown, what: string): Obj {
  if (!isMap(value)) fail(PROTO_ERR.SCHEMA, `${what} must be a map`);
  return value;
}

function has(o: Obj, key: string): boolean {
  return Object.hasOwn(o, key) && o[key] !== undefined;
}

function onlyKeys(o: Obj, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) fail(PROTO_ERR.SCHEMA, `unknown key ${JSON.stringify(key.slice(0, 32))} in ${what}`, key);
  }
}

function version(o: Obj): number {
  if (!has(o, 'v')) fail(PROTO_ERR.VERSION, 'protocol version v is missing');
  const v = o.v;
  if (typeof v !== 'number' || !SUPPORTED_VERSIONS.includes(v)) {
    fail(PROTO_ERR.VERSION, `protocol version ${String(v).slice(0, 16)} is not supported (supported: ${SUPPORTED_VERSIONS.join(', ')})`, v);
  }
  return v;
}

function number(value: unknown, name: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number') fail(PROTO_ERR.SCHEMA, `${name} must be a number`, name);
  if (!Number.isFinite(value)) fail(PROTO_ERR.NON_FINITE, `${name} is ${value}`, name);
  if (value < min || value > max) fail(PROTO_ERR.SCHEMA, `${name} must be in [${min}, ${max}]`, name);
  return value;
}

function integer(value: unknown, name: string, min = 0): number {
  const n = number(value, name, min, Number.MAX_SAFE_INTEGER);
  if (!Number.isInteger(n)) fail(PROTO_ERR.SCHEMA, `${name} must be an integer`, name);
  return n;
}

function nullable<T>(o: Obj, key: string, read: (value: unknown, name: string) => T): T | null {
  if (!has(o, key)) fail(PROTO_ERR.SCHEMA, `${key} is missing`, key);
  return o[key] === null ? null : read(o[key], key);
}

function required<T>(o: Obj, key: string, read: (value: unknown, name: string) => T): T {
  if (!has(o, key) || o[key] === null) fail(PROTO_ERR.SCHEMA, `${key} is missing`, key);
  return read(o[key], key);
}

function string(value: unknown, name: string, ctx: ValidateContext): string {
  if (typeof value !== 'string') fail(PROTO_ERR.SCHEMA, `${name} must be a string`, name);
  if (value.length > ctx.options.maxStringLength) fail(PROTO_ERR.TOO_LARGE, `${name} is longer than ${ctx.options.maxStringLength}`, name);
  return value;
}

const unit = (value: unknown, name: string): number => number(value, name, 0, 1);
const nonNegative = (value: unknown, name: string): number => number(value, name, 0);

/** Reads `stream` from the body and/or the subject; `allowNull` for Reject and reply errors. */
function stream(o: Obj, ctx: ValidateContext, allowNull: boolean): string | null {
  if (ctx.stream !== undefined && !isStreamId(ctx.stream)) fail(PROTO_ERR.STREAM_ID, 'subject stream id is not a valid token', ctx.stream);
  let s: string | null = null;
  if (has(o, 'stream') && o.stream !== null) {
    if (!isStreamId(o.stream)) fail(PROTO_ERR.STREAM_ID, 'stream must be one token [A-Za-z0-9_-]{1,128}', o.stream);
    if (ctx.stream !== undefined && o.stream !== ctx.stream) {
      fail(PROTO_ERR.STREAM_ID, `body stream ${o.stream} does not match subject stream ${ctx.stream}`, o.stream);
    }
    s = o.stream;
  } else if (ctx.stream !== undefined) {
    s = ctx.stream;
  } else if (!allowNull) {
    fail(PROTO_ERR.STREAM_ID, 'stream is missing (neither in the body nor given by the subject)');
  }
  ctx.seenStream = s;
  return s;
}

function seq(o: Obj, ctx: ValidateContext, allowNull: boolean): number | null {
  const s = allowNull ? nullable(o, 'seq', integer) : required(o, 'seq', integer);
  ctx.seenSeq = s;
  return s;
}

/** An array of finite numbers or a little-endian float32 bin, as a new Float64Array. */
function vector(value: unknown, name: string, ctx: ValidateContext, dim?: number): Float64Array {
  const max = ctx.options.maxVectorLength;
  let out: Float64Array;
  if (Array.isArray(value)) {
    if (value.length > max) fail(PROTO_ERR.TOO_LARGE, `${name} has ${value.length} elements, over the limit of ${max}`, name);
    out = new Float64Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = number(value[i], `${name}[${i}]`);
  } else if (value instanceof Uint8Array && !ctx.json) {
    if (value.length > max * 4) fail(PROTO_ERR.TOO_LARGE, `${name} has ${value.length / 4} elements, over the limit of ${max}`, name);
    if (value.length % 4 !== 0) fail(PROTO_ERR.SCHEMA, `${name} as bin must be a multiple of 4 bytes (float32 LE)`, name);
    out = f32Vector(value);
    for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) fail(PROTO_ERR.NON_FINITE, `${name}[${i}] is ${out[i]}`, name);
  } else {
    fail(PROTO_ERR.SCHEMA, `${name} must be an array of numbers${ctx.json ? '' : ' or a float32 bin'}`, name);
  }
  if (out.length === 0) fail(PROTO_ERR.SCHEMA, `${name} must not be empty`, name);
  if (dim !== undefined && out.length !== dim) fail(PROTO_ERR.DIMENSION, `${name} must have length ${dim}, got ${out.length}`, { [name]: out.length });
  return out;
}

/** One vector, or a horizon: a non-empty array of vectors of equal length. */
function forecast(value: unknown, name: string, ctx: ValidateContext): Forecast<Float64Array> {
  if (!Array.isArray(value) || value.length === 0 || typeof value[0] === 'number') return vector(value, name, ctx);
  if (value.length > ctx.options.maxHorizon) fail(PROTO_ERR.TOO_LARGE, `${name} has ${value.length} steps, over the limit of ${ctx.options.maxHorizon}`, name);
  const steps = value.map((step: unknown, i) => vector(step, `${name}[${i}]`, ctx));
  for (const step of steps) {
    if (step.length !== steps[0].length) fail(PROTO_ERR.DIMENSION, `${name} steps differ in length`, name);
  }
  return steps;
}

function bytes(value: unknown, name: string, ctx: ValidateContext): Uint8Array {
  if (ctx.json) {
    if (typeof value !== 'string' || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      fail(PROTO_ERR.SCHEMA, `${name} must be a base64 string in JSON`, name);
    }
    return fromBase64(value);
  }
  if (!(value instanceof Uint8Array)) fail(PROTO_ERR.SCHEMA, `${name} must be bin`, name);
  // Decoding, a copy (Buffer.slice would be a view): the transport may reuse its buffer.
  return ctx.encoding === true ? value : new Uint8Array(value);
}

function code(value: unknown, name: string): string {
  if (typeof value !== 'string' || !ERROR_CODE_PATTERN.test(value)) fail(PROTO_ERR.SCHEMA, `${name} must be an upper-case error code`, name);
  return value;
}

/** A plain config tree: finite numbers, bounded strings, booleans, null, arrays, maps; bounded depth. */
function config(value: unknown, name: string, ctx: ValidateContext, depth: number): ConfigValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return number(value, name);
  if (typeof value === 'string') return string(value, name, ctx);
  if (depth >= ctx.options.maxDepth) fail(PROTO_ERR.TOO_LARGE, `${name} nests deeper than ${ctx.options.maxDepth}`, name);
  if (Array.isArray(value)) {
    if (value.length > ctx.options.maxListLength) fail(PROTO_ERR.TOO_LARGE, `${name} has more than ${ctx.options.maxListLength} entries`, name);
    return value.map((item: unknown, i) => config(item, `${name}[${i}]`, ctx, depth + 1));
  }
  if (isMap(value)) return configMap(value, name, ctx, depth);
  return fail(PROTO_ERR.SCHEMA, `${name} holds a value of an unsupported type`, name);
}

function configMap(value: unknown, name: string, ctx: ValidateContext, depth: number): ModelConfig {
  const o = asMap(value, name);
  const keys = Object.keys(o);
  if (keys.length > ctx.options.maxListLength) fail(PROTO_ERR.TOO_LARGE, `${name} has more than ${ctx.options.maxListLength} keys`, name);
  const out: Record<string, ConfigValue> = {};
  for (const key of keys) {
    if (key === '__proto__') fail(PROTO_ERR.SCHEMA, `${name} may not have a __proto__ key`, name);
    out[key] = config(o[key], `${name}.${key}`, ctx, depth + 1);
  }
  return out;
}

function timestamp(o: Obj): { ts?: number } {
  return has(o, 'ts') ? { ts: number(o.ts, 'ts', 0) } : {};
}

function sample(value: unknown, ctx: ValidateContext): MessageTypes['sample'] {
  const o = asMap(value, 'Sample');
  const v = version(o);
  const s = stream(o, ctx, false)!;
  const q = seq(o, ctx, false)!;
  onlyKeys(o, ['v', 'stream', 'seq', 'ts', 'x', 'y'], 'Sample');
  const x = required(o, 'x', (val, n) => vector(val, n, ctx, ctx.dim));
  const out: Sample<Float64Array> = { v, stream: s, seq: q, ...timestamp(o), x };
  return has(o, 'y') ? { ...out, y: vector(o.y, 'y', ctx, ctx.targetDim) } : out;
}

function prediction(value: unknown, ctx: ValidateContext): MessageTypes['prediction'] {
  const o = asMap(value, 'Prediction');
  const v = version(o);
  const s = stream(o, ctx, false)!;
  const q = seq(o, ctx, false)!;
  onlyKeys(o, ['v', 'stream', 'seq', 'ts', 'f', 'x', 'err', 'score', 'lik', 'mv', 'pt', 'lr', 'n'], 'Prediction');
  const out: Prediction<Float64Array> = {
    v, stream: s, seq: q, ...timestamp(o),
    f: required(o, 'f', (val, n) => forecast(val, n, ctx)),
    err: nullable(o, 'err', nonNegative),
    score: nullable(o, 'score', unit),
    lik: nullable(o, 'lik', unit),
    mv: required(o, 'mv', integer),
    pt: required(o, 'pt', nonNegative),
    ...(has(o, 'lr') ? { lr: required(o, 'lr', nonNegative) } : {}),
    ...(has(o, 'n') ? { n: required(o, 'n', integer) } : {}),
  };
  return has(o, 'x') ? { ...out, x: vector(o.x, 'x', ctx) } : out;
}

function alert(value: unknown, ctx: ValidateContext): Alert {
  const o = asMap(value, 'Alert');
  const v = version(o);
  const s = stream(o, ctx, false)!;
  const q = seq(o, ctx, false)!;
  onlyKeys(o, ['v', 'stream', 'seq', 'ts', 'score', 'lik', 'thr', 'mv'], 'Alert');
  return {
    v, stream: s, seq: q, ...timestamp(o),
    score: required(o, 'score', unit), lik: required(o, 'lik', unit), thr: required(o, 'thr', unit), mv: required(o, 'mv', integer),
  };
}

function reject(value: unknown, ctx: ValidateContext): Reject {
  const o = asMap(value, 'Reject');
  const v = version(o);
  const s = stream(o, ctx, true);
  const q = has(o, 'seq') ? seq(o, ctx, true) : null;
  onlyKeys(o, ['v', 'stream', 'seq', 'code', 'msg'], 'Reject');
  return { v, stream: s, seq: q, code: required(o, 'code', code), msg: required(o, 'msg', (val, n) => string(val, n, ctx)) };
}

function replyError(o: Obj, v: number, s: string | null, ctx: ValidateContext, keys = ['v', 'ok', 'stream', 'code', 'msg']): ReplyError {
  onlyKeys(o, keys, 'error reply');
  return { v, ok: false, stream: s, code: required(o, 'code', code), msg: required(o, 'msg', (val, n) => string(val, n, ctx)) };
}

function controlError(o: Obj, v: number, kind: ControlRequest['op'], s: string | null, ctx: ValidateContext): ControlReply {
  return { ...replyError(o, v, s, ctx, ['v', 'ok', 'op', 'stream', 'code', 'msg']), op: kind };
}

function ok(o: Obj): boolean {
  if (typeof o.ok !== 'boolean') fail(PROTO_ERR.SCHEMA, 'ok must be a boolean');
  return o.ok;
}

function inferRequest(value: unknown, ctx: ValidateContext): MessageTypes['inferRequest'] {
  const o = asMap(value, 'InferRequest');
  const v = version(o);
  const s = stream(o, ctx, false)!;
  onlyKeys(o, ['v', 'stream', 'x', 'h'], 'InferRequest');
  const out: InferRequest<Float64Array> = { v, stream: s };
  const x = has(o, 'x') ? { x: vector(o.x, 'x', ctx, ctx.dim) } : {};
  const h = has(o, 'h') ? { h: integer(o.h, 'h', 1) } : {};
  if (h.h !== undefined && h.h > ctx.options.maxHorizon) fail(PROTO_ERR.TOO_LARGE, `h is over the limit of ${ctx.options.maxHorizon}`, 'h');
  return { ...out, ...x, ...h };
}

function inferReply(value: unknown, ctx: ValidateContext): MessageTypes['inferReply'] {
  const o = asMap(value, 'InferReply');
  const v = version(o);
  const success = ok(o);
  const s = stream(o, ctx, !success);
  if (!success) return replyError(o, v, s, ctx);
  const q = seq(o, ctx, true);
  onlyKeys(o, ['v', 'ok', 'stream', 'seq', 'f', 'mv', 'pt'], 'InferReply');
  return {
    v, ok: true, stream: s!, seq: q,
    f: required(o, 'f', (val, n) => forecast(val, n, ctx)), mv: required(o, 'mv', integer), pt: required(o, 'pt', nonNegative),
  };
}

function op(o: Obj): ControlRequest['op'] {
  const value = o.op;
  if (typeof value !== 'string' || !(CONTROL_OPS as readonly string[]).includes(value)) {
    fail(PROTO_ERR.SCHEMA, `op must be one of ${CONTROL_OPS.join(', ')}`, value);
  }
  return value as ControlRequest['op'];
}

function controlRequest(value: unknown, ctx: ValidateContext): ControlRequest {
  const o = asMap(value, 'ControlRequest');
  const v = version(o);
  const kind = op(o);
  if (kind === 'list') {
    onlyKeys(o, ['v', 'op'], 'list request');
    return { v, op: kind };
  }
  const s = stream(o, ctx, false)!;
  if (kind === 'configure') {
    onlyKeys(o, ['v', 'op', 'stream', 'cfg'], 'configure request');
    return { v, op: kind, stream: s, cfg: required(o, 'cfg', (val, n) => configMap(val, n, ctx, 1)) };
  }
  onlyKeys(o, ['v', 'op', 'stream'], `${kind} request`);
  return { v, op: kind, stream: s };
}

function streamInfo(value: unknown, ctx: ValidateContext): StreamInfo {
  const o = asMap(value, 'info');
  onlyKeys(o, ['seq', 'js', 'n', 'mv', 'cfg', 'err', 'score'], 'info');
  return {
    seq: nullable(o, 'seq', integer), js: nullable(o, 'js', integer), n: required(o, 'n', integer), mv: required(o, 'mv', integer),
    cfg: required(o, 'cfg', (val, n) => configMap(val, n, ctx, 2)), err: nullable(o, 'err', nonNegative), score: nullable(o, 'score', unit),
  };
}

function controlReply(value: unknown, ctx: ValidateContext): ControlReply {
  const o = asMap(value, 'ControlReply');
  const v = version(o);
  const kind = op(o);
  const success = ok(o);
  if (kind === 'list') {
    if (!success) return controlError(o, v, kind, stream(o, ctx, true), ctx);
    onlyKeys(o, ['v', 'ok', 'op', 'streams', 'parts'], 'list reply');
    return { v, ok: true, op: kind, streams: required(o, 'streams', (val, n) => list(val, n, ctx, isStreamId, PROTO_ERR.STREAM_ID)), parts: required(o, 'parts', (val, n) => list(val, n, ctx, isPartition, PROTO_ERR.SCHEMA)) };
  }
  const s = stream(o, ctx, !success);
  if (!success) return controlError(o, v, kind, s, ctx);
  switch (kind) {
    case 'configure':
    case 'reset':
    case 'delete':
      onlyKeys(o, ['v', 'ok', 'op', 'stream', 'mv'], `${kind} reply`);
      return { v, ok: true, op: kind, stream: s!, mv: required(o, 'mv', integer) };
    case 'inspect':
      onlyKeys(o, ['v', 'ok', 'op', 'stream', 'info'], 'inspect reply');
      return { v, ok: true, op: kind, stream: s!, info: required(o, 'info', (val) => streamInfo(val, ctx)) };
    case 'snapshot':
      onlyKeys(o, ['v', 'ok', 'op', 'stream', 'mv', 'js', 'seq'], 'snapshot reply');
      return { v, ok: true, op: kind, stream: s!, mv: required(o, 'mv', integer), js: required(o, 'js', integer), seq: seq(o, ctx, true) };
  }
}

function isPartition(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 65536;
}

function list<T>(value: unknown, name: string, ctx: ValidateContext, is: (item: unknown) => item is T, errorCode: (typeof PROTO_ERR)['STREAM_ID' | 'SCHEMA']): T[] {
  if (!Array.isArray(value)) fail(PROTO_ERR.SCHEMA, `${name} must be an array`, name);
  if (value.length > ctx.options.maxListLength) fail(PROTO_ERR.TOO_LARGE, `${name} has more than ${ctx.options.maxListLength} entries`, name);
  for (let i = 0; i < value.length; i++) if (!is(value[i])) fail(errorCode, `${name}[${i}] is not valid`, name);
  return value as T[];
}

function checkpoint(value: unknown, ctx: ValidateContext): CheckpointEnvelope {
  const o = asMap(value, 'Checkpoint');
  const v = version(o);
  const s = stream(o, ctx, false)!;
  const q = seq(o, ctx, true);
  onlyKeys(o, ['v', 'stream', 'mv', 'js', 'seq', 'b', 'obj'], 'Checkpoint');
  const out = { v, stream: s, mv: required(o, 'mv', integer), js: required(o, 'js', integer), seq: q };
  if (has(o, 'b') === has(o, 'obj')) fail(PROTO_ERR.SCHEMA, 'a checkpoint has exactly one of b and obj');
  if (has(o, 'b')) return { ...out, b: bytes(o.b, 'b', ctx) };
  const obj = string(o.obj, 'obj', ctx);
  if (obj.length === 0) fail(PROTO_ERR.SCHEMA, 'obj must not be empty');
  return { ...out, obj };
}

/** Validators by message kind: plain decoded value -> typed message, or throw ProtocolError. */
export const VALIDATORS: { readonly [K in keyof MessageTypes]: (value: unknown, ctx: ValidateContext) => MessageTypes[K] } = {
  sample, prediction, alert, reject, inferRequest, inferReply, controlRequest, controlReply, checkpoint,
};

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Base64 for JSON bodies (checkpoint bytes). */
export function toBase64(b: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < b.length; i += 0x8000) bin += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(bin);
}
