// The input stream every contender learns: X phase-shifted sines of one period-32 wave, target
// the wave one step ahead. Precomputed over 1024 steps (exactly 32 periods, so it wraps
// seamlessly); steps index it modulo its length, so the timed loops allocate nothing.
//
// Dimensions: T = 1024 steps, X inputs.

export const SINE_PERIOD = 32;
export const SINE_STEPS = 1024;

export interface SineStream {
  readonly X: number;
  /** (T, X) x(t)_k = sin(2π t / 32 + 0.5 k), as float64. */
  readonly x: Float64Array;
  /** (T, X) the same, float32 (tfjs, brain.js). */
  readonly x32: Float32Array;
  /** (T) target for step t: sin(2π (t+1) / 32). */
  readonly d: Float64Array;
  /** Row t of x (a view), t taken modulo T. */
  row(t: number): Float64Array;
  row32(t: number): Float32Array;
}

export function sineStream(X: number): SineStream {
  const x = new Float64Array(SINE_STEPS * X);
  const d = new Float64Array(SINE_STEPS);
  const w = (2 * Math.PI) / SINE_PERIOD;
  for (let t = 0; t < SINE_STEPS; t++) {
    for (let k = 0; k < X; k++) x[t * X + k] = Math.sin(w * t + 0.5 * k);
    d[t] = Math.sin(w * (t + 1));
  }
  const x32 = Float32Array.from(x);
  const rows = Array.from({ length: SINE_STEPS }, (_, t) => x.subarray(t * X, (t + 1) * X));
  const rows32 = Array.from({ length: SINE_STEPS }, (_, t) => x32.subarray(t * X, (t + 1) * X));
  return {
    X, x, x32, d,
    row: (t) => rows[t % SINE_STEPS]!,
    row32: (t) => rows32[t % SINE_STEPS]!,
  };
}
