import { describe, expect, it } from 'vitest';
import { createRng } from '@carousel/lstm';
import { TEMPORAL_ORDER_SYMBOLS, TEMPORAL_ORDER_WINDOWS, temporalOrder } from './temporal-order.ts';
import { argmax } from './sequence.ts';

const CLASS_6A: Record<string, string> = { XX: 'Q', XY: 'R', YX: 'S', YY: 'U' };
const CLASS_6B: Record<string, string> = {
  XXX: 'Q', XXY: 'R', XYX: 'S', XYY: 'U', YXX: 'V', YXY: 'A', YYX: 'B', YYY: 'C',
};

for (const variant of ['6a', '6b'] as const) {
  describe(`Experiment ${variant}, temporal order`, () => {
    const K = variant === '6a' ? 4 : 8;
    const table = variant === '6a' ? CLASS_6A : CLASS_6B;
    const order = Object.values(table); // output unit order

    it('starts with E, ends with the trigger B, has L in [100, 110] and X/Y only at the 1-based relevant positions', () => {
      const gen = temporalOrder({ variant });
      expect([gen.inputs, gen.outputs]).toEqual([8, K]);
      const rng = createRng(variant === '6a' ? 1 : 2);
      const lengths = new Set<number>();
      const posSeen = TEMPORAL_ORDER_WINDOWS[variant].map(() => new Set<number>());
      for (let i = 0; i < 2000; i++) {
        const s = gen.next(rng);
        const L = s.inputs.length;
        lengths.add(L);
        const letters = s.inputs.map((v) => TEMPORAL_ORDER_SYMBOLS[argmax(v)]).join('');
        expect(letters).toBe(s.meta.symbols);
        expect(letters[0]).toBe('E');
        expect(letters[L - 1]).toBe('B');
        s.meta.positions.forEach((t, j) => {
          const [lo, hi] = TEMPORAL_ORDER_WINDOWS[variant][j];
          expect(t).toBeGreaterThanOrEqual(lo);
          expect(t).toBeLessThanOrEqual(hi);
          expect(letters[t - 1]).toBe(s.meta.relevant[j]);
          posSeen[j].add(t);
        });
        const xy = [...letters].flatMap((c, k) => (c === 'X' || c === 'Y' ? [k + 1] : []));
        expect(xy).toEqual(s.meta.positions);
        expect(/^E[abcdXY]+B$/.test(letters)).toBe(true);
        expect(L - s.meta.positions[s.meta.positions.length - 1]).toBeGreaterThanOrEqual(variant === '6a' ? 40 : 24);
      }
      expect([Math.min(...lengths), Math.max(...lengths)]).toEqual([100, 110]);
      for (const seen of posSeen) expect(seen.size).toBe(11); // every position of each window occurs
    });

    it('maps the relevant symbols to the class one-hot in the paper\'s order, at the last step only', () => {
      const gen = temporalOrder({ variant });
      const rng = createRng(variant === '6a' ? 3 : 4);
      const classes = new Set<string>();
      for (let i = 0; i < 1000; i++) {
        const s = gen.next(rng);
        const L = s.inputs.length;
        expect(s.meta.className).toBe(table[s.meta.relevant]);
        expect(s.meta.cls).toBe(order.indexOf(s.meta.className));
        expect(s.targets.slice(0, L - 1).every((y) => y === null)).toBe(true);
        expect(Array.from(s.targets[L - 1]!)).toEqual(order.map((_, k) => (k === s.meta.cls ? 1 : 0)));
        classes.add(s.meta.className);
      }
      expect(classes.size).toBe(K);
    });
  });
}
