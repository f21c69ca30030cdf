// Gradient clipping over the one flat gradient buffer: global L2 norm and per-value clamps.
// The optimizer does not call the in-place versions: it folds the same factors into its single
// update loop so that a refused step leaves `grad` untouched too. These are the reference
// definitions (and a convenience for callers who clip by hand).
//
// Order, everywhere in this package: g_i = clampValue(scale * grad_i), then the whole vector is
// multiplied by clipFactor(||g||_2, maxNorm). Non-finite entries are not repaired here; the
// optimizer's guard refuses them.

/**
 * x clamped into [-cv, cv] (cv > 0, Infinity for none); NaN stays NaN and -0 stays -0: the bits of
 * `x > cv ? cv : x < -cv ? -cv : x`. Written with Math.min/max because V8 boxes the ternary's
 * result in a loop where cv may be the constant Infinity (a heap number per element: a 4.5K-weight
 * gradient norm allocated ~28 KB and ran 3x slower).
 */
export function clampAbs(x: number, cv: number): number {
  return Math.min(Math.max(x, -cv), cv);
}

/**
 * ||clampValue(scale * grad)||_2. `clipValue` <= 0 means no clamp. Overflow-safe: if the plain sum
 * of squares overflows while every entry is finite, the norm is recomputed with max-abs scaling.
 * Returns NaN or Infinity if some entry is non-finite.
 */
export function gradNorm(grad: Float64Array, scale = 1, clipValue = 0): number {
  const cv = clipValue > 0 ? clipValue : Infinity;
  const n = grad.length;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const g = clampAbs(grad[i] * scale, cv);
    ss += g * g;
  }
  if (Number.isFinite(ss)) return Math.sqrt(ss);
  // Either a non-finite entry, or finite entries whose squares overflow.
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const g = clampAbs(grad[i] * scale, cv);
    if (!Number.isFinite(g)) return Number.isNaN(g) ? NaN : Infinity;
    const a = Math.abs(g);
    if (a > maxAbs) maxAbs = a;
  }
  ss = 0;
  for (let i = 0; i < n; i++) {
    const g = clampAbs(grad[i] * scale, cv);
    const r = g / maxAbs;
    ss += r * r;
  }
  return maxAbs * Math.sqrt(ss);
}

/** The factor that brings a vector of norm `norm` down to at most `maxNorm`; 1 if `maxNorm` <= 0 (off). */
export function clipFactor(norm: number, maxNorm: number): number {
  if (!(maxNorm > 0) || !(norm > maxNorm)) return 1;
  return maxNorm / norm;
}

/** Clamps every entry of `grad` into [-clipValue, clipValue] in place. */
export function clipByValue(grad: Float64Array, clipValue: number): void {
  for (let i = 0; i < grad.length; i++) {
    const g = grad[i];
    if (g > clipValue) grad[i] = clipValue;
    else if (g < -clipValue) grad[i] = -clipValue;
  }
}

/** Scales `grad` in place so that its L2 norm is at most `maxNorm`; returns the norm before clipping. */
export function clipByGlobalNorm(grad: Float64Array, maxNorm: number): number {
  const norm = gradNorm(grad);
  const f = clipFactor(norm, maxNorm);
  if (f !== 1) for (let i = 0; i < grad.length; i++) grad[i] *= f;
  return norm;
}
