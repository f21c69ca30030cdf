// Per-sequence correctness as each experiment defines it (LSTM-SPEC 4.1-4.6). The runner counts
// wrong predictions, ST1/ST2/ST3 and the n_seq rule with this; the thresholds are data.

import type { ExperimentId } from './experiments.ts';
import type { SequenceMeta, TaskSequence } from './sequence.ts';
import { TASK_ERR, TaskError } from './errors.ts';

/**
 * How one experiment judges one sequence. `task` is the generator (meta.task) it expects.
 * 'top-ranked': at every step the legal successors are the top-ranked outputs (Exp. 1).
 * 'max-abs': every output's absolute error is strictly below `below`, at every step with a target
 * or only at the last step. 'clean-target': |output − meta.cleanTarget| <= `atMost` at the end (3c).
 */
export type CorrectnessRule =
  | { readonly task: 'reber'; readonly kind: 'top-ranked'; readonly at: 'every-step' }
  | { readonly task: SequenceMeta['task']; readonly kind: 'max-abs'; readonly at: 'every-step' | 'end'; readonly below: number }
  | { readonly task: 'noise-signal'; readonly kind: 'clean-target'; readonly at: 'end'; readonly atMost: number };

export const CORRECTNESS: Readonly<Record<ExperimentId, CorrectnessRule>> = Object.freeze({
  '1': { task: 'reber', kind: 'top-ranked', at: 'every-step' },
  '2a': { task: 'longlag', kind: 'max-abs', at: 'every-step', below: 0.25 },
  '2b': { task: 'longlag', kind: 'max-abs', at: 'end', below: 0.25 },
  '2c': { task: 'longlag', kind: 'max-abs', at: 'end', below: 0.2 },
  '3a': { task: 'noise-signal', kind: 'max-abs', at: 'end', below: 0.2 },
  '3b': { task: 'noise-signal', kind: 'max-abs', at: 'end', below: 0.2 },
  '3c': { task: 'noise-signal', kind: 'clean-target', at: 'end', atMost: 0.1 },
  '4': { task: 'adding', kind: 'max-abs', at: 'end', below: 0.04 },
  '5': { task: 'multiplication', kind: 'max-abs', at: 'end', below: 0.04 },
  '6a': { task: 'temporal-order', kind: 'max-abs', at: 'end', below: 0.3 },
  '6b': { task: 'temporal-order', kind: 'max-abs', at: 'end', below: 0.3 },
} satisfies Record<ExperimentId, CorrectnessRule>);

/** Network outputs per step: index t is the output after input t. Entries not judged may be null. */
export type StepOutputs = readonly (ArrayLike<number> | null | undefined)[];

/**
 * True when the larger-is-more-likely ranking of `out` puts exactly the symbols of `mask` on top:
 * every legal output is strictly above every illegal one.
 */
export function legalOnTop(out: ArrayLike<number>, mask: number): boolean {
  let minLegal = Infinity;
  let maxIllegal = -Infinity;
  for (let k = 0; k < out.length; k++) {
    if (mask & (1 << k)) minLegal = Math.min(minLegal, out[k]);
    else maxIllegal = Math.max(maxIllegal, out[k]);
  }
  return minLegal > maxIllegal;
}

function outputAt(outputs: StepOutputs, t: number, width: number): ArrayLike<number> {
  const o = outputs[t];
  if (o === null || o === undefined) throw new TaskError(TASK_ERR.OUTPUTS, `missing output at step ${t}`, t);
  if (o.length !== width) throw new TaskError(TASK_ERR.OUTPUTS, `output at step ${t} has width ${o.length}, expected ${width}`, t);
  return o;
}

function maxAbsBelow(out: ArrayLike<number>, target: ArrayLike<number>, below: number): boolean {
  for (let k = 0; k < target.length; k++) if (!(Math.abs(out[k] - target[k]) < below)) return false;
  return true;
}

/**
 * Whether the network processed `sequence` correctly by experiment `exp`'s rule. `outputs` has one
 * entry per step (same length as sequence.inputs); end-only rules read just the last entry.
 * NaN outputs are never correct. Throws TASK_ERR_TASK_MISMATCH / TASK_ERR_OUTPUTS on bad arguments.
 */
export function isCorrect(exp: ExperimentId, outputs: StepOutputs, sequence: TaskSequence): boolean {
  const rule = CORRECTNESS[exp];
  if (rule === undefined) throw new TaskError(TASK_ERR.PARAM, `unknown experiment '${exp}'`, exp);
  const meta = sequence.meta;
  if (meta.task !== rule.task) {
    throw new TaskError(TASK_ERR.TASK_MISMATCH, `experiment ${exp} expects '${rule.task}' sequences, got '${meta.task}'`);
  }
  const L = sequence.inputs.length;
  if (outputs.length !== L) throw new TaskError(TASK_ERR.OUTPUTS, `expected ${L} step outputs, got ${outputs.length}`);
  const last = L - 1;
  const K = sequence.targets[last]?.length ?? 0;

  if (rule.kind === 'top-ranked') {
    if (meta.task !== 'reber') throw new TaskError(TASK_ERR.TASK_MISMATCH, 'top-ranked needs Reber sequences');
    for (let t = 0; t < L; t++) if (!legalOnTop(outputAt(outputs, t, K), meta.legalNext[t])) return false;
    return true;
  }
  if (rule.kind === 'clean-target') {
    if (meta.task !== 'noise-signal') throw new TaskError(TASK_ERR.TASK_MISMATCH, 'clean-target needs Exp. 3 sequences');
    const out = outputAt(outputs, last, 1);
    return Math.abs(out[0] - meta.cleanTarget) <= rule.atMost;
  }
  if (rule.at === 'end') {
    const target = sequence.targets[last];
    if (target === null) throw new TaskError(TASK_ERR.TASK_MISMATCH, 'sequence has no target at its last step');
    return maxAbsBelow(outputAt(outputs, last, target.length), target, rule.below);
  }
  for (let t = 0; t < L; t++) {
    const target = sequence.targets[t];
    if (target !== null && !maxAbsBelow(outputAt(outputs, t, target.length), target, rule.below)) return false;
  }
  return true;
}
