// Learner.forgetTargets: a copy of a stream whose TBPTT window is due (errors recorded by learn(),
// backward not run yet) steps forward like the original would, and adds no gradient.
// Learner.copyForForecast: the same from a copy of the state alone, into a stream that held
// another stream's history before, bit for bit as the whole copy (copyStream + forgetTargets).

import { describe, expect, it } from 'vitest';
import type { Learner, StreamState } from './learner.ts';
import { tbptt97 } from './lstm97-tbptt.ts';
import { copyStream } from './stream-state.ts';
import { tbptt, type RecurrentLearner } from './tbptt.ts';

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

const recurrent: [string, () => RecurrentLearner][] = [
  ['vanilla tbptt(4,8)', () => tbptt({ inputs: 2, outputs: 1, hidden: 5, cell: 'vanilla', seed: 2 }, 4, 8)],
  ['cifg tbptt(3,8), softmax head', () => tbptt({ inputs: 2, outputs: 3, hidden: 4, cell: 'cifg', head: 'softmax', seed: 3 }, 3, 8)],
  ['gru tbptt(4,6)', () => tbptt({ inputs: 2, outputs: 1, hidden: 5, cell: 'gru', seed: 5 }, 4, 6)],
  ['stacked [6, 5] vanilla, peepholes, tbptt(2,5)', () => tbptt({ inputs: 2, outputs: 2, hidden: [6, 5], cell: 'vanilla', peepholes: true, seed: 6 }, 2, 5)],
];

describe('Learner.copyForForecast', () => {
  for (const [name, make] of recurrent) {
    it(`${name}: stepping the state copy gives the whole copy's bits, adds no gradient, leaves the source as it was`, () => {
      const net = make();
      const K = net.outputs;
      const x = (t: number): number[] => [Math.sin(t / 3), Math.cos(t / 5)];
      const d = (t: number): number[] => (K === 1 ? [Math.sin(t / 4)] : Array.from({ length: K }, (_, k) => (k === t % K ? 1 : 0)));
      const other = net.newStream();
      for (let t = 0; t < 23; t++) {
        net.step(other, x(t + 50));
        net.learn(other, d(t + 50));
      }
      const s = net.newStream();
      const whole = net.newStream();
      const scratch = copyStream(net.newStream(), other); // a scratch that held another stream's history
      for (let t = 0; t < 30; t++) {
        net.step(s, x(t));
        net.learn(s, d(t)); // windows due at various points of the 30 steps
        if (t < 8) continue;
        net.grad.fill(0);
        const before = copyStream(net.newStream(), s);
        copyStream(whole, s);
        net.forgetTargets!(whole);
        net.copyForForecast(scratch, s);
        for (let k = 0; k < 7; k++) { // a rollout longer than k1
          const yw = Array.from(net.step(whole, x(t + 1 + k)));
          const ys = Array.from(net.step(scratch, x(t + 1 + k)));
          expect(ys).toEqual(yw);
        }
        expect(net.grad.every((v) => v === 0)).toBe(true);
        expect(net.gradReady(scratch)).toBe(false);
        expect(JSON.stringify(snapshot(s))).toBe(JSON.stringify(snapshot(before)));
      }
    });
  }
});

/** The stream's fields as plain arrays, for a comparison of every value. */
function snapshot(s: object): unknown {
  return JSON.parse(JSON.stringify(s, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)));
}
