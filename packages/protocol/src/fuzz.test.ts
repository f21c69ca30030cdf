// Seeded mutation fuzzing of the decoders: whatever the bytes, a decoder returns a result and
// never throws; a refusal always carries a known PROTO_ERR code.

import { describe, expect, it } from 'vitest';
import { decode, encode, MESSAGE_KINDS, PROTO_ERR_CODES } from './index.ts';
import type { DecodeResult, MessageKind } from './index.ts';
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
