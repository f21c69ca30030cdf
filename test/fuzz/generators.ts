// Seeded generators of hostile input for the fuzz suites and `npm run fuzz`: random value trees
// with hostile keys and numbers, hand-built msgpack byte sequences (extension types, NaN/Inf
// encodings, lying lengths, deep nesting), JSON text with the same tricks, and byte mutators.
// Every generator takes an Rng (@carousel/lstm createRng), so a case is reproduced from its seed.
// Not here: what a decoder must answer (protocol-fuzz.ts, gateway-fuzz.ts).

import { Packr } from 'msgpackr';
import { createRng, type Rng } from '@carousel/lstm';

/** Plain msgpack, as the protocol writes it (no records, no typed-array extensions). */
export const plainPackr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true, mapsAsObjects: true });

/** The seed of case `i` of a run seeded `seed`: each case stands alone and replays from it. */
export function caseSeed(seed: number, i: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 12)) >>> 0;
}

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;

/** Keys that trip naive code: prototype names, and the protocol's own keys. */
export const HOSTILE_KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then',
  'v', 'stream', 'seq', 'ts', 'x', 'y', 'f', 'op', 'ok', 'cfg', 'b', 'obj', 'code', 'msg',
  'type', 'token', 'id', 'patterns', 'since', 'from', '', ' ', '\u0000', 'ü', '\ud800',
];

/** Numbers at the edges: non-finite, extremes, integers around 2^53 and 2^64, negative zero. */
export const HOSTILE_NUMBERS = [
  NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 1e300, -1e300, 1e-300, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE,
  2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 64, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 1e12, -1e12, 4096, 4097, 65536,
];

/** A random JSON-ish value tree: numbers, strings, booleans, null, arrays, maps with hostile keys. */
export function randomValue(rng: Rng, depth = 0, budget = { n: 400 }): unknown {
  budget.n--;
  const r = rng.uniform();
  if (depth > 6 || budget.n <= 0 || r < 0.35) return randomScalar(rng);
  if (r < 0.65) return Array.from({ length: rng.int(0, 6) }, () => randomValue(rng, depth + 1, budget));
  const o: Record<string, unknown> = {};
  for (let k = rng.int(0, 6); k > 0; k--) setOwn(o, rng.uniform() < 0.6 ? pick(rng, HOSTILE_KEYS) : randomString(rng, 12), randomValue(rng, depth + 1, budget));
  return o;
}

/** o[key] = value as an own, enumerable property, also for `__proto__` (which `=` would not create). */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

export function randomScalar(rng: Rng): unknown {
  switch (rng.int(0, 6)) {
    case 0: return pick(rng, HOSTILE_NUMBERS);
    case 1: return rng.range(-1e6, 1e6);
    case 2: return rng.int(-1000, 1000);
    case 3: return randomString(rng, rng.uniform() < 0.05 ? 5000 : 40);
    case 4: return rng.uniform() < 0.5;
    case 5: return null;
    default: return pick(rng, ['pump-7', 'a.b', '*', '>', 'pump-*', 'x'.repeat(129), 'auth', 'subscribe', 'ping', 'resume', 'unsubscribe', 'list', 'configure']);
  }
}

export function randomString(rng: Rng, maxLen: number): string {
  const n = rng.int(0, maxLen);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rng.uniform();
    s += r < 0.8 ? String.fromCharCode(rng.int(0x20, 0x7e)) : r < 0.9 ? String.fromCharCode(rng.int(0, 0x1f)) : String.fromCharCode(rng.int(0x80, 0xffff));
  }
  return s;
}

