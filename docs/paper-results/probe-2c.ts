// Probe of Experiment 2c (q = p = 100) with the paper's config and trial 0 of seed 1: runs five
// training sequences through the untrained net (no learning) and prints both cells' states s and
// the two outputs every 25 steps. docs/paper-results.md, Exp. 2c: the state drift at init.
// Usage (repo root): npx tsx docs/paper-results/probe-2c.ts
import { Rtrl97 } from '@carousel/lstm';
import { experimentById, longLag2c, trialStreams } from '@carousel/tasks';

const cfg = experimentById('2c/q100-p100');
if (cfg === undefined) throw new Error('2c/q100-p100 missing');
const streams = trialStreams(1, 0);
const net = new Rtrl97({ ...cfg.net, seed: streams.init.seed });
const s = net.newStream();
const gen = longLag2c({ p: 100, q: 100 });
const f = (v: ArrayLike<number>, d: number): string => Array.from(v, (x) => x.toFixed(d)).join(', ');
for (let n = 0; n < 5; n++) {
  const seq = gen.next(streams.train);
  const L = seq.inputs.length;
  const trace: string[] = [];
  for (let t = 0; t < L; t++) {
    const y = net.predict(s, seq.inputs[t]!);
    if (t % 25 === 0 || t === L - 1) trace.push(`t${t}: s=[${f(s.s, 2)}] y=[${f(y, 3)}]`);
  }
  net.reset(s);
  console.log(`length ${L} | ${trace.join(' | ')}`);
}
