// Probe of Experiment 1 (row 1/3x2/a0.5): the paper's net and protocol with one detail changed at a
// time, none of them the paper's configuration, to see which (if any) brings the success rate to the
// paper's 100 % (docs/paper-results.md, "Exp. 1 and 4: audit"). Trials 0..N-1 of seed 1, the paper's
// budget unless given. Variants: paper, obias (biased output units), hbias (biased gates and cells),
// cells (cells and gates read the inputs and the cells' outputs, not the gates'), igb (input-gate
// biases -1, -2, -3), swap (g in [-1, 1] and h in [-2, 2], the OCR'd Table 10 caption's ranges), g1
// (g in [-1, 1]), ce (cross-entropy error at the logistic outputs), linear (linear output units).
// EXP=<row> (default 1) runs the variants that apply to any row (paper, obias, hbias, cells, swap, ce,
// linear) on another experiment's row, e.g. EXP=4/T100 (session 19), EXP=2c (session 28).
// Usage (repo root): [EXP=<row>] [FIRST=k] npx tsx docs/paper-results/probe-exp1-variants.ts <variant> [trials=10] [budget]
import { resolveExperiment, runConfigTrial } from '@carousel/tasks';
import type { ExperimentConfig, RunTrialOptions } from '@carousel/tasks';
import type { Lstm97Config } from '@carousel/lstm';

const variant = process.argv[2] ?? 'paper';
const trials = Number(process.argv[3] ?? 10);
const budget = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const base = resolveExperiment(process.env['EXP'] ?? '1').config;
const n = base.net;
const nets: Record<string, Lstm97Config> = {
  paper: n,
  obias: { ...n, biases: { ...n.biases, outputs: true } },
  hbias: { ...n, biases: { ...n.biases, gates: true, cells: true } },
  cells: { ...n, cellSources: 'cells' },
  igb: { ...n, gateBias: { ...n.gateBias, input: [-1, -2, -3] } },
  swap: { ...n, g: 'sig2m1', h: 'sig4m2' },
  g1: { ...n, g: 'sig2m1' },
  ce: { ...n, loss: 'ce' },
  linear: { ...n, head: 'linear' },
};
const net = nets[variant];
if (net === undefined) throw new Error(`variant must be one of ${Object.keys(nets).join(', ')}`);
const config: ExperimentConfig = { ...base, net };
const until: number[] = [];
const first = Number(process.env['FIRST'] ?? 0); // trials first .. first+trials-1
for (let trial = first; trial < first + trials; trial++) {
  const o: RunTrialOptions = { seed: 1, trial, ...(budget === undefined ? {} : { maxSequences: budget }) };
  const r = runConfigTrial(config, o);
  if (r.success) until.push(r.sequencesUntilStop!);
  console.log(`${variant} trial ${trial}: ${r.success ? `met after ${r.sequencesUntilStop}` : `not met in ${r.sequences}`}, ${r.wrong} of ${r.tested} wrong, ${r.weights} weights`);
}
const mean = until.length === 0 ? '-' : Math.round(until.reduce((a, b) => a + b, 0) / until.length);
console.log(`${variant}: ${until.length}/${trials} met, mean ${mean} of the successful`);