/** A value replacing a field: wrong types, non-finite and extreme numbers, huge or deep containers. */
export function hostileField(rng: Rng): unknown {
  switch (rng.int(0, 9)) {
    case 0: return pick(rng, HOSTILE_NUMBERS);
    case 1: return Array.from({ length: rng.int(0, 5) }, () => pick(rng, HOSTILE_NUMBERS));
    case 2: return Array.from({ length: pick(rng, [4096, 4097, 5000, 10_001]) }, (_, i) => i % 7);
    case 3: return randomString(rng, pick(rng, [10, 1025, 70_000]));
    case 4: return Uint8Array.from({ length: pick(rng, [0, 3, 4, 8, 16_388]) }, () => rng.int(0, 255));
    case 5: { // nested deeper than the depth limit
      let v: unknown = 1;
      for (let d = rng.int(5, 40); d > 0; d--) v = rng.uniform() < 0.5 ? [v] : { x: v };
      return v;
    }
    case 6: return { toString: 1, valueOf: null };
    case 7: return [[1, 2], [3]];
    case 8: return randomValue(rng);
    default: return randomScalar(rng);
  }
}

/** Bytes that mean something to a msgpack or JSON reader. */
export const INTERESTING_BYTES = [
  0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcf, 0xd3,
  0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xff, 0x22, 0x5b, 0x7b, 0x5d, 0x7d, 0x2c, 0x3a, 0x5c,
];

/** 1-4 random edits: bit flips, interesting bytes, truncation, insertion, deletion, duplication, noise. */
export function mutate(src: Uint8Array, rng: Rng): Uint8Array {
  let b: Uint8Array = Uint8Array.from(src);
  for (let e = rng.int(1, 4); e > 0; e--) {
    const at = rng.int(0, b.length);
    switch (rng.int(0, 7)) {
      case 0: if (b.length) b[Math.min(at, b.length - 1)]! ^= 1 << rng.int(0, 7); break;
      case 1: if (b.length) b[Math.min(at, b.length - 1)] = pick(rng, INTERESTING_BYTES); break;
      case 2: b = b.slice(0, at); break;
      case 3: {
        const ins = Uint8Array.from({ length: rng.int(1, 8) }, () => (rng.uniform() < 0.5 ? pick(rng, INTERESTING_BYTES) : rng.int(0, 255)));
        b = concat(b.subarray(0, at), ins, b.subarray(at));
        break;
      }
      case 4: b = concat(b.subarray(0, at), b.subarray(at + rng.int(1, 4))); break;
      case 5: { const len = rng.int(0, Math.min(16, b.length)); b = concat(b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)); break; }
      case 6: b = concat(b, Uint8Array.from({ length: rng.int(1, 4) }, () => rng.int(0, 255))); break; // extend
      default: b = Uint8Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 255));
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const be = (n: number, bytes: number): number[] => Array.from({ length: bytes }, (_, i) => (n / 2 ** (8 * (bytes - 1 - i))) & 0xff);

/** float64 / float32 bit patterns of NaN (quiet, signalling, negative), ±Infinity and denormals. */
export const F64_SPECIALS = ['7ff8000000000000', 'fff8000000000000', '7ff0000000000001', '7ff0000000000000', 'fff0000000000000', '0000000000000001', '7fefffffffffffff'];
export const F32_SPECIALS = ['7fc00000', 'ffc00000', '7f800001', '7f800000', 'ff800000', '00000001', '7f7fffff'];

const hex = (h: string): number[] => (h.match(/../g) ?? []).map((x) => parseInt(x, 16));

