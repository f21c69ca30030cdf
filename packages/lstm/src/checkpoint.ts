// Versioned checkpoints of a model to bytes and back: config, flat params (and optionally their
// group layout), optimizer state and any number of named per-stream states. Not a model registry
// and not a file format for other tools: for interchange see safetensors.ts and pytorch.ts.
//
// Wire form: one MessagePack map (msgpackr, records off, so any MessagePack reader can read it):
//   { format: 'carousel-lstm-checkpoint', version: 1, config: <JSON value>,
//     params: <bin>, groups: [{ name, offset, shape }] | null,
//     optimizer: { kind, step, buffers: [<bin>...] } | null,
//     streams: { <name>: <record> },
//     window?: { grad: <bin>, events, poisoned } }   (absent: no accumulation window open)
// Every Float64Array is stored as a MessagePack bin of its IEEE-754 little-endian bytes (8 per
// value), so values round-trip bit-exactly (-0, subnormals, ±Inf). Conversely every bin read back
// is a Float64Array: other binary values are not part of the vocabulary. Scalar numbers are stored
// as MessagePack numbers and round-trip by value (a scalar -0 comes back as 0; keep sign-sensitive
// values in a Float64Array).
//
// Every failure to write or read (bad version, truncated bytes, wrong shapes, values outside the
// vocabulary) is an LstmError LSTM_ERR_CHECKPOINT.

import { Packr } from 'msgpackr';
import { LSTM_ERR, LstmError } from './errors.ts';
import type { ParamGroup } from './learner.ts';
import { OPTIMIZER_KINDS, type OptimizerKind, type OptimizerState } from './optimizers.ts';
import type { TrainerWindow } from './trainer.ts';

/** Value of the `format` field. */
export const CHECKPOINT_FORMAT = 'carousel-lstm-checkpoint';
/** The version this code writes and the only one it reads. */
export const CHECKPOINT_VERSION = 1;
/** Nesting limit for config and stream records. */
export const CHECKPOINT_MAX_DEPTH = 64;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** What a per-stream state record may hold. */
export type StateValue = null | boolean | number | string | Float64Array | StateValue[] | { [key: string]: StateValue };
export type StateRecord = { [name: string]: StateValue };

export interface Checkpoint {
  /** Model configuration, any JSON value (finite numbers only). */
  config: JsonValue;
  /** The flat parameter buffer. */
  params: Float64Array;
  /** Layout of params; when present, checked to tile params exactly. */
  groups?: readonly ParamGroup[] | null;
  /** Optimizer state; every buffer must have params.length values. */
  optimizer?: OptimizerState | null;
  /** Named per-stream states. */
  streams?: Record<string, StateRecord>;
  /** The trainer's open accumulation window (Trainer.window()); null or absent when none is open. */
  window?: TrainerWindow | null;
}

