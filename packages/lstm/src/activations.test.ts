// squashWithPrime (one exp or tanh for a squash and its derivative) against squash and squashPrime.

import { describe, expect, it } from 'vitest';
import { squash, squashPrime, squashWithPrime, type Squash } from './activations.ts';

describe('squashWithPrime', () => {
  const kinds: Squash[] = ['sig4m2', 'sig2m1', 'sigmoid', 'tanh', 'identity'];
  const xs = [0, -0, 1e-300, -3.7, 2.5, 40, -745, 800, -800, ...Array.from({ length: 2000 }, (_, i) => Math.sin(i * 1.37) * (1 + (i % 13)))];
  for (const kind of kinds) {
    it(`${kind}: the value and the derivative have the bits of squash and squashPrime`, () => {
      const prime = new Float64Array(3);
      const bad: number[] = [];
      for (const x of xs) {
        const v = squashWithPrime(kind, x, prime, 2);
        if (!Object.is(v, squash(kind, x)) || !Object.is(prime[2], squashPrime(kind, x))) bad.push(x);
      }
      expect(bad).toEqual([]);
    });
  }
});
