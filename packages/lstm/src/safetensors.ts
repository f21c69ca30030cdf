// Reader and writer for the safetensors file format, as plain bytes (no file system access here):
//   8 bytes   N, little-endian u64: length of the header
//   N bytes   UTF-8 JSON: { <name>: { dtype, shape: [...], data_offsets: [begin, end] }, ...,
//             "__metadata__"?: { <string>: <string> } }   (may be padded with trailing spaces)
//   rest      the tensor bytes, little-endian, row-major; offsets are relative to the start of this
//             section, and the tensors tile it exactly (no holes, no overlap), as the format requires.
// Tensors are read into Float64Array (F64 exactly; F32, F16 and BF16 widened exactly). Written as
// F64 (exact) or F32 (rounded to nearest). Integer, bool and 8-bit float dtypes are recognised but
// not read (LSTM_ERR_UNSUPPORTED): a recurrent net's state dict has none.
// Every malformed header or byte layout is LSTM_ERR_CHECKPOINT naming what is wrong.

import { LSTM_ERR, LstmError } from './errors.ts';

/** A dense row-major tensor in float64. */
export interface Tensor {
  /** Shape; [] for a scalar. */
  shape: number[];
  /** Values, row-major; length = product of shape. */
  data: Float64Array;
}

/** Tensors by name, in a stable order (insertion order is kept by writers). */
export type TensorMap = Record<string, Tensor>;

/** dtypes this reader decodes. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16';
/** dtypes this writer encodes. */
export type SafetensorsWriteDtype = 'F64' | 'F32';

/** Bytes per element of every dtype the format defines (so offsets can be checked for all). */
const DTYPE_SIZE: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};
const READABLE: readonly string[] = ['F64', 'F32', 'F16', 'BF16'];

/** Largest header this reader accepts, in bytes (the reference implementation's limit). */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

export interface SafetensorsFile {
  tensors: TensorMap;
  /** The stored dtype of each tensor. */
  dtypes: Record<string, SafetensorsDtype>;
  /** The __metadata__ map, or null if absent. */
  metadata: Record<string, string> | null;
}

export interface SafetensorsWriteOptions {
  /** Element type of every tensor. Default 'F64'. */
  dtype?: SafetensorsWriteDtype;
  /** String-to-string metadata stored as __metadata__. */
  metadata?: Record<string, string>;
}

