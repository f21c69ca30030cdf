// The continual embedded Reber grammar (Gers, Schmidhuber & Cummins 2000; LSTM-SPEC 2.1): one
// endless stream of embedded Reber strings, never reset, learned on-line at every symbol. Not the
// paper's Experiment 1 (separate strings, reset after each): that is trial.ts.
//
// Criterion (ours; Gers et al. judge streams of up to 10^5 symbols, we make it one precise rule):
// - Training: one stream from the train Rng, activations reset once at its start and never again;
//   target = one-hot of the next symbol; W -= α·grad after every symbol (α = 0.5).
// - A symbol is predicted correctly when exactly its legal successors are the top-ranked outputs
//   (legalOnTop, as in Experiment 1).
// - Stop: `symbols` (default 100,000) consecutive symbols predicted correctly while training.
//   sequencesUntilStop = embedded strings completed before that run of correct symbols began.
// - Test: weights frozen, a fresh stream from the test Rng started from a reset state, `symbols`
//   symbols; `wrong` counts wrongly predicted symbols (success needs only the stop rule).

import type { Lstm97Config } from '@carousel/lstm';
import type { ExperimentConfig } from '../experiments.ts';
import { legalOnTop } from '../correctness.ts';
import { TASK_ERR, TaskError } from '../errors.ts';
import { ContinualReber, REBER_WIDTH } from '../reber.ts';
import { OneHotCode } from '../sequence.ts';
import { trialStreams } from '../streams.ts';
import { createTrialNet, unlessDiverged } from './network.ts';
import type { TrialNet } from './network.ts';
import type { TrialConfig } from './options.ts';
import type { TrialResult } from './trial.ts';
import { RecentWindow } from './window.ts';

/** Learning rate of Gers et al. 2000 on this task. */
export const CERG_ALPHA = 0.5;
/** Default budget: embedded strings of training (about 12 symbols each). */
export const CERG_MAX_STRINGS = 200_000;
/** Symbols in the progress window. */
const CERG_WINDOW = 1000;

/**
 * 4 blocks of 2 cells; input- and output-gate biases -0.5, -1, -1.5, -2 (the 'forget' variant adds
 * forget biases +0.5 ... +2.0), weights in [-0.2, 0.2], outputs also see the inputs. Gers et al.'s
 * 424-weight net had cells and gates read only inputs and cell outputs; our cells and gates read
 * every hidden activation (Lstm97Config has no cells-only option), so the count differs.
 */
export const CERG_NET: Lstm97Config = Object.freeze({
  inputs: REBER_WIDTH,
  outputs: REBER_WIDTH,
  blocks: 4,
  cellsPerBlock: 2,
  connectivity: 'B',
  biases: { gates: true, cells: false, outputs: true, hidden: false },
  gateBias: { input: [-0.5, -1, -1.5, -2], output: [-0.5, -1, -1.5, -2] },
  initRange: 0.2,
});

/** Feeds one symbol; returns whether it was predicted correctly and E. */
function feed(net: TrialNet, code: OneHotCode, sym: number, next: number, legal: number, learn: boolean, alpha: number): { ok: boolean; E: number } {
  const y = learn ? net.step(code.vector(sym)) : net.predict(code.vector(sym));
  const ok = legalOnTop(y, legal);
  if (!learn) return { ok, E: 0 };
  const E = net.learn(code.vector(next));
  net.apply(alpha); // no flush(): TBPTT runs its own k1 cadence on the endless stream
  return { ok, E };
}

/** One trial of the continual task; full BPTT is refused (an endless stream has no end to flush at). */
export function runContinualTrial(o: TrialConfig): TrialResult {
  if (o.learner === 'bptt') throw new TaskError(TASK_ERR.PARAM, "the continual task needs learner 'rtrl97' or 'tbptt'", o.learner);
  const t0 = performance.now();
  const streams = trialStreams(o.seed, o.trial);
  const task = { kind: 'reber', trainSize: 1, testSize: 1 } as const satisfies ExperimentConfig['task'];
  const net = createTrialNet(CERG_NET, task, o, streams.init.seed);
  const code = new OneHotCode(REBER_WIDTH);
  const alpha = o.alpha ?? CERG_ALPHA;
  const budget = o.maxSequences ?? CERG_MAX_STRINGS;
  const train = new ContinualReber(streams.train);
  const recent = new RecentWindow(CERG_WINDOW);
  let steps = 0;
  let streak = 0;
  let stringsAtStreakStart = 0;
  let until: number | null = null;
  let reported = 0;
  const a = performance.now();
  let diverged: number | null = null;
  while (train.strings < budget) {
    if (streak === 0) stringsAtStreakStart = train.strings;
    const s = train.next();
    const fed = unlessDiverged(() => feed(net, code, s.symbol, s.next, s.legalNext, true, alpha));
    if (fed === null) {
      diverged = train.strings + 1; // the string being learned
      break;
    }
    const { ok, E } = fed;
    steps++;
    recent.push(ok, E);
    streak = ok ? streak + 1 : 0;
    if (streak >= o.symbols) {
      until = stringsAtStreakStart;
      break;
    }
    if (o.onProgress !== undefined && train.strings >= reported + o.progressEvery) {
      reported = train.strings;
      o.onProgress({
        trial: o.trial,
        sequences: train.strings,
        steps,
        trainError: recent.meanError(),
        recentCorrect: recent.fractionCorrect(),
        maxSequences: budget,
      });
    }
  }
  const trainMs = performance.now() - a;

  net.reset();
  const test = new ContinualReber(streams.test);
  let wrong = 0;
  let sq = 0;
  let abs = 0;
  for (let i = 0; i < o.symbols; i++) {
    const s = test.next();
    const y = net.predict(code.vector(s.symbol));
    if (!legalOnTop(y, s.legalNext)) wrong++;
    const d = code.vector(s.next);
    for (let k = 0; k < REBER_WIDTH; k++) {
      sq += (y[k] - d[k]) ** 2;
      abs += Math.abs(y[k] - d[k]);
    }
  }
  return {
    experiment: 'cerg',
    seed: o.seed,
    trial: o.trial,
    learner: o.learner,
    variant: o.variant,
    alpha,
    forgetBias: o.forgetBias ?? null,
    head: o.head,
    weights: net.weights,
    success: until !== null,
    sequencesUntilStop: until,
    cellsAddedAt: null,
    sequencesUntilST1: null,
    sequences: train.strings,
    maxSequences: budget,
    steps,
    tested: o.symbols,
    wrong,
    wrongOf2560: null,
    mse: sq / (o.symbols * REBER_WIDTH),
    meanAbsError: abs / (o.symbols * REBER_WIDTH),
    trainError: recent.meanError(),
    stepsPerSecond: trainMs > 0 ? (steps * 1000) / trainMs : 0,
    seconds: (performance.now() - t0) / 1000,
    diverged,
  };
}