/** What the reader expects of the checkpoint it reads; each mismatch is LSTM_ERR_CHECKPOINT. */
export interface CheckpointExpect {
  /** Number of parameters. */
  params?: number;
  /** Exact layout (names, offsets, shapes). The checkpoint must carry groups. */
  groups?: readonly ParamGroup[];
  /** Optimizer kind, if the checkpoint carries optimizer state. */
  optimizerKind?: OptimizerKind;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

function fail(msg: string, detail?: unknown): never {
  throw new LstmError(LSTM_ERR.CHECKPOINT, msg, detail);
}

/** True on a little-endian host, where a Float64Array's own bytes are the checkpoint's bytes. */
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Float64Array -> its little-endian bytes (a copy: one memcpy on a little-endian host). */
export function float64ToBytes(a: Float64Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  const out = new Uint8Array(a.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat64(i * 8, a[i], true);
  return out;
}

/**
 * The little-endian bytes of `a` for encodeCheckpoint's document, which packr.pack copies into its
 * output before encodeCheckpoint returns: on a little-endian host a view of `a` itself, so that a
 * checkpoint does not copy every array once more before packing it (float64ToBytes's copy elsewhere).
 */
function float64Bytes(a: Float64Array): Uint8Array {
  return LITTLE_ENDIAN ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : float64ToBytes(a);
}

/** Little-endian bytes -> Float64Array; LSTM_ERR_CHECKPOINT unless the length is a multiple of 8. */
export function bytesToFloat64(b: Uint8Array, what = 'float64 array'): Float64Array {
  if (b.length % 8 !== 0) fail(`${what}: ${b.length} bytes is not a whole number of float64 values`);
  // A copy either way: the bytes may be a view into a buffer the caller reuses, at any alignment.
  if (LITTLE_ENDIAN) return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const out = new Float64Array(b.length / 8);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat64(i * 8, true);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function checkKey(key: string, path: string): void {
  if (key === '__proto__') fail(`${path}: key __proto__ is not allowed`);
}

function encodeJson(v: unknown, path: string, depth: number): JsonValue {
  if (depth > CHECKPOINT_MAX_DEPTH) fail(`${path}: nested deeper than ${CHECKPOINT_MAX_DEPTH}`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(`${path} is ${v}, not JSON`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => encodeJson(x, `${path}[${i}]`, depth + 1));
  if (isPlainObject(v)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) {
      checkKey(k, path);
      out[k] = encodeJson(x, `${path}.${k}`, depth + 1);
    }
    return out;
  }
  return fail(`${path}: ${describe(v)} is not a JSON value`);
}

function encodeState(v: unknown, path: string, depth: number): unknown {
  if (depth > CHECKPOINT_MAX_DEPTH) fail(`${path}: nested deeper than ${CHECKPOINT_MAX_DEPTH}`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
  if (v instanceof Float64Array) return float64Bytes(v);
  if (Array.isArray(v)) return v.map((x, i) => encodeState(x, `${path}[${i}]`, depth + 1));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      checkKey(k, path);
      out[k] = encodeState(x, `${path}.${k}`, depth + 1);
    }
    return out;
  }
  return fail(`${path}: ${describe(v)} is not a checkpoint value (Float64Array, number, string, boolean, null, array, plain object)`);
}

/** Decoded MessagePack -> a state value (json: no binary, finite numbers only, as in config). */
function decodeState(v: unknown, path: string, depth: number, json = false): StateValue {
  if (depth > CHECKPOINT_MAX_DEPTH) fail(`${path}: nested deeper than ${CHECKPOINT_MAX_DEPTH}`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (json && !Number.isFinite(v)) fail(`${path} is ${v}, not JSON`);
    return v;
  }
  if (v instanceof Uint8Array) {
    if (json) fail(`${path}: binary data in config`);
    return bytesToFloat64(v, path);
  }
  if (Array.isArray(v)) return v.map((x, i) => decodeState(x, `${path}[${i}]`, depth + 1, json));
  if (isPlainObject(v)) {
    const out: { [key: string]: StateValue } = {};
    for (const [k, x] of Object.entries(v)) {
      checkKey(k, path);
      out[k] = decodeState(x, `${path}.${k}`, depth + 1, json);
    }
    return out;
  }
  return fail(`${path}: ${describe(v)} is not a checkpoint value`);
}

function describe(v: unknown): string {
  if (typeof v === 'object' && v !== null) return v.constructor?.name ?? 'object';
  return typeof v;
}

function checkGroups(groups: unknown, nParams: number): ParamGroup[] {
  if (!Array.isArray(groups)) fail('groups must be an array');
  let next = 0;
  const out = groups.map((g: unknown, k): ParamGroup => {
    if (!isPlainObject(g) || typeof g.name !== 'string' || !Array.isArray(g.shape)) fail(`groups[${k}] must be { name, offset, shape }`);
    const shape = g.shape as unknown[];
    if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) fail(`group ${g.name}: bad shape ${JSON.stringify(shape)}`);
    if (g.offset !== next) fail(`group ${g.name}: offset ${String(g.offset)}, expected ${next} (groups must tile params in order)`);
    next += (shape as number[]).reduce((a, b) => a * b, 1);
    return { name: g.name, offset: g.offset as number, shape: [...(shape as number[])] };
  });
  if (next !== nParams) fail(`groups cover ${next} values, params has ${nParams}`);
  return out;
}

/** An accumulation window's fields checked (grad of n values, events a count, poisoned a boolean); LSTM_ERR_CHECKPOINT otherwise. */
function checkWindow(grad: Float64Array, events: unknown, poisoned: unknown, n: number): TrainerWindow {
  if (grad.length !== n) fail(`window grad has ${grad.length} values, params has ${n}`);
  if (!Number.isInteger(events) || (events as number) < 0) fail(`window events ${String(events)} is not a non-negative integer`);
  if (typeof poisoned !== 'boolean') fail('window poisoned is not a boolean');
  return { grad, events: events as number, poisoned };
}

/** Serialises a checkpoint. LSTM_ERR_CHECKPOINT if a value is outside the vocabulary or shapes disagree. */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  if (!(c.params instanceof Float64Array)) fail('params must be a Float64Array');
  const n = c.params.length;
  const groups = c.groups == null ? null : checkGroups(c.groups, n);
  let optimizer: unknown = null;
  if (c.optimizer != null) {
    const o = c.optimizer;
    if (!OPTIMIZER_KINDS.includes(o.kind)) fail(`optimizer kind '${String(o.kind)}' is unknown`);
    if (!Number.isInteger(o.step) || o.step < 0) fail(`optimizer step must be a non-negative integer, got ${String(o.step)}`);
    const buffers = o.buffers.map((b, k) => {
      if (!(b instanceof Float64Array) || b.length !== n) fail(`optimizer buffer ${k} must be a Float64Array of length ${n}`);
      return float64Bytes(b);
    });
    optimizer = { kind: o.kind, step: o.step, buffers };
  }
  const streams: Record<string, unknown> = {};
  for (const [name, rec] of Object.entries(c.streams ?? {})) {
    checkKey(name, 'streams');
    if (!isPlainObject(rec)) fail(`stream ${name}: state must be a plain object`);
    streams[name] = encodeState(rec, `streams.${name}`, 0);
  }
  const doc: Record<string, unknown> = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    config: encodeJson(c.config, 'config', 0),
    params: float64Bytes(c.params),
    groups,
    optimizer,
    streams,
  };
  if (c.window != null) {
    const w = c.window;
    if (!(w.grad instanceof Float64Array)) fail('window grad must be a Float64Array');
    checkWindow(w.grad, w.events, w.poisoned, n);
    doc.window = { grad: float64Bytes(w.grad), events: w.events, poisoned: w.poisoned };
  }
  return packr.pack(doc);
}

