// wasm/math.ts (fdlibm exp and the sigmoid on it, and the two-lane tanh2 and sigmoid2 the kernels
// call) against V8's Math.exp, Math.tanh and activations.ts sigmoid: the same bits, so the wasm
// kernels may squash in wasm and stay bit-identical to the JS kernels.

import { describe, expect, it } from 'vitest';
import { sigmoid } from './activations.ts';
import { createRng } from './prng.ts';
import { SingleKernels } from './wasm-single.ts';

const N = 1 << 18;

/** Inputs: the edge cases and every branch threshold of the fdlibm code, then random ones at several scales. */
function inputs(): Float64Array {
  const edges = [
    0, 1e-300, 5e-324, 2 ** -1022, 2 ** -60, 2 ** -54, 2 ** -28, 1e-9, 0.25, 0.3465735902799726, 0.5, 1, 1.0397207708399179, Math.LN2, 2, 10, 20, 22,
    38.816242111356935, 56 * Math.LN2, 700, 709.782712893384, 709.79, 745.1332191019411, 746, 1e300, Number.MAX_VALUE, Infinity, NaN,
  ];
  const x = new Float64Array(N);
  let n = 0;
  for (const e of edges) for (const v of [e, -e, e * (1 + 2 ** -52), e * (1 - 2 ** -53)]) x[n++] = v;
  const rng = createRng(7);
  const scales = [1e-8, 0.5, 2, 8, 30, 60, 800];
  for (; n < N; n++) {
    const s = scales[n % scales.length]!;
    x[n] = rng.range(-s, s);
  }
  return x;
}

const same = (a: number, b: number): boolean => Object.is(a, b);

describe('wasm/math.ts against V8', () => {
  const k = SingleKernels.create([N, N], {});
  const x = k?.alloc(N);
  const out = k?.alloc(N);
  x?.set(inputs());
  it('has a kernel module to test (Node 20 has WebAssembly SIMD)', () => {
    expect(k).not.toBeNull();
  });
  const cases: [string, 'exp' | 'sigmoid' | 'tanh2' | 'sigmoid2', (v: number) => number][] = [
    ['exp', 'exp', Math.exp],
    ['sigmoid (activations.ts)', 'sigmoid', sigmoid],
    ['tanh2 (two lanes)', 'tanh2', Math.tanh],
    ['sigmoid2 (two lanes)', 'sigmoid2', sigmoid],
  ];
  for (const [name, kind, ref] of cases) {
    it(`${name}: the same bits on ${N.toLocaleString('en')} inputs (edge cases, thresholds, random at 7 scales)`, () => {
      k!.mathRows(out!, x!, kind);
      let bad = -1;
      let count = 0;
      for (let i = 0; i < N; i++) {
        if (!same(out![i]!, ref(x![i]!))) {
          if (bad < 0) bad = i;
          count++;
        }
      }
      expect({ count, first: bad < 0 ? null : [x![bad], out![bad], ref(x![bad]!)] }).toEqual({ count: 0, first: null });
    });
  }
  // squashRows takes eight at a time, then two, then an odd last one: lengths 1-15 at every
  // offset over the edge cases reach the two shorter paths with every edge input.
  for (const [name, kind, ref] of cases.slice(2)) {
    it(`${name}: the same bits on rows of 1 to 15 (squashRows' two-at-a-time and odd tails)`, () => {
      const wrong: number[] = [];
      for (let n = 1; n < 16; n++) {
        for (let at = 0; at + n <= 128; at += n) {
          out!.fill(0.25, 0, 128);
          k!.mathRows(out!.subarray(at, at + n), x!.subarray(at, at + n), kind);
          for (let i = at; i < at + n; i++) if (!same(out![i]!, ref(x![i]!))) wrong.push(x![i]!);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});
