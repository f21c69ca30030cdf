// Seeded mutation fuzzing of the decoders: whatever the bytes, a decoder returns a result and
// never throws; a refusal always carries a known PROTO_ERR code.

import { describe, expect, it } from 'vitest';
import { decode, encode, MESSAGE_KINDS, PROTO_ERR_CODES, DEFAULT_OPTIONS, isProtocolError } from './index.ts';
import type { DecodeResult, MessageKind, Prediction, ProtocolError } from './index.ts';
import { encodeChecked } from './codec.ts';
import { writePrediction } from './prediction-writer.ts';
import { EXAMPLES } from './examples.ts';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CASES = 5000;
const SEEDS = EXAMPLES.flatMap(({ kind, msg }) => [
  { kind, json: false, bytes: encode(kind, msg, { vectors: 'f32' }) },
  { kind, json: false, bytes: encode(kind, msg) },
  { kind, json: true, bytes: encode(kind, msg, { format: 'json' }) },
]);
// Bytes that mean something to a msgpack reader: container and length headers, ext, reserved.
const INTERESTING = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xc0, 0xc1, 0xc4, 0xc6, 0xc7, 0xca, 0xcb, 0xcf, 0xd4, 0xd8, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xff,
  0x22, 0x5b, 0x7b, 0x5d, 0x7d, 0x2c, 0x3a];

function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  let b = Uint8Array.from(src);
  const edits = 1 + pick(4);
  for (let e = 0; e < edits; e++) {
    const at = pick(b.length + 1);
    switch (pick(7)) {
      case 0: if (b.length) b[Math.min(at, b.length - 1)] ^= 1 << pick(8); break; // bit flip
      case 1: if (b.length) b[Math.min(at, b.length - 1)] = INTERESTING[pick(INTERESTING.length)]; break;
      case 2: b = b.subarray(0, at); break; // truncate
      case 3: { // insert random bytes
        const ins = Uint8Array.from({ length: 1 + pick(8) }, () => (rnd() < 0.5 ? INTERESTING[pick(INTERESTING.length)] : pick(256)));
        const out = new Uint8Array(b.length + ins.length);
        out.set(b.subarray(0, at)); out.set(ins, at); out.set(b.subarray(at), at + ins.length);
        b = out;
        break;
      }
      case 4: b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + pick(4))]); break; // delete
      case 5: { // duplicate a slice (repeats containers)
        const len = pick(Math.min(16, b.length + 1));
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at, at + len), ...b.subarray(at)]);
        break;
      }
      default: b = Uint8Array.from({ length: pick(64) }, () => pick(256)); // pure noise
    }
  }
  return b;
}

describe('fuzz - decoders never throw', () => {
  it(`survives ${CASES} seeded mutations of valid messages`, () => {
    const rnd = prng(0xc0ffee);
    const codes = new Set<string>(PROTO_ERR_CODES);
    let accepted = 0;
    for (let i = 0; i < CASES; i++) {
      const seed = SEEDS[Math.floor(rnd() * SEEDS.length)];
      const bytes = mutate(seed.bytes, rnd);
      // Decode as the seed's kind most of the time, as any kind sometimes.
      const kind: MessageKind = rnd() < 0.8 ? seed.kind : MESSAGE_KINDS[Math.floor(rnd() * MESSAGE_KINDS.length)];
      let result: DecodeResult<unknown>;
      try {
        result = decode(kind, bytes, { contentType: seed.json ? 'application/json' : undefined, stream: rnd() < 0.5 ? 'pump-7' : undefined });
      } catch (e) {
        throw new Error(`case ${i}: decode('${kind}', ${Buffer.from(bytes).toString('hex')}) threw ${String(e)}`);
      }
      if (result.ok) accepted++;
      else if (!codes.has(result.reject.code)) throw new Error(`case ${i}: unknown code ${result.reject.code}`);
    }
    // Mutations that still decode are fine; the loop must have exercised both outcomes.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(CASES);
  });
});