function bad(msg: string, detail?: unknown): never {
  throw new LstmError(LSTM_ERR.CHECKPOINT, `safetensors: ${msg}`, detail);
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** IEEE-754 binary16 bit pattern -> number (exact). */
export function f16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24; // zero and subnormals
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

const bf16View = new DataView(new ArrayBuffer(4));
/** bfloat16 bit pattern (the upper half of a binary32) -> number (exact). */
export function bf16ToNumber(bits: number): number {
  bf16View.setUint32(0, (bits & 0xffff) << 16);
  return bf16View.getFloat32(0);
}

/** Parses safetensors bytes into float64 tensors. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) bad(`${bytes.length} bytes is too short for the header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > SAFETENSORS_MAX_HEADER) bad(`header length ${hi * 2 ** 32 + lo} exceeds ${SAFETENSORS_MAX_HEADER}`);
  if (8 + lo > bytes.length) bad(`header length ${lo} runs past the end of ${bytes.length} bytes`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + lo)));
  } catch (e) {
    bad(`header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('header is not a JSON object');
  const data = bytes.subarray(8 + lo);
  const ddv = new DataView(data.buffer, data.byteOffset, data.byteLength);

  let metadata: Record<string, string> | null = null;
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Array.isArray(info)) bad('__metadata__ is not an object');
      for (const [k, v] of Object.entries(info)) if (typeof v !== 'string') bad(`__metadata__.${k} is not a string`);
      metadata = { ...(info as Record<string, string>) };
      continue;
    }
    if (typeof info !== 'object' || info === null) bad(`tensor ${name}: entry is not an object`, { tensor: name });
    const { dtype, shape, data_offsets: off } = info as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZE)) bad(`tensor ${name}: unknown dtype ${String(dtype)}`, { tensor: name });
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`tensor ${name}: bad shape ${JSON.stringify(shape)}`, { tensor: name });
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      bad(`tensor ${name}: bad data_offsets ${JSON.stringify(off)}`, { tensor: name });
    }
    const [begin, end] = off as [number, number];
    if (end - begin !== numel(shape) * DTYPE_SIZE[dtype]) {
      bad(`tensor ${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, ${dtype} [${shape.join(', ')}] needs ${numel(shape) * DTYPE_SIZE[dtype]}`, { tensor: name });
    }
    if (end > data.length) bad(`tensor ${name}: data_offsets end ${end} past the ${data.length} data bytes`, { tensor: name });
    entries.push({ name, dtype, shape: [...shape], begin, end });
  }
  // The tensors must tile the data section exactly.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) bad(`tensor ${e.name}: starts at ${e.begin}, expected ${at} (hole or overlap)`, { tensor: e.name });
    at = e.end;
  }
  if (at !== data.length) bad(`tensors cover ${at} of ${data.length} data bytes`);

  const tensors: TensorMap = {};
  const dtypes: Record<string, SafetensorsDtype> = {};
  for (const e of entries) {
    if (!READABLE.includes(e.dtype)) {
      throw new LstmError(LSTM_ERR.UNSUPPORTED, `safetensors: tensor ${e.name} has dtype ${e.dtype}; only ${READABLE.join(', ')} are read`, { tensor: e.name });
    }
    const n = numel(e.shape);
    const out = new Float64Array(n);
    const b = e.begin;
    switch (e.dtype) {
      case 'F64':
        for (let i = 0; i < n; i++) out[i] = ddv.getFloat64(b + 8 * i, true);
        break;
      case 'F32':
        for (let i = 0; i < n; i++) out[i] = ddv.getFloat32(b + 4 * i, true);
        break;
      case 'F16':
        for (let i = 0; i < n; i++) out[i] = f16ToNumber(ddv.getUint16(b + 2 * i, true));
        break;
      case 'BF16':
        for (let i = 0; i < n; i++) out[i] = bf16ToNumber(ddv.getUint16(b + 2 * i, true));
        break;
    }
    tensors[e.name] = { shape: e.shape, data: out };
    dtypes[e.name] = e.dtype as SafetensorsDtype;
  }
  return { tensors, dtypes, metadata };
}

/** Serialises tensors (in the map's order) to safetensors bytes; the header is space-padded to 8 bytes. */
export function writeSafetensors(tensors: TensorMap, opts: SafetensorsWriteOptions = {}): Uint8Array {
  const dtype = opts.dtype ?? 'F64';
  if (dtype !== 'F64' && dtype !== 'F32') throw new LstmError(LSTM_ERR.UNSUPPORTED, `safetensors: cannot write dtype ${String(dtype)}`);
  const size = DTYPE_SIZE[dtype];
  const header: Record<string, unknown> = {};
  if (opts.metadata) {
    for (const [k, v] of Object.entries(opts.metadata)) if (typeof v !== 'string') bad(`metadata ${k} is not a string`);
    header.__metadata__ = { ...opts.metadata };
  }
  let at = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') bad('a tensor cannot be called __metadata__');
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`tensor ${name}: bad shape ${JSON.stringify(t.shape)}`, { tensor: name });
    if (!(t.data instanceof Float64Array) || t.data.length !== numel(t.shape)) {
      bad(`tensor ${name}: data must be a Float64Array of ${numel(t.shape)} values`, { tensor: name });
    }
    const nbytes = t.data.length * size;
    header[name] = { dtype, shape: t.shape, data_offsets: [at, at + nbytes] };
    at += nbytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + at);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, json.length, true);
  dv.setUint32(4, 0, true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const t of Object.values(tensors)) {
    const d = t.data;
    if (dtype === 'F64') for (let i = 0; i < d.length; i++, o += 8) dv.setFloat64(o, d[i], true);
    else for (let i = 0; i < d.length; i++, o += 4) dv.setFloat32(o, d[i], true);
  }
  return out;
}
