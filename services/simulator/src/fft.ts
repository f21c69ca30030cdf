// Spectral kernels for the audio features: an in-place radix-2 complex FFT, the power spectrum of
// a real frame, and the Hann window. Pure functions over typed arrays; N must be a power of two.
// Not a DSP library: no other sizes, no inverse real transform.
//
// Dimension letters: N frame length (power of two), B = N/2 + 1 spectrum bins.

/** True for 1, 2, 4, 8, ... */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** In-place iterative radix-2 decimation-in-time FFT of (re, im), both [N]. */
export function fft(re: Float64Array, im: Float64Array): void {
  const N = re.length;
  if (!isPowerOfTwo(N) || im.length !== N) throw new RangeError(`fft size must be a power of two with re and im of equal length, got ${N}`);
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < N; i++) {
    let bit = N >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= N; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < N; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/** Periodic Hann window [N]: w(n) = 0.5 - 0.5 cos(2πn/N). */
export function hann(N: number): Float64Array {
  const w = new Float64Array(N);
  for (let n = 0; n < N; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N);
  return w;
}

/**
 * Power spectrum |X(k)|² for k in [0, N/2] of the real frame times the window.
 * out [B], frame [N], window [N], scratch re/im [N] each.
 */
export function powerSpectrum(out: Float64Array, frame: ArrayLike<number>, window: Float64Array, re: Float64Array, im: Float64Array): void {
  const N = window.length;
  for (let n = 0; n < N; n++) {
    re[n] = frame[n] * window[n];
    im[n] = 0;
  }
  fft(re, im);
  for (let k = 0; k <= N / 2; k++) out[k] = re[k] * re[k] + im[k] * im[k];
}
