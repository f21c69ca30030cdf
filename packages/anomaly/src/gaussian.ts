// The Gaussian tail function Q(z) = P(Z > z) for the anomaly-likelihood stage. Scalar, allocation
// free. Not a general special-functions module: it needs a small *relative* error far into the
// tail (the log-likelihood is the log of Q), which erfc's Chebyshev fit gives and 1 - erf does not.

/**
 * erfc(x) by the Chebyshev fit of Numerical Recipes (erfcc): fractional error below 1.2e-7 for
 * every x, so Q keeps that relative accuracy down to where it underflows (z near 38).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}

/** Upper tail of the standard normal, Q(z) = P(Z > z) = erfc(z / sqrt 2) / 2, in [0, 1]. */
export function gaussianTail(z: number): number {
  return 0.5 * erfc(z * Math.SQRT1_2);
}