/** Reads a checkpoint written by encodeCheckpoint; checks version, structure and `expect`. */
export function decodeCheckpoint(bytes: Uint8Array, expect: CheckpointExpect = {}): Checkpoint {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) fail('no checkpoint bytes');
  let doc: unknown;
  try {
    doc = packr.unpack(bytes);
  } catch (e) {
    fail(`unreadable bytes (${(e as Error).message})`);
  }
  if (!isPlainObject(doc) || doc.format !== CHECKPOINT_FORMAT) fail(`not a Carousel LSTM checkpoint (format ${isPlainObject(doc) ? String(doc.format) : describe(doc)})`);
  if (doc.version !== CHECKPOINT_VERSION) fail(`checkpoint version ${String(doc.version)}, this reader supports ${CHECKPOINT_VERSION}`, { version: doc.version });
  if (!(doc.params instanceof Uint8Array)) fail('params missing or not binary');
  const params = bytesToFloat64(doc.params, 'params');
  const n = params.length;
  if (expect.params !== undefined && expect.params !== n) fail(`params has ${n} values, expected ${expect.params}`);
  const groups = doc.groups == null ? null : checkGroups(doc.groups, n);
  if (expect.groups) {
    if (!groups) fail('checkpoint has no parameter layout to check');
    if (groups.length !== expect.groups.length) fail(`checkpoint has ${groups.length} parameter groups, expected ${expect.groups.length}`);
    expect.groups.forEach((e, k) => {
      const g = groups[k];
      if (g.name !== e.name || g.offset !== e.offset || g.shape.join('x') !== e.shape.join('x')) {
        fail(`group ${k}: checkpoint has ${g.name} [${g.shape.join('x')}] at ${g.offset}, expected ${e.name} [${e.shape.join('x')}] at ${e.offset}`, { group: e.name });
      }
    });
  }
  let optimizer: OptimizerState | null = null;
  if (doc.optimizer != null) {
    const o = doc.optimizer;
    if (!isPlainObject(o) || !Array.isArray(o.buffers)) fail('optimizer must be { kind, step, buffers }');
    if (!OPTIMIZER_KINDS.includes(o.kind as OptimizerKind)) fail(`optimizer kind '${String(o.kind)}' is unknown`);
    if (expect.optimizerKind !== undefined && o.kind !== expect.optimizerKind) fail(`optimizer kind '${String(o.kind)}', expected '${expect.optimizerKind}'`);
    if (!Number.isInteger(o.step) || (o.step as number) < 0) fail(`optimizer step ${String(o.step)} is not a non-negative integer`);
    const buffers = (o.buffers as unknown[]).map((b, k) => {
      if (!(b instanceof Uint8Array)) fail(`optimizer buffer ${k} is not binary`);
      const a = bytesToFloat64(b, `optimizer buffer ${k}`);
      if (a.length !== n) fail(`optimizer buffer ${k} has ${a.length} values, params has ${n}`);
      return a;
    });
    optimizer = { kind: o.kind as OptimizerKind, step: o.step as number, buffers };
  }
  const streams: Record<string, StateRecord> = {};
  if (doc.streams != null) {
    if (!isPlainObject(doc.streams)) fail('streams must be a map');
    for (const [name, rec] of Object.entries(doc.streams)) {
      checkKey(name, 'streams');
      if (!isPlainObject(rec)) fail(`stream ${name}: state must be a map`);
      streams[name] = decodeState(rec, `streams.${name}`, 0) as StateRecord;
    }
  }
  let window: TrainerWindow | null = null;
  if (doc.window != null) {
    const w = doc.window;
    if (!isPlainObject(w) || !(w.grad instanceof Uint8Array)) fail('window must be { grad, events, poisoned }');
    const grad = bytesToFloat64(w.grad, 'window grad');
    window = checkWindow(grad, w.events, w.poisoned, n);
  }
  return { config: decodeState(doc.config, 'config', 0, true) as JsonValue, params, groups, optimizer, streams, window };
}
