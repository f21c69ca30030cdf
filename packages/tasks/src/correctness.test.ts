import { describe, expect, it } from 'vitest';
import { createRng } from '@carousel/lstm';
import { isCorrect, legalOnTop } from './correctness.ts';
import type { ExperimentId } from './experiments.ts';
import { EXPERIMENTS } from './experiments.ts';
import { createGenerator } from './generators.ts';
import type { TaskSequence } from './sequence.ts';
import { embeddedReber } from './reber.ts';
import { TASK_ERR } from './errors.ts';

/** Outputs equal to the targets (null where there is none). */
const perfect = (s: TaskSequence): (Float64Array | null)[] => s.targets.map((y) => (y === null ? null : Float64Array.from(y)));

/** `perfect` with `delta` added to output unit `k` at the last step. */
function nudgedAtEnd(s: TaskSequence, delta: number, k = 0): (Float64Array | null)[] {
  const out = perfect(s);
  out[out.length - 1]![k] += delta;
  return out;
}

const sample = (exp: ExperimentId, seed = 1): TaskSequence =>
  createGenerator(EXPERIMENTS.find((c) => c.exp === exp)!.task).next(createRng(seed));

describe('isCorrect', () => {
  it('accepts outputs equal to the targets for every end-of-sequence experiment', () => {
    for (const exp of ['2a', '2b', '2c', '3a', '3b', '4', '5', '6a', '6b'] as const) {
      expect([exp, isCorrect(exp, perfect(sample(exp)), sample(exp))]).toEqual([exp, true]);
    }
  });

  it('uses strict bounds 0.04 (Exp. 4, 5), 0.2 (2c, 3a, 3b), 0.3 (6) at the end', () => {
    const cases: [ExperimentId, number][] = [
      ['4', 0.04],
      ['5', 0.04],
      ['2c', 0.2],
      ['3a', 0.2],
      ['3b', 0.2],
      ['6a', 0.3],
      ['6b', 0.3],
    ];
    for (const [exp, bound] of cases) {
      const s = sample(exp);
      expect([exp, isCorrect(exp, nudgedAtEnd(s, -0.99 * bound), s)]).toEqual([exp, true]);
      expect([exp, isCorrect(exp, nudgedAtEnd(s, -1.01 * bound), s)]).toEqual([exp, false]);
    }
  });

  it('judges every output unit in Experiments 2c and 6, not just the class unit', () => {
    const s6 = sample('6b');
    const other = ((s6.meta as { cls: number }).cls + 1) % 8;
    expect(isCorrect('6b', nudgedAtEnd(s6, 0.31, other), s6)).toBe(false);
    const s2 = sample('2c');
    expect(isCorrect('2c', nudgedAtEnd(s2, 0.21, 1), s2) && isCorrect('2c', nudgedAtEnd(s2, 0.21, 0), s2)).toBe(false);
  });

  it('judges 2a at every step but 2b only at the end', () => {
    const a = sample('2a');
    const outA = perfect(a);
    outA[10]![0] += 0.3;
    expect(isCorrect('2a', outA, a)).toBe(false);
    const b = sample('2b');
    const outB = perfect(b);
    outB[10]![0] += 0.3;
    expect(isCorrect('2b', outB, b)).toBe(true);
    expect(isCorrect('2b', nudgedAtEnd(b, 0.3, 0), b)).toBe(false);
  });

  it('judges 3c against the noise-free target with an inclusive 0.1 bound, ignoring the noisy target', () => {
    const s = sample('3c');
    const clean = (s.meta as { cleanTarget: number }).cleanTarget;
    const at = (v: number): (Float64Array | null)[] => s.targets.map((_, t) => (t === s.targets.length - 1 ? Float64Array.of(v) : null));
    expect(isCorrect('3c', at(clean), s)).toBe(true);
    expect(isCorrect('3c', at(clean + 0.099), s)).toBe(true);
    expect(isCorrect('3c', at(clean + 0.11), s)).toBe(false);
    expect(s.targets[s.targets.length - 1]![0]).not.toBe(clean);
  });

  it('requires the legal Reber successors to be the top-ranked outputs at every step', () => {
    const s = embeddedReber().next(createRng(3));
    const meta = s.meta as { legalNext: Uint8Array };
    const legal = (): Float64Array[] =>
      Array.from(meta.legalNext, (m) => Float64Array.from({ length: 7 }, (_, k) => ((m >> k) & 1 ? 0.6 : 0.1)));
    expect(isCorrect('1', legal(), s)).toBe(true);
    // The one-hot targets put only one of two legal successors on top: not correct.
    expect(isCorrect('1', perfect(s), s)).toBe(false);
    const tied = legal();
    const t = meta.legalNext.findIndex((m) => m !== 0x7f);
    const illegal = [0, 1, 2, 3, 4, 5, 6].find((k) => !((meta.legalNext[t] >> k) & 1))!;
    tied[t][illegal] = 0.6;
    expect(isCorrect('1', tied, s)).toBe(false);
  });

  it('never calls NaN outputs correct', () => {
    const s = sample('4');
    expect(isCorrect('4', nudgedAtEnd(s, NaN), s)).toBe(false);
    expect(legalOnTop([NaN, 0, 0], 0b001)).toBe(false);
    expect(legalOnTop([1, 0, NaN], 0b001)).toBe(false);
  });

  it('throws on a sequence from another task and on a wrong number of step outputs', () => {
    const s = sample('4');
    expect(() => isCorrect('6a', perfect(s), s)).toThrow(TASK_ERR.TASK_MISMATCH);
    expect(() => isCorrect('4', perfect(s).slice(1), s)).toThrow(TASK_ERR.OUTPUTS);
    const out = perfect(s);
    out[out.length - 1] = null;
    expect(() => isCorrect('4', out, s)).toThrow(TASK_ERR.OUTPUTS);
  });
});
