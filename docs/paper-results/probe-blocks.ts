// Probe of what the memory blocks do while a 1997 net learns one of the end-of-sequence tasks with
// relevant steps (6a, 6b: the X/Y positions; 4, 5: the two marked steps). One trial of seed 1 by the
// runner's rule (the row's net and α, SGD at the sequence end, reset after every sequence; the same
// initial weights and training sequences as `carousel paper <row> --first-trial K`, so the same
// trajectory). Every REPORT sequences, over those sequences: the mean E_seq; the share correct by the
// row's rule; for Exp. 6 how often the most active output's class has the right first, second (and
// third) relevant symbol (which symbols the net has stored); per block the mean input gate at the
// relevant steps | at the other steps, and its cells' mean |s| at the sequence end (|s| ≫ 1 puts
// h'(s) ≈ 0: that cell passes no error any more). docs/paper-results.md, 6b and 4.
// Usage (repo root): npx tsx docs/paper-results/probe-blocks.ts <row, e.g. 6b or 4/T500> [trial=0]
// [sequences=300000] [report=20000]
import { Rtrl97 } from '@carousel/lstm';
import { argmax, createGenerator, isCorrect, resolveExperiment, trialStreams } from '@carousel/tasks';

const row = process.argv[2] ?? '6b';
const trial = Number(process.argv[3] ?? 0);
const total = Number(process.argv[4] ?? 300000);
const REPORT = Number(process.argv[5] ?? 20000);
const cfg = resolveExperiment(row).config;
const st = trialStreams(1, trial);
const net = new Rtrl97({ ...cfg.net, seed: st.init.seed });
const s = net.newStream();
const gen = createGenerator(cfg.task);
const { blocks: C, cells: N } = net.spec;
const S = N / C;
const alpha = cfg.alpha;
const order = cfg.task.kind === 'temporal-order' ? (cfg.task.variant === '6a' ? 2 : 3) : 0;

/** 0-based steps whose input matters. */
function relevantSteps(meta: unknown): number[] {
  const m = meta as { task: string; positions?: readonly number[]; p1?: number; p2?: number };
  if (m.positions !== undefined) return m.positions.map((t) => t - 1);
  if (m.p1 !== undefined && m.p2 !== undefined) return [m.p1, m.p2];
  throw new Error(`no relevant steps in a ${m.task} sequence`);
}

let E = 0, ok = 0, nRel = 0, nOther = 0;
const bits = new Array<number>(order).fill(0);
const gateRel = new Float64Array(C), gateOther = new Float64Array(C), sEnd = new Float64Array(N);
for (let n = 1; n <= total; n++) {
  const seq = gen.next(st.train);
  const L = seq.inputs.length;
  const rel = relevantSteps(seq.meta);
  const outs = new Array<Float64Array | null>(L).fill(null);
  for (let t = 0; t < L; t++) {
    const y = net.step(s, seq.inputs[t]!);
    const isRel = rel.includes(t);
    for (let j = 0; j < C; j++) (isRel ? gateRel : gateOther)[j] += s.yIn[j]!;
    if (isRel) nRel++;
    else nOther++;
    const d = seq.targets[t];
    if (d) {
      outs[t] = Float64Array.from(y);
      E += net.learn(s, d);
    }
  }
  if (isCorrect(cfg.exp, outs, seq)) ok++;
  if (order > 0) {
    const cls = (seq.meta as { cls: number }).cls;
    const guess = argmax(outs[L - 1]!);
    for (let b = 0; b < order; b++) if (((guess >> (order - 1 - b)) & 1) === ((cls >> (order - 1 - b)) & 1)) bits[b]++;
  }
  for (let v = 0; v < N; v++) sEnd[v] += Math.abs(s.s[v]!);
  for (let i = 0; i < net.grad.length; i++) {
    net.params[i] -= alpha * net.grad[i]!;
    net.grad[i] = 0;
  }
  net.reset(s);
  if (n % REPORT === 0) {
    const pct = (v: number): string => ((100 * v) / REPORT).toFixed(1);
    const blocks = Array.from({ length: C }, (_, j) => {
      const cells = Array.from({ length: S }, (_, c) => (sEnd[j * S + c]! / REPORT).toFixed(1)).join('/');
      return `b${j} in ${(gateRel[j]! / nRel).toFixed(3)}|${(gateOther[j]! / nOther).toFixed(3)} |s| ${cells}`;
    }).join('  ');
    const sym = order > 0 ? ` symbols ${bits.map(pct).join('/')}%` : '';
    console.log(`${n} E ${(E / REPORT).toFixed(4)} ok ${pct(ok)}%${sym}  ${blocks}`);
    E = ok = nRel = nOther = 0;
    bits.fill(0);
    gateRel.fill(0);
    gateOther.fill(0);
    sEnd.fill(0);
  }
}