/** One msgpack item built by hand: extension types, special floats, lying lengths, reserved bytes. */
export function rawMsgpackItem(rng: Rng): number[] {
  switch (rng.int(0, 9)) {
    case 0: { // fixext 1/2/4/8/16 with a random type (incl. -1 timestamp)
      const [t, n] = pick(rng, [[0xd4, 1], [0xd5, 2], [0xd6, 4], [0xd7, 8], [0xd8, 16]] as const);
      return [t, pick(rng, [0xff, 0x00, 0x01, 0x72, 0x74, 0x78, 0x62]), ...Array.from({ length: n }, () => rng.int(0, 255))];
    }
    case 1: { const n = rng.int(0, 20); return [0xc7, n, pick(rng, [0xff, 0x65, 0x00]), ...Array.from({ length: n }, () => rng.int(0, 255))]; } // ext 8
    case 2: return [0xcb, ...hex(pick(rng, F64_SPECIALS))];
    case 3: return [0xca, ...hex(pick(rng, F32_SPECIALS))];
    case 4: return [pick(rng, [0xdd, 0xdf, 0xdb, 0xc6]), ...be(pick(rng, [0xffffffff, 0x7fffffff, 65536, 4097]), 4)]; // lying 32-bit lengths
    case 5: return [pick(rng, [0xdc, 0xde, 0xda, 0xc5]), ...be(pick(rng, [0xffff, 10_001, 4097]), 2)];
    case 6: return [0xc1]; // never used
    case 7: return [0xcf, ...be(rng.int(0, 0xffffffff), 4), ...be(rng.int(0, 0xffffffff), 4)]; // uint64
    case 8: return [0xc4, 4, ...hex(pick(rng, F32_SPECIALS))]; // bin of one special float32
    default: return [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]; // int64 min
  }
}

/** msgpack for a map {key: item, ...} with some hand-built items, wrapped as a message-like map. */
export function rawMsgpackMessage(rng: Rng, base: Record<string, unknown>): Uint8Array {
  const keys = Object.keys(base);
  const entries: number[][] = [];
  for (const k of keys) {
    const val = rng.uniform() < 0.3 ? rawMsgpackItem(rng) : [...plainPackr.pack(base[k])];
    entries.push([...plainPackr.pack(rng.uniform() < 0.1 ? pick(rng, HOSTILE_KEYS) : k), ...val]);
  }
  if (rng.uniform() < 0.3) entries.push([...plainPackr.pack('x'), 0x93, ...rawMsgpackItem(rng), ...rawMsgpackItem(rng), 0x01]);
  const n = entries.length;
  const head = n < 16 ? [0x80 | n] : [0xde, ...be(n, 2)];
  return Uint8Array.from([...head, ...entries.flat()]);
}

/** Deep nesting: `depth` single-element arrays (msgpack 0x91 or JSON `[`) around a 1. */
export function deepMsgpack(depth: number): Uint8Array {
  const b = new Uint8Array(depth + 1).fill(0x91);
  b[depth] = 0x01;
  return b;
}
export function deepJson(depth: number, open = '[', close = ']'): string {
  return open.repeat(depth) + '1' + close.repeat(depth);
}

/** JSON text for a value, with numbers replaced at random by tokens JSON.stringify cannot write. */
export function hostileJson(rng: Rng, value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `\u0001${String(v)}` : v instanceof Uint8Array ? Array.from(v) : v)) ?? 'null';
  return text
    // eslint-disable-next-line no-control-regex -- \u0001 marks the numbers JSON.stringify cannot write
    .replace(/"\u0001(NaN|Infinity|-Infinity)"/g, (_m, t: string) => pick(rng, t === 'NaN' ? ['NaN', 'null', '0'] : t === 'Infinity' ? ['1e999', 'Infinity', '9'.repeat(400)] : ['-1e999', '-Infinity']))
    .replace(/\d+(?=[,\]}])/g, (m) => (rng.uniform() < 0.05 ? pick(rng, ['1e999', '-0', '1e-400', '0x10', '01', '1.', '.5', '9'.repeat(320)]) : m));
}

/** Invalid UTF-8: lone continuation bytes, overlongs, surrogates, truncated sequences. */
export function invalidUtf8(rng: Rng, around: string): Uint8Array {
  const bad = pick(rng, [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xfe]]);
  const b = new TextEncoder().encode(around);
  const at = rng.int(0, b.length);
  return concat(b.subarray(0, at), Uint8Array.from(bad), b.subarray(at));
}

export { createRng, type Rng };
