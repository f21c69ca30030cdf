import { describe, expect, it } from 'vitest';
import { createRng } from '@carousel/lstm';
import { EXPERIMENTS } from './experiments.ts';
import type { TaskSpec } from './experiments.ts';
import { createGenerator } from './generators.ts';
import type { TaskSequence } from './sequence.ts';

/** One spec per distinct generator, small parameters so the test stays fast. */
const SPECS: TaskSpec[] = [
  { kind: 'reber', trainSize: 256, testSize: 256 },
  { kind: 'longlag', variant: '2a', p: 20 },
  { kind: 'longlag', variant: '2b', p: 20 },
  { kind: 'longlag', variant: '2c', p: 20, q: 20 },
  { kind: 'noise-signal', variant: '3a', T: 100, N: 3 },
  { kind: 'noise-signal', variant: '3b', T: 100, N: 3 },
  { kind: 'noise-signal', variant: '3c', T: 100, N: 1 },
  { kind: 'adding', T: 100 },
  { kind: 'multiplication', T: 100 },
  { kind: 'temporal-order', variant: '6a' },
  { kind: 'temporal-order', variant: '6b' },
];

/** A plain, comparable copy of a sequence. */
const plain = (s: TaskSequence): unknown => ({
  inputs: s.inputs.map((v) => Array.from(v)),
  targets: s.targets.map((v) => (v === null ? null : Array.from(v))),
  meta: JSON.parse(JSON.stringify(s.meta, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v))),
});

const draw = (spec: TaskSpec, rngSeed: number, fork: number, n = 5): unknown[] => {
  const gen = createGenerator(spec);
  const rng = createRng(rngSeed).fork(fork);
  return Array.from({ length: n }, () => plain(gen.next(rng)));
};

describe('determinism', () => {
  for (const spec of SPECS) {
    const name = JSON.stringify(spec);
    it(`gives identical sequences for the same seed and fork: ${name}`, () => {
      expect(draw(spec, 5, 1)).toEqual(draw(spec, 5, 1));
    });
    it(`gives different sequences for a different fork: ${name}`, () => {
      expect(draw(spec, 5, 1)).not.toEqual(draw(spec, 5, 2));
    });
  }

  it('covers every task kind the experiment configs use', () => {
    const kinds = new Set(EXPERIMENTS.map((c) => JSON.stringify([c.task.kind, 'variant' in c.task ? c.task.variant : ''])));
    const covered = new Set(SPECS.map((s) => JSON.stringify([s.kind, 'variant' in s ? s.variant : ''])));
    for (const k of kinds) expect(covered.has(k)).toBe(true);
  });
});
