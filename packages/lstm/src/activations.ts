// Squashing functions of LSTM-SPEC section 0 and their derivatives, written in terms of the
// function's own output where that is how the backward passes use them.
// f = logistic (gates), g = 4f-2 in [-2,2] (1997 cell input), h = 2f-1 in [-1,1] (1997 cell output).

/** Numerically stable logistic: for x < 0 use e^x / (1 + e^x). */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Squashing function kinds a cell can use for its input (g) and output (h) nonlinearity. */
export type Squash = 'sig4m2' | 'sig2m1' | 'sigmoid' | 'tanh' | 'identity';

/** y = squash(x). */
export function squash(kind: Squash, x: number): number {
  switch (kind) {
    case 'sig4m2':
      return 4 * sigmoid(x) - 2;
    case 'sig2m1':
      return 2 * sigmoid(x) - 1;
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return Math.tanh(x);
    case 'identity':
      return x;
  }
}

/** d squash(x) / dx, from x (not from the output: sig4m2 and sig2m1 need f(x)). */
export function squashPrime(kind: Squash, x: number): number {
  switch (kind) {
    case 'sig4m2': {
      const f = sigmoid(x);
      return 4 * f * (1 - f);
    }
    case 'sig2m1': {
      const f = sigmoid(x);
      return 2 * f * (1 - f);
    }
    case 'sigmoid': {
      const f = sigmoid(x);
      return f * (1 - f);
    }
    case 'tanh': {
      const t = Math.tanh(x);
      return 1 - t * t;
    }
    case 'identity':
      return 1;
  }
}

/** The function a squash is an affine map of: sigmoid for the logistic kinds, tanh, or none. */
export type SquashBase = 'sigmoid' | 'tanh' | 'identity';

/** squash(kind, x) is squashFromBase(kind, f) with f = the base function of x (sigmoid, Math.tanh, or x itself). */
export function squashBase(kind: Squash): SquashBase {
  return kind === 'tanh' ? 'tanh' : kind === 'identity' ? 'identity' : 'sigmoid';
}

/** squash(kind, x) from f = base(x) (squashBase): the same operations after f, so the same bits. */
export function squashFromBase(kind: Squash, f: number): number {
  switch (kind) {
    case 'sig4m2':
      return 4 * f - 2;
    case 'sig2m1':
      return 2 * f - 1;
    default:
      return f; // sigmoid, tanh, identity
  }
}

/** squashPrime(kind, x) from f = base(x) (squashBase): the same operations after f, so the same bits. */
export function squashPrimeFromBase(kind: Squash, f: number): number {
  switch (kind) {
    case 'sig4m2':
      return 4 * f * (1 - f);
    case 'sig2m1':
      return 2 * f * (1 - f);
    case 'sigmoid':
      return f * (1 - f);
    case 'tanh':
      return 1 - f * f;
    case 'identity':
      return 1;
  }
}
