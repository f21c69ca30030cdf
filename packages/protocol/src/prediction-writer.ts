// The Prediction's msgpack writer: the worker publishes one Prediction per sample, and the generic
// encoder (a wire copy of the message, the validator over it, then msgpackr) was ~5% of a busy
// worker's CPU. This writes the same bytes in one pass over the message, checking each field on the
// way. It only takes the plain case (msgpack, array vectors) and answers null for anything it does
// not find exactly right; encode() then takes the generic path, which encodes it or throws the
// validator's error. So it can never accept what the validator refuses, and its bytes are
// msgpackr's (codec.test.ts checks both on random messages).

import { SUPPORTED_VERSIONS } from './messages.ts';
import type { Prediction } from './messages.ts';
import type { ProtocolOptions } from './options.ts';
import { STREAM_ID_PATTERN } from './validate.ts';

/** A message that may still carry keys its type does not know (JavaScript callers). */
type Loose = Readonly<Record<string, unknown>>;

let buf = new Uint8Array(4096);
let view = new DataView(buf.buffer);
let pos = 0;

function room(n: number): void {
  if (pos + n <= buf.length) return;
  const next = new Uint8Array(Math.max(buf.length * 2, pos + n));
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

/** A type byte and a big-endian unsigned 16- or 32-bit value (ints, array lengths). */
function tagU16(tag: number, value: number): void {
  buf[pos++] = tag;
  view.setUint16(pos, value);
  pos += 2;
}

function tagU32(tag: number, value: number): void {
  buf[pos++] = tag;
  view.setUint32(pos, value);
  pos += 4;
}

/** msgpackr's choice for a number (useFloat32 off, records off): the smallest int that holds it, else float64. */
function num(value: number): void {
  room(9);
  if (value >>> 0 === value) {
    if (value < 0x80) buf[pos++] = value;
    else if (value < 0x100) {
      buf[pos++] = 0xcc;
      buf[pos++] = value;
    } else if (value < 0x10000) tagU16(0xcd, value);
    else tagU32(0xce, value);
  } else if (value >> 0 === value) {
    if (value >= -0x20) buf[pos++] = 0x100 + value;
    else if (value >= -0x80) {
      buf[pos++] = 0xd0;
      buf[pos++] = value + 0x100;
    } else if (value >= -0x8000) tagU16(0xd1, value & 0xffff);
    else tagU32(0xd2, value >>> 0);
  } else {
    buf[pos++] = 0xcb;
    view.setFloat64(pos, value);
    pos += 8;
  }
}

/** An ASCII string (stream ids and keys are): fixstr or str8. */
function ascii(s: string): void {
  room(s.length + 2);
  if (s.length < 0x20) buf[pos++] = 0xa0 | s.length;
  else {
    buf[pos++] = 0xd9;
    buf[pos++] = s.length;
  }
  for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
}

function arrayHeader(n: number): void {
  room(5);
  if (n < 0x10) buf[pos++] = 0x90 | n;
  else if (n < 0x10000) tagU16(0xdc, n);
  else tagU32(0xdd, n);
}

const isVec = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || v instanceof Float64Array || v instanceof Float32Array;

/** A non-empty vector of finite numbers within the length limit, written; false if it is not one. */
function vector(v: unknown, max: number): boolean {
  if (!isVec(v) || v.length === 0 || v.length > max) return false;
  arrayHeader(v.length);
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (typeof e !== 'number' || !Number.isFinite(e)) return false;
    num(e);
  }
  return true;
}

/** One vector or a horizon of equal-length vectors, as the validator's forecast(). */
function forecast(f: unknown, options: ProtocolOptions): boolean {
  if (!isVec(f) || f.length === 0) return false;
  if (typeof f[0] === 'number') return vector(f, options.maxVectorLength);
  if (!Array.isArray(f) || f.length > options.maxHorizon) return false;
  arrayHeader(f.length);
  const len = (f[0] as ArrayLike<unknown> | undefined)?.length;
  for (const step of f) {
    if (!isVec(step) || step.length !== len || !vector(step, options.maxVectorLength)) return false;
  }
  return true;
}

const finiteIn = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const count = (v: unknown): v is number => finiteIn(v, 0, Number.MAX_SAFE_INTEGER) && Number.isInteger(v);

/** One field: its key, then its value if it is valid as the validator sees it. */
function field(key: string, value: unknown, options: ProtocolOptions): boolean {
  switch (key) {
    case 'v':
      if (typeof value !== 'number' || !SUPPORTED_VERSIONS.includes(value)) return false;
      break;
    case 'stream':
      if (typeof value !== 'string' || !STREAM_ID_PATTERN.test(value)) return false;
      ascii(key);
      ascii(value);
      return true;
    case 'seq': case 'mv': case 'n':
      if (!count(value)) return false;
      break;
    case 'ts': case 'pt': case 'lr':
      if (!finiteIn(value, 0, Infinity)) return false;
      break;
    case 'err':
      if (value !== null && !finiteIn(value, 0, Infinity)) return false;
      break;
    case 'score': case 'lik':
      if (value !== null && !finiteIn(value, 0, 1)) return false;
      break;
    case 'f':
      ascii(key);
      return forecast(value, options);
    case 'x':
      ascii(key);
      return vector(value, options.maxVectorLength);
    default:
      return false; // a key the validator refuses
  }
  ascii(key);
  if (value === null) {
    room(1);
    buf[pos++] = 0xc0;
  } else num(value as number);
  return true;
}

/** Keys the validator requires (a nullable one must be present, as null). */
const REQUIRED = ['v', 'stream', 'seq', 'f', 'err', 'score', 'lik', 'mv', 'pt'] as const;

/**
 * The msgpack bytes of `msg` with array vectors, exactly as encode('prediction', msg) writes them,
 * or null when anything about it is not plainly valid (the caller then takes the generic path).
 */
export function writePrediction(msg: Prediction<ArrayLike<number>>, options: ProtocolOptions): Uint8Array | null {
  const o = msg as unknown as Loose;
  if (typeof o !== 'object' || o === null) return null;
  for (const key of REQUIRED) if (o[key] === undefined) return null;
  pos = 1; // the fixmap header goes in front once the entries are counted (13 keys at most)
  let entries = 0;
  for (const key in o) {
    if (!Object.hasOwn(o, key)) return null;
    const value = o[key];
    if (value === undefined) continue; // dropped, as toWire does
    if (!field(key, value, options)) return null;
    entries++;
  }
  if (entries > 15 || pos > options.maxPayloadBytes) return null;
  buf[0] = 0x80 | entries;
  return buf.slice(0, pos);
}
