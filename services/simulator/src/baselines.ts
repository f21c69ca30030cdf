// Memoryless forecasting baselines the control-plant benchmark compares the LSTM against:
// last value, and a linear autoregression over a short window of every input channel, fitted by
// ridge least squares. Not a forecasting library: just enough to state what "no memory" scores.

/** Features of a window of the last `lags` input vectors, oldest first, plus a constant 1. */
export function lagFeatures(history: readonly (readonly number[])[], end: number, lags: number): number[] {
  const f: number[] = [];
  for (let l = lags - 1; l >= 0; l--) {
    const x = history[end - l];
    for (let i = 0; i < x.length; i++) f.push(x[i]);
  }
  f.push(1);
  return f;
}

/**
 * Solves (AᵀA + ridge·I) w = Aᵀb for w, given the normal-equation sums (P x P, row-major) and
 * Aᵀb (P). Gaussian elimination with partial pivoting; P is small (tens).
 */
export function solveNormal(ata: Float64Array, atb: Float64Array, ridge: number): Float64Array {
  const P = atb.length;
  const M = new Float64Array(P * (P + 1)); // [P, P+1] augmented
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < P; j++) M[i * (P + 1) + j] = ata[i * P + j] + (i === j ? ridge : 0);
    M[i * (P + 1) + P] = atb[i];
  }
  for (let c = 0; c < P; c++) {
    let piv = c;
    for (let r = c + 1; r < P; r++) if (Math.abs(M[r * (P + 1) + c]) > Math.abs(M[piv * (P + 1) + c])) piv = r;
    if (piv !== c) {
      for (let j = 0; j <= P; j++) {
        const tmp = M[c * (P + 1) + j];
        M[c * (P + 1) + j] = M[piv * (P + 1) + j];
        M[piv * (P + 1) + j] = tmp;
      }
    }
    const d = M[c * (P + 1) + c];
    if (d === 0) continue;
    for (let r = 0; r < P; r++) {
      if (r === c) continue;
      const f = M[r * (P + 1) + c] / d;
      if (f === 0) continue;
      for (let j = c; j <= P; j++) M[r * (P + 1) + j] -= f * M[c * (P + 1) + j];
    }
  }
  const w = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    const d = M[i * (P + 1) + i];
    w[i] = d === 0 ? 0 : M[i * (P + 1) + P] / d;
  }
  return w;
}

/** A linear autoregression: y(t+1) ≈ w · [x(t-lags+1) .. x(t), 1]. */
export interface Autoregression {
  readonly lags: number;
  /** Weights, one per feature of lagFeatures (the constant last). */
  readonly weights: Float64Array;
  /** The forecast from the window ending at history[end]. */
  predict(history: readonly (readonly number[])[], end: number): number;
}

/**
 * Fits an autoregression by ridge least squares on the pairs (window ending at t, target[t]) for
 * t in [lags - 1, end), where target[t] is the value to forecast after observing history[t].
 */
export function fitAutoregression(
  history: readonly (readonly number[])[],
  target: readonly number[],
  end: number,
  lags: number,
  ridge = 1e-6,
): Autoregression {
  const P = history[0].length * lags + 1;
  const ata = new Float64Array(P * P);
  const atb = new Float64Array(P);
  for (let t = lags - 1; t < end; t++) {
    const f = lagFeatures(history, t, lags);
    for (let i = 0; i < P; i++) {
      atb[i] += f[i] * target[t];
      for (let j = 0; j < P; j++) ata[i * P + j] += f[i] * f[j];
    }
  }
  const weights = solveNormal(ata, atb, ridge);
  return {
    lags,
    weights,
    predict(h, e) {
      const f = lagFeatures(h, e, lags);
      let s = 0;
      for (let i = 0; i < P; i++) s += weights[i] * f[i];
      return s;
    },
  };
}