// The worker's Prediction writer (prediction-writer.ts) against the generic encoder: on random
// valid messages it must write msgpackr's exact bytes, and on one-field corruptions of them it must
// either decline (null, so encode() takes the generic path and throws its error) or, where the
// corruption is still valid, write the generic bytes too. It never accepts what the validator refuses.
describe('fuzz - the Prediction writer', () => {
  const WRITER_CASES = 3000;
  function randomPrediction(rnd: () => number): Record<string, unknown> {
    const pick = (n: number) => Math.floor(rnd() * n);
    const value = (): number => [0, 1, -1, 31, 127, 128, 255, 256, 65535, 65536, -32, -33, -128, -129, -32768, -32769, 2 ** 31, 2 ** 32, 2 ** 40, 0.5, -0.25, 1e-300, -0, rnd() * 2 - 1, (rnd() - 0.5) * 1e9][pick(25)];
    const vec = (n: number) => (rnd() < 0.5 ? Float64Array.from({ length: n }, value) : Array.from({ length: n }, value));
    const dims = 1 + pick(rnd() < 0.1 ? 40 : 4);
    const f = rnd() < 0.2 ? Array.from({ length: 1 + pick(20) }, () => vec(dims)) : dims === 1 && rnd() < 0.3 ? vec(1)[0] : vec(dims);
    const nul = (v: number) => (rnd() < 0.2 ? null : v);
    const streamLen = rnd() < 0.2 ? 32 + pick(97) : 1 + pick(31);
    const stream = Array.from({ length: streamLen }, () => 'aZ09_-'[pick(6)]).join('');
    const msg: Record<string, unknown> = { v: 1, stream, seq: [0, 1, 200, 70000, 2 ** 33, Number.MAX_SAFE_INTEGER][pick(6)] };
    if (rnd() < 0.7) msg.ts = 1.7e12 + pick(1e6);
    msg.f = typeof f === 'number' ? [f] : f;
    if (rnd() < 0.7) msg.x = vec(dims);
    Object.assign(msg, { err: nul(rnd() * 3), score: nul(rnd()), lik: nul(rnd() < 0.1 ? 1 : rnd()), mv: pick(300), pt: rnd() * 1e-3 });
    if (rnd() < 0.5) Object.assign(msg, { lr: rnd() * 0.01, n: pick(100000) });
    if (rnd() < 0.1) msg.lr = undefined;
    return msg;
  }
  const CORRUPT: ((m: Record<string, unknown>, rnd: () => number) => void)[] = [
    (m) => { m.err = -1; }, (m) => { m.score = 1.5; }, (m) => { m.lik = Number.NaN; }, (m) => { m.pt = Infinity; },
    (m) => { m.seq = 1.5; }, (m) => { m.seq = -1; }, (m) => { m.mv = '3'; }, (m) => { m.v = 99; }, (m) => { m.stream = 'a.b'; },
    (m) => { m.stream = ''; }, (m) => { m.ts = null; }, (m) => { m.ts = -5; }, (m) => { m.f = []; }, (m) => { m.f = [Number.NaN]; },
    (m) => { m.f = [[1, 2], [3]]; }, (m) => { m.f = [[]]; }, (m) => { m.x = [1, Infinity]; }, (m) => { m.x = new Float64Array(0); },
    (m) => { m.x = new Float64Array(DEFAULT_OPTIONS.maxVectorLength + 1); }, (m) => { m.extra = 1; }, (m) => { m.err = undefined; },
    (m) => { m.mv = undefined; }, (m) => { m.stream = undefined; }, (m) => { m.n = 2.5; }, (m) => { m.lr = null; }, (m) => { m.x = [1, 'a']; },
    (m) => { m.f = Array.from({ length: DEFAULT_OPTIONS.maxHorizon + 1 }, () => [1]); }, (m) => { m.f = new Int16Array([1, 2]); },
    (m) => { m.x = { length: 1, 0: 1 }; }, (m) => { m.err = 0; m.score = 0; m.lik = 0; }, // the last two: still valid, or declined
  ];
  const generic = (m: Record<string, unknown>): Uint8Array | ProtocolError => {
    try {
      return encodeChecked('prediction', m as unknown as Prediction);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      return e;
    }
  };

  it(`writes msgpackr's bytes for ${WRITER_CASES} random valid Predictions`, () => {
    const rnd = prng(0x5eed);
    for (let i = 0; i < WRITER_CASES; i++) {
      const m = randomPrediction(rnd);
      const want = generic(m);
      if (!(want instanceof Uint8Array)) throw new Error(`case ${i}: the generator made an invalid message: ${want.message}`);
      const got = writePrediction(m as unknown as Prediction, DEFAULT_OPTIONS);
      if (got === null) throw new Error(`case ${i}: the writer declined a valid message ${JSON.stringify(m)}`);
      expect(Buffer.from(got).toString('hex'), `case ${i}`).toBe(Buffer.from(want).toString('hex'));
      expect(Buffer.from(encode('prediction', m as unknown as Prediction)).equals(Buffer.from(want))).toBe(true);
    }
  });

  it('declines every corruption the validator refuses, and encode() still throws its code', () => {
    const rnd = prng(0xbad);
    let declined = 0;
    for (let i = 0; i < WRITER_CASES; i++) {
      const m = randomPrediction(rnd);
      const which = Math.floor(rnd() * CORRUPT.length);
      CORRUPT[which](m, rnd);
      const want = generic(m);
      const got = writePrediction(m as unknown as Prediction, DEFAULT_OPTIONS);
      if (!(want instanceof Uint8Array)) {
        if (got !== null) throw new Error(`case ${i} (corruption ${which}): the writer accepted what the validator refuses (${want.code})`);
        declined++;
        expect(() => encode('prediction', m as unknown as Prediction)).toThrow(expect.objectContaining({ code: want.code }));
      } else if (got !== null) {
        expect(Buffer.from(got).equals(Buffer.from(want)), `case ${i} (corruption ${which})`).toBe(true);
      }
    }
    expect(declined).toBeGreaterThan(WRITER_CASES * 0.8);
  });
});
