// Probe of Experiment 2a at any p, by the runner's rule (per-step SGD at the row's α, the cell
// detached, output weights held at 0, until sequence ATTACH, then attached with its initial random
// weights): every 1000 sequences the run of consecutive correct sequences (max |error| of every
// output below 0.25 at every step), E_seq, the x/y outputs and the cell state at the end of the last
// x- and y-sequence, and the weights that matter; stops at 10,000 correct in a row (the ABS rule).
// G=sig4m2 (or tanh) replaces the paper's logistic cell input g in [0, 1] by g in [-2, 2]: not the
// paper's configuration, a probe of the one-signed drift (docs/paper-results.md, Exp. 2a).
// LOCAL=1: at the attach, the cell's weights to the outputs already learned (all but x and y) are set
// to 0 and held there, the paper's §4 remark for local output encodings ("preventing memory cells
// from perturbing already learned outputs can be done by simply setting the corresponding weights to
// zero"); with ZERO=1 the cell's weights to x and y start at 0 too. ALPHA=a replaces the row's α.
// Usage (repo root): [G=sig4m2] [LOCAL=1 [ZERO=1]] [ALPHA=a] [TRIAL=k] npx tsx docs/paper-results/probe-2a-p.ts [p=40] [sequences=20000] [attach=2500]
import { Rtrl97 } from '@carousel/lstm';
import { longLag2a, resolveExperiment, trialStreams } from '@carousel/tasks';
const LOCAL = process.env['LOCAL'] === '1';
const ZERO = process.env['ZERO'] === '1';
const p = Number(process.argv[2] ?? 40), total = Number(process.argv[3] ?? 20000), attachAt = Number(process.argv[4] ?? 2500);
const cfg = resolveExperiment('2a', p).config;
const streams = trialStreams(1, Number(process.env['TRIAL'] ?? 0));
const net = new Rtrl97({ ...cfg.net, ...(process.env['G'] ? { g: process.env['G'] as never } : {}), seed: streams.init.seed });
const s = net.newStream();
const gen = longLag2a({ p });
const { W_k, W_in, W_c } = net.layout;
const O = net.spec.outSources, K = net.spec.outputs;
const held = new Float64Array(K);
for (let k = 0; k < K; k++) { held[k] = net.params[W_k + k * O]!; net.params[W_k + k * O] = 0; }
const alpha = Number(process.env['ALPHA'] ?? cfg.alpha ?? 1);
const xK = p - 1, yK = p; // output index of x and y (a_1..a_{p-1}, x, y)
const isXY = (k: number): boolean => k === xK || k === yK;
let attached = false;
const last = { x: [0, 0, 0], y: [0, 0, 0] };
let run = 0; let runStart = 0;
for (let n = 1; n <= total; n++) {
  if (n === attachAt) { for (let k = 0; k < K; k++) net.params[W_k + k * O] = LOCAL && (ZERO || !isXY(k)) ? 0 : held[k]!; attached = true; }
  const seq = gen.next(streams.train);
  let E = 0;
  let maxErr = 0;
  const first = seq.inputs[0]![xK] === 1 ? 'x' : 'y';
  for (let t = 0; t < seq.inputs.length; t++) {
    const y = net.step(s, seq.inputs[t]!);
    const d = seq.targets[t];
    if (d === null || d === undefined) continue;
    for (let k = 0; k < K; k++) maxErr = Math.max(maxErr, Math.abs(y[k]! - d[k]!));
    if (t === seq.inputs.length - 1) last[first as 'x' | 'y'] = [y[xK]!, y[yK]!, s.s[0]!];
    E += net.learn(s, d);
    for (let k = 0; k < K; k++) if (!attached || (LOCAL && !isXY(k))) net.grad[W_k + k * O] = 0;
    for (let i = 0; i < net.params.length; i++) { net.params[i]! -= alpha * net.grad[i]!; net.grad[i] = 0; }
  }
  net.reset(s);
  if (maxErr < 0.25) { if (run++ === 0) runStart = n - 1; } else run = 0;
  if (run === 10_000) { console.log(`ABS: 10,000 in a row after ${runStart} sequences`); break; }
  if (n % 1000 === 0) {
    let meanIn = 0; for (let i = 0; i < p - 1; i++) meanIn += net.params[W_in + i]! / (p - 1);
    const f = (v: number): string => v.toFixed(2);
    console.log(`${n} run ${run} E ${E.toFixed(3)} | x-seq end: out x ${f(last.x[0]!)} y ${f(last.x[1]!)} s ${f(last.x[2]!)} | y-seq end: out x ${f(last.y[0]!)} y ${f(last.y[1]!)} s ${f(last.y[2]!)} | cell->x ${f(net.params[W_k + xK * O]!)} cell->y ${f(net.params[W_k + yK * O]!)} | in w[x] ${f(net.params[W_in + xK]!)} w[y] ${f(net.params[W_in + yK]!)} mean w[a] ${f(meanIn)} | c w[x] ${f(net.params[W_c + xK]!)} w[y] ${f(net.params[W_c + yK]!)}`);
  }
}
