// Mel filterbank (HTK mel scale, triangular filters on the FFT bins) and the DCT-II that turns
// log-mel energies into MFCCs. Pure functions; the filterbank is built once per configuration.
// Not librosa: no Slaney scale or area normalisation; filters peak at 1.
//
// Dimension letters: M mel filters, B = N/2 + 1 spectrum bins, C cepstral coefficients.

/** HTK mel: 2595 log10(1 + f / 700). */
export function hzToMel(f: number): number {
  return 2595 * Math.log10(1 + f / 700);
}

export function melToHz(m: number): number {
  return 700 * (10 ** (m / 2595) - 1);
}

/** A filterbank: M triangular filters over B bins, row-major [M, B]. */
export interface MelFilterbank {
  readonly filters: number;
  readonly bins: number;
  readonly weights: Float64Array;
  /** Centre frequency of each filter, Hz [M]. */
  readonly centers: Float64Array;
}

/**
 * M triangular filters with centres equally spaced in mel between fMin and fMax (default
 * sampleRate / 2); each rises linearly from its left neighbour's centre to 1 at its own centre
 * and falls to 0 at its right neighbour's centre (in Hz, evaluated at each bin's frequency).
 */
export function melFilterbank(filters: number, fftSize: number, sampleRate: number, fMin = 0, fMax = sampleRate / 2): MelFilterbank {
  const M = filters;
  const B = fftSize / 2 + 1;
  if (!Number.isInteger(M) || M < 1) throw new RangeError(`filters must be an integer >= 1, got ${M}`);
  if (!(fMin >= 0 && fMax > fMin && fMax <= sampleRate / 2)) throw new RangeError(`need 0 <= fMin < fMax <= sampleRate/2, got ${fMin}, ${fMax}`);
  const m0 = hzToMel(fMin);
  const m1 = hzToMel(fMax);
  const edges = new Float64Array(M + 2); // Hz
  for (let i = 0; i < M + 2; i++) edges[i] = melToHz(m0 + ((m1 - m0) * i) / (M + 1));
  const weights = new Float64Array(M * B);
  for (let m = 0; m < M; m++) {
    const lo = edges[m];
    const mid = edges[m + 1];
    const hi = edges[m + 2];
    for (let k = 0; k < B; k++) {
      const f = (k * sampleRate) / fftSize;
      let w = 0;
      if (f > lo && f <= mid) w = (f - lo) / (mid - lo);
      else if (f > mid && f < hi) w = (hi - f) / (hi - mid);
      weights[m * B + k] = w;
    }
  }
  return { filters: M, bins: B, weights, centers: edges.slice(1, M + 1) };
}

/** out [M] = log(weights [M, B] · power [B] + floor). */
export function logMel(out: Float64Array, fb: MelFilterbank, power: Float64Array, floor = 1e-10): void {
  const B = fb.bins;
  for (let m = 0; m < fb.filters; m++) {
    let s = 0;
    for (let k = 0; k < B; k++) s += fb.weights[m * B + k] * power[k];
    out[m] = Math.log(s + floor);
  }
}

/** Orthonormal DCT-II of x [M], first C coefficients into out [C]. */
export function dct2(out: Float64Array, x: ArrayLike<number>, C = out.length): void {
  const M = x.length;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let m = 0; m < M; m++) s += x[m] * Math.cos((Math.PI * c * (m + 0.5)) / M);
    out[c] = s * Math.sqrt((c === 0 ? 1 : 2) / M);
  }
}
