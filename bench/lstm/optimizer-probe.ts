// One optimizer update (Optimizer.apply) over the parameter buffer of the worker's default model
// (vanilla H = 32, 2 inputs, 2 outputs: the size a stream's update runs over every k1 samples),
// in microseconds of CPU time per apply, for the optimizer settings below. With --against REV, the
// same against packages/lstm/src/optimizers.ts as of git revision REV (copied beside it for the run,
// removed after), in interleaved rounds in one process (abMedians). Not part of `npm run bench`.
// Usage (repo root): npx tsx bench/lstm/optimizer-probe.ts [--against REV] [rounds=15]
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createModel, createOptimizer, type OptimizerOptions } from '@carousel/lstm';
import { parseStreamConfig, defaultStreamConfig } from '@carousel/worker';
import { abMedians, cpuRate } from './cpu-rate.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--against');
const rev = at >= 0 ? args.splice(at, 2)[1] : undefined;
const rounds = Number(args[0] ?? 15);
const cfg = parseStreamConfig({}, defaultStreamConfig());
const P = createModel({ ...cfg.model, inputs: 2, outputs: 2 }).learner.params.length;
const settings: OptimizerOptions[] = [
  { ...cfg.model.optimizer }, // the worker's default (adam, clipNorm 1)
  { kind: 'adam', lr: 0.003 },
  { kind: 'sgd', lr: 0.01, clipNorm: 1 },
  { kind: 'sgd', lr: 0.01, momentum: 0.9, clipNorm: 1, clipValue: 0.5 },
];

type Create = typeof createOptimizer;
let old: Create | undefined;
const oldFile = fileURLToPath(new URL(`../../packages/lstm/src/optimizers-probe-${rev ?? 'none'}.ts`, import.meta.url));
if (rev !== undefined) {
  writeFileSync(oldFile, execFileSync('git', ['show', `${rev}:packages/lstm/src/optimizers.ts`], { encoding: 'utf8' }));
  try {
    old = ((await import(oldFile)) as { createOptimizer: Create }).createOptimizer;
  } finally {
    rmSync(oldFile, { force: true });
  }
}

/** apply() calls on one optimizer, one parameter buffer and a fixed small gradient (the update stays on the in-place path). */
function applier(create: Create, opts: OptimizerOptions): () => void {
  const o = create(opts, P);
  const p = Float64Array.from({ length: P }, (_, i) => 0.3 * Math.sin(i));
  const g = Float64Array.from({ length: P }, (_, i) => 0.01 * Math.cos(1.3 * i));
  return () => o.apply(p, g);
}

const us = (perCpuSecond: number): string => (1e6 / perCpuSecond).toFixed(1);
console.log(`P = ${P} parameters; ${rounds} rounds; µs of CPU per apply`);
for (const opts of settings) {
  const name = JSON.stringify(opts);
  if (old === undefined) {
    console.log(`${name}: ${us(cpuRate(applier(createOptimizer, opts), 0.3 * rounds))}`);
  } else {
    const [a, b] = abMedians(applier(old, opts), applier(createOptimizer, opts), rounds);
    console.log(`${name}: ${rev} ${us(a)}, this tree ${us(b)}, x${(b / a).toFixed(2)}`);
  }
}
