// Per-stream state to a checkpoint record and back, for every learner of this package. A stream
// is plain data: numbers, booleans, typed arrays (views included) and nested records or arrays of
// them. The snapshot copies every value; restore writes them into a fresh stream of the same
// model, checking every shape, so a record from another configuration is refused, never half-used.

import { LSTM_ERR, LstmError } from './errors.ts';
import type { StateRecord, StateValue } from './checkpoint.ts';
import type { StreamState } from './learner.ts';

/** A deep copy of a stream's state as a checkpoint record. */
export function snapshotStream(s: StreamState): StateRecord {
  return snap(s, 0) as StateRecord;
}

function snap(v: unknown, depth: number): StateValue {
  if (depth > 32) throw new LstmError(LSTM_ERR.CHECKPOINT, 'stream state nests too deeply');
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (v instanceof Float64Array) return v.slice();
  if (ArrayBuffer.isView(v)) return Float64Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map((x) => snap(x, depth + 1));
  if (typeof v === 'object') {
    const out: StateRecord = {};
    for (const [k, x] of Object.entries(v as object)) if (x !== undefined) out[k] = snap(x, depth + 1);
    return out;
  }
  throw new LstmError(LSTM_ERR.CHECKPOINT, `stream state holds a ${typeof v}`);
}

/** Writes a snapshot into `s` (a fresh stream of the same model). LSTM_ERR_CHECKPOINT on any mismatch; `s` is untouched then. */
export function restoreStream<S extends StreamState>(s: S, rec: StateRecord): S {
  check(s, rec, 'stream');
  write(s as unknown as Record<string, unknown>, rec);
  return s;
}

function check(target: unknown, v: StateValue, path: string): void {
  const bad = (what: string): never => {
    throw new LstmError(LSTM_ERR.CHECKPOINT, `stream record does not fit this model at ${path}: ${what}`, { path });
  };
  if (ArrayBuffer.isView(target)) {
    if (!(v instanceof Float64Array)) bad('expected an array');
    if ((target as unknown as ArrayLike<number>).length !== (v as Float64Array).length) bad(`length ${(v as Float64Array).length}, expected ${(target as unknown as ArrayLike<number>).length}`);
    return;
  }
  if (Array.isArray(target)) {
    if (!Array.isArray(v) || v.length !== target.length) bad('expected a list of the same length');
    target.forEach((t, i) => check(t, (v as StateValue[])[i]!, `${path}[${i}]`));
    return;
  }
  if (target !== null && typeof target === 'object') {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Float64Array) bad('expected a record');
    const rec = v as StateRecord;
    const frozen = Object.isFrozen(target);
    for (const [k, t] of Object.entries(target)) {
      if (t === undefined) continue;
      if (!(k in rec)) bad(`missing ${k}`);
      // Scalars of a frozen record are structure (a ring's capacity), not state: they must agree.
      if (frozen && (t === null || typeof t !== 'object') && rec[k] !== t) bad(`${k} is ${String(rec[k])}, expected ${String(t)}`);
      check(t, rec[k]!, `${path}.${k}`);
    }
    return;
  }
  if (typeof target !== typeof v) bad(`expected a ${typeof target}`);
}

function write(target: Record<string, unknown>, rec: StateRecord): void {
  const frozen = Object.isFrozen(target);
  for (const [k, t] of Object.entries(target)) {
    if (t === undefined) continue;
    const v = rec[k]!;
    if (ArrayBuffer.isView(t)) (t as unknown as Float64Array).set(v as Float64Array);
    else if (Array.isArray(t)) t.forEach((x, i) => writeItem(t, i, x, (v as StateValue[])[i]!));
    else if (t !== null && typeof t === 'object') write(t as Record<string, unknown>, v as StateRecord);
    else if (!frozen) target[k] = v;
  }
}

function writeItem(arr: unknown[], i: number, t: unknown, v: StateValue): void {
  if (ArrayBuffer.isView(t)) (t as unknown as Float64Array).set(v as Float64Array);
  else if (Array.isArray(t)) t.forEach((x, j) => writeItem(t, j, x, (v as StateValue[])[j]!));
  else if (t !== null && typeof t === 'object') write(t as Record<string, unknown>, v as StateRecord);
  else arr[i] = v;
}

/** Copies every value of stream `src` into `dst` (two streams of the same model), allocating nothing. */
export function copyStream<S extends StreamState>(dst: S, src: S): S {
  copyInto(dst as unknown as Record<string, unknown>, src as unknown as Record<string, unknown>);
  return dst;
}

function copyInto(dst: Record<string, unknown>, src: Record<string, unknown>): void {
  const frozen = Object.isFrozen(dst);
  for (const k in src) {
    const s = src[k];
    const d = dst[k];
    if (ArrayBuffer.isView(s)) (d as Float64Array).set(s as Float64Array);
    else if (Array.isArray(s)) {
      const da = d as unknown[];
      for (let i = 0; i < s.length; i++) {
        const si = s[i];
        if (ArrayBuffer.isView(si)) (da[i] as Float64Array).set(si as Float64Array);
        else if (si !== null && typeof si === 'object') copyInto(da[i] as Record<string, unknown>, si as Record<string, unknown>);
        else da[i] = si;
      }
    } else if (s !== null && typeof s === 'object') copyInto(d as Record<string, unknown>, s as Record<string, unknown>);
    else if (!frozen) dst[k] = s;
  }
}
