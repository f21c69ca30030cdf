// squashFromBase / squashPrimeFromBase (a squash and its derivative from the base function's value,
// computed once: what lstm97Cells does with the nets squashed in bulk) against squash and squashPrime.

import { describe, expect, it } from 'vitest';
import { sigmoid, squash, squashBase, squashFromBase, squashPrime, squashPrimeFromBase, type Squash } from './activations.ts';

describe('squashFromBase and squashPrimeFromBase', () => {
  const kinds: Squash[] = ['sig4m2', 'sig2m1', 'sigmoid', 'tanh', 'identity'];
  const xs = [0, -0, 1e-300, -3.7, 2.5, 40, -745, 800, -800, ...Array.from({ length: 2000 }, (_, i) => Math.sin(i * 1.37) * (1 + (i % 13)))];
  const base = (kind: Squash, x: number): number => {
    const b = squashBase(kind);
    return b === 'sigmoid' ? sigmoid(x) : b === 'tanh' ? Math.tanh(x) : x;
  };
  for (const kind of kinds) {
    it(`${kind}: the value and the derivative have the bits of squash and squashPrime`, () => {
      const bad: number[] = [];
      for (const x of xs) {
        const f = base(kind, x);
        if (!Object.is(squashFromBase(kind, f), squash(kind, x)) || !Object.is(squashPrimeFromBase(kind, f), squashPrime(kind, x))) bad.push(x);
      }
      expect(bad).toEqual([]);
    });
  }
});
