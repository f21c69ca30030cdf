// Test support for the 1997 family: the deterministic weight rule and input sequence of
// LSTM-SPEC 5.4 (golden cases G2-G4), and a tolerance assertion that prints the max difference.

import type { Lstm97Layout } from '../lstm97.ts';

/** w_k = 0.1·(((k·7919) mod 200) − 100)/100 */
export function goldenWeight(k: number): number {
  return (0.1 * (((k * 7919) % 200) - 100)) / 100;
}

/**
 * Fills params by the golden rule: groups W_in, W_out, W_c, W_k, W_fg, p_in, p_out, p_fg in this
 * order from one running index k; W_fg advances k by C·Z even when the network has no forget gate.
 */
export function fillLstm97Golden(L: Lstm97Layout, params: Float64Array): void {
  const { blocks: C, cells: N, zGate: Zg } = L.spec;
  let k = 0;
  const fill = (offset: number, size: number): void => {
    for (let i = 0; i < size; i++, k++) if (offset >= 0) params[offset + i] = goldenWeight(k);
  };
  fill(L.W_in, C * Zg);
  fill(L.W_out, C * Zg);
  fill(L.W_c, N * L.spec.zCell);
  fill(L.W_k, L.spec.outputs * L.spec.outSources);
  fill(L.W_fg, C * Zg);
  fill(L.p_in, L.p_in >= 0 ? N : 0);
  fill(L.p_out, L.p_out >= 0 ? N : 0);
  fill(L.p_fg, L.p_fg >= 0 ? N : 0);
}

/** x(t) = ((37t mod 19 − 9)/10, m_t), m = [-1, 1, 0, 1, 0, -1], t = 0..5; target 0.9 at t = 5. */
export const GOLDEN_INPUTS: readonly (readonly number[])[] = [-1, 1, 0, 1, 0, -1].map((m, t) => [(((37 * t) % 19) - 9) / 10, m]);
export const GOLDEN_TARGET = 0.9;

/** Asserts |a−b| ≤ rel·max(|a|,|b|) + abs elementwise; the message names the worst entry. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-12, abs = 1e-15, what = 'value'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  let maxDiff = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const diff = Math.abs(a - e);
    maxDiff = Math.max(maxDiff, diff);
    const excess = diff - (rel * Math.max(Math.abs(a), Math.abs(e)) + abs);
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}[${worst}]: got ${actual[worst]}, expected ${expected[worst]} (max |diff| ${maxDiff.toExponential(3)})`);
  }
}
