// Test utility: the deterministic weights of LSTM-SPEC 5.4 for the vanilla family (vanilla, cifg,
// gru; layout of recurrent-layout.ts), used to reproduce golden case G5. Not for the lstm97
// layout, which has its own rule about skipped groups.

import type { RecurrentLayout } from '../recurrent-layout.ts';

/** w(k) = 0.1·((((k)·7919) mod 200) − 100)/100. */
export function goldenWeight(k: number): number {
  return (0.1 * (((k * 7919) % 200) - 100)) / 100;
}

/**
 * Fills params in layout group order from one running index k (each group advances k by its
 * size), then adds `forgetShift` (1.0 in G5) to every forget bias bf / l<l>.bf.
 */
export function fillVanillaGoldenWeights(params: Float64Array, layout: RecurrentLayout, forgetShift = 1): void {
  let k = 0;
  for (const g of layout.groups) {
    const n = g.shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) params[g.offset + i] = goldenWeight(k++);
  }
  for (const g of layout.groups) {
    if (g.name !== 'bf' && !g.name.endsWith('.bf')) continue;
    for (let i = 0; i < g.shape[0]; i++) params[g.offset + i] += forgetShift;
  }
}

/** G5/G6 input x_t[j] = ((13t + 7j) mod 11 − 5)/5. */
export function goldenInput(t: number, n: number): number[] {
  return Array.from({ length: n }, (_, j) => (((13 * t + 7 * j) % 11) - 5) / 5);
}

/** G6 target d_t = ((5t) mod 7 − 3)/6. */
export function g6Target(t: number): number {
  return (((5 * t) % 7) - 3) / 6;
}
