// Probe of Experiment 2a (p = 100) with the paper's config and trial 0 of seed 1: trains one net
// by the runner's rule (per-step SGD, α = 1), with the cell detached (output weights held at 0)
// until sequence ATTACH, and prints every 500 sequences E_seq, the largest output error and its
// step, the cell state at the end, and the weights that matter. docs/paper-results.md, Exp. 2a.
// Usage (repo root): npx tsx docs/paper-results/probe-2a.ts [sequences=8000] [attach=4000]
// ZERO=1 attaches the cell with output weights 0 instead of their initial random values.
import { Rtrl97 } from '@carousel/lstm';
import { experimentById, longLag2a, trialStreams } from '@carousel/tasks';

const cfg = experimentById('2a/p100');
if (cfg === undefined) throw new Error('2a/p100 missing');
const streams = trialStreams(1, 0);
const net = new Rtrl97({ ...cfg.net, seed: streams.init.seed });
const s = net.newStream();
const gen = longLag2a({ p: 100 });
const { W_k, W_in, W_c } = net.layout;
const O = net.spec.outSources;
const K = net.spec.outputs;
const held = new Float64Array(K);
for (let k = 0; k < K; k++) {
  held[k] = net.params[W_k + k * O]!;
  net.params[W_k + k * O] = 0;
}
let attached = false;
const total = Number(process.argv[2] ?? 8000);
const attachAt = Number(process.argv[3] ?? 4000);
for (let n = 1; n <= total; n++) {
  if (n === attachAt) {
    for (let k = 0; k < K; k++) net.params[W_k + k * O] = process.env['ZERO'] === '1' ? 0 : held[k]!;
    attached = true;
  }
  const seq = gen.next(streams.train);
  let E = 0;
  let maxErr = 0;
  let maxAt = -1;
  for (let t = 0; t < seq.inputs.length; t++) {
    const y = net.step(s, seq.inputs[t]!);
    const d = seq.targets[t];
    if (d === null || d === undefined) continue;
    for (let k = 0; k < K; k++) {
      const e = Math.abs(y[k]! - d[k]!);
      if (e > maxErr) [maxErr, maxAt] = [e, t];
    }
    E += net.learn(s, d);
    if (!attached) for (let k = 0; k < K; k++) net.grad[W_k + k * O] = 0;
    for (let i = 0; i < net.params.length; i++) {
      net.params[i]! -= net.grad[i]!;
      net.grad[i] = 0;
    }
  }
  const sEnd = s.s[0]!;
  net.reset(s);
  if (n % 500 === 0) {
    let meanInA = 0;
    for (let i = 0; i < 99; i++) meanInA += net.params[W_in + i]! / 99;
    const f = (x: number): string => x.toFixed(2);
    console.log(
      `${n} E ${E.toFixed(3)} maxErr ${maxErr.toFixed(3)} at step ${maxAt} s_end ${f(sEnd)}` +
        ` | cell->x ${f(net.params[W_k + 99 * O]!)} cell->y ${f(net.params[W_k + 100 * O]!)}` +
        ` | in-gate w[x] ${f(net.params[W_in + 99]!)} w[y] ${f(net.params[W_in + 100]!)} mean w[a_i] ${f(meanInA)}` +
        ` | cell w[x] ${f(net.params[W_c + 99]!)} w[y] ${f(net.params[W_c + 100]!)}`,
    );
  }
}
