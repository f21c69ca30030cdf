// Learner.forgetTargets: a copy of a stream whose TBPTT window is due (errors recorded by learn(),
// backward not run yet) steps forward like the original would, and adds no gradient.

import { describe, expect, it } from 'vitest';
import type { Learner, StreamState } from './learner.ts';
import { tbptt97 } from './lstm97-tbptt.ts';
import { copyStream } from './stream-state.ts';
import { tbptt } from './tbptt.ts';

const learners: [string, () => Learner<StreamState>][] = [
  ['vanilla tbptt(4,8)', () => tbptt({ inputs: 2, outputs: 1, hidden: 5, cell: 'vanilla', seed: 2 }, 4, 8) as unknown as Learner<StreamState>],
  ['1997 cell tbptt(3,6)', () => tbptt97({ inputs: 2, outputs: 1, blocks: 2, cellsPerBlock: 1, forgetGate: true, head: 'linear', seed: 4 }, 3, 6) as unknown as Learner<StreamState>],
];

describe('Learner.forgetTargets', () => {
  for (const [name, make] of learners) {
    it(`${name}: a forecast copy with a due window runs no backward and forecasts what the original steps to`, () => {
      const net = make();
      const s = net.newStream();
      const x = (t: number): number[] => [Math.sin(t / 3), 1];
      // Steps with targets; after some step() the window is due: k1 steps pending, the last one's
      // target not given yet, so the next step() would run the backward pass.
      let due = -1;
      for (let t = 0; t < 40; t++) {
        net.step(s, x(t));
        if (t >= 20) {
          const probe = copyStream(net.newStream(), s);
          const g0 = Float64Array.from(net.grad);
          net.step(probe, x(t + 1));
          const added = net.grad.some((v, i) => v !== g0[i]);
          net.grad.set(g0);
          if (added) {
            due = t + 1;
            break;
          }
        }
        net.learn(s, [Math.sin((t + 1) / 3)]);
      }
      expect(due).toBeGreaterThanOrEqual(0);
      net.grad.fill(0);
      const copy = copyStream(net.newStream(), s);
      net.forgetTargets!(copy);
      const yCopy = Float64Array.from(net.step(copy, x(due)));
      for (let k = 1; k < 10; k++) net.step(copy, x(due + k)); // a long rollout: no window of its own either
      expect(net.grad.every((v) => v === 0)).toBe(true);
      expect(net.gradReady(copy)).toBe(false);
      // The original steps to the same output (and runs its due window).
      const yOrig = Float64Array.from(net.step(s, x(due)));
      expect(Array.from(yCopy)).toEqual(Array.from(yOrig));
      expect(net.grad.some((v) => v !== 0)).toBe(true);
    });
  }
});
