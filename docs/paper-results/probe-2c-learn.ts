// Probe of Experiment 2c (q = p = 100), trial 0 of seed 1, learning by the runner's rule (SGD at the
// sequence end, α = ALPHA, default the paper's 0.01): every 2,000 sequences the mean E_seq, the mean
// gradient norm, the cells' final states and the weights that carry x vs y (input indices 102, 103).
// docs/paper-results.md, Exp. 2c. Usage (repo root): npx tsx docs/paper-results/probe-2c-learn.ts [sequences=20000]
import { Rtrl97 } from '@carousel/lstm';
import { experimentById, longLag2c, trialStreams } from '@carousel/tasks';
const cfg = experimentById('2c/q100-p100');
if (cfg === undefined) throw new Error('2c/q100-p100 missing');
const st = trialStreams(1, 0);
const net = new Rtrl97({ ...cfg.net, seed: st.init.seed });
const s = net.newStream();
const gen = longLag2c({ p: 100, q: 100 });
const { W_c, W_k } = net.layout;
const zC = net.spec.zCell;
const O = net.spec.outSources;
const alpha = Number(process.env.ALPHA ?? 0.01);
let Esum = 0, gsum = 0;
for (let n = 1; n <= Number(process.argv[2] ?? 20000); n++) {
  const seq = gen.next(st.train);
  for (let t = 0; t < seq.inputs.length; t++) {
    net.step(s, seq.inputs[t]!);
    const d = seq.targets[t];
    if (d) Esum += net.learn(s, d);
  }
  let g2 = 0; for (let i = 0; i < net.grad.length; i++) { g2 += net.grad[i]! ** 2; net.params[i]! -= alpha * net.grad[i]!; net.grad[i] = 0; }
  gsum += Math.sqrt(g2);
  const sEnd = Array.from(s.s);
  net.reset(s);
  if (n % 2000 === 0) {
    // x = index p+2 = 102, y = 103 in the input one-hot
    const wc = (cell: number, i: number) => net.params[W_c + cell * zC + i]!.toFixed(3);
    const wk = (k: number, v: number) => net.params[W_k + k * O + v]!.toFixed(3);
    console.log(n, 'E', (Esum / 2000).toFixed(4), '|grad|', (gsum / 2000).toExponential(2), 's_end', sEnd.map(v => v.toFixed(2)).join(','), 'cell1 w_c[x],[y]', wc(1, 102), wc(1, 103), 'cell0', wc(0, 102), wc(0, 103), 'W_k', wk(0,0), wk(0,1), wk(1,0), wk(1,1));
    Esum = 0; gsum = 0;
  }
}
