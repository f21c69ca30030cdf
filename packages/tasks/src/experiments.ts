// The 1997 paper's LSTM experiments as data (LSTM-SPEC 4.0-4.6, Tables 1-11): one frozen config per
// LSTM row of the paper's tables, with topology, learning rate, initialisation, stopping rule,
// evaluation and the published figures. Not a runner: nothing here trains or evaluates.

import type { Lstm97Config } from '@carousel/lstm';
import { TASK_ERR, TaskError } from './errors.ts';

/** The paper's experiment numbers. */
export type ExperimentId = '1' | '2a' | '2b' | '2c' | '3a' | '3b' | '3c' | '4' | '5' | '6a' | '6b';

/** Which generator, with which parameters (see createGenerator in generators.ts). */
export type TaskSpec =
  | { readonly kind: 'reber'; readonly trainSize: number; readonly testSize: number }
  | { readonly kind: 'longlag'; readonly variant: '2a' | '2b'; readonly p: number }
  | { readonly kind: 'longlag'; readonly variant: '2c'; readonly p: number; readonly q: number }
  | { readonly kind: 'noise-signal'; readonly variant: '3a' | '3b' | '3c'; readonly T: number; readonly N: number }
  | { readonly kind: 'adding'; readonly T: number }
  | { readonly kind: 'multiplication'; readonly T: number }
  | { readonly kind: 'temporal-order'; readonly variant: '6a' | '6b' };

/**
 * When training stops. Every rule counts sequence presentations; `maxSequences`, where the paper
 * gives one, is the budget after which a trial counts as failed.
 */
export type StopRule =
  /** Exp. 1: every step of every string in the train AND test sets is predicted correctly (isCorrect). */
  | { readonly kind: 'SETS'; readonly maxSequences?: number }
  /**
   * Exp. 2: ABS(beta), the absolute error of all outputs is below beta (at every step with a target,
   * or at the end only) for `successive` consecutive sequences.
   */
  | {
      readonly kind: 'ABS';
      readonly beta: number;
      readonly at: 'every-step' | 'end';
      readonly successive: number;
      readonly maxSequences?: number;
    }
  /**
   * Exp. 3: ST2 on `testSize` fresh test sequences: at most `maxWrong` misclassified (this alone is
   * ST1, logged as a milestone) and mean absolute end error below `maxMeanAbsError`. For 3c the
   * error is taken against the noise-free target.
   */
  | {
      readonly kind: 'ST2';
      readonly testSize: number;
      readonly maxWrong: number;
      readonly maxMeanAbsError: number;
      readonly errorAgainst: 'target' | 'clean-target';
    }
  /**
   * Exp. 4, 6: ST3(beta), the mean of E = ½Σ(d−y)² at the sequence end over the `window` most recent
   * training sequences is below beta AND all of them were processed correctly (LSTM-SPEC 6.3).
   */
  | { readonly kind: 'ST3'; readonly beta: number; readonly window: number; readonly average: 'E' }
  /**
   * Exp. 5: stop (and test) once fewer than `fewerThan` of the `window` most recent training
   * sequences have an absolute end error above `threshold`.
   */
  | { readonly kind: 'NSEQ'; readonly window: number; readonly threshold: number; readonly fewerThan: number };

/** What is measured after stopping. */
export interface Evaluation {
  /**
   * Fresh test sequences (from the test stream) judged by isCorrect: 2560 for Experiments 3-6;
   * 10,000 successive sequences for 2; for 1 the 256 + 256 strings of the two sets.
   */
  readonly testSize: number;
  /** The per-sequence correctness rule that isCorrect implements, in words. */
  readonly correct: string;
}

/** The paper's published numbers for this row, to print beside the reproduction's. */
export interface PaperFigures {
  /** Where they come from, e.g. 'Table 7'. */
  readonly source: string;
  /** Trainable weights of the topology (also checked against lstm97WeightCount). */
  readonly weights: number;
  /** Trials the means are over. */
  readonly trials: number;
  /** Percentage of successful trials, where given. */
  readonly successPercent?: number;
  /** Mean sequence presentations until the stopping rule held ("success after"; ST2 for Exp. 3). */
  readonly sequencesUntilStop: number;
  /** Exp. 3a/3b: mean presentations until ST1. */
  readonly sequencesUntilST1?: number;
  /** Mean wrong predictions of 2560 test sequences. */
  readonly wrongOf2560?: number;
  /** Exp. 3: fraction of the 2560 test sequences misclassified. */
  readonly fractionMisclassified?: number;
  /** Exp. 5: test mean squared error. */
  readonly mse?: number;
  /** Exp. 3c: mean |output − noise-free target|. */
  readonly avgDifference?: number;
  /** Anything else the paper says about this row. */
  readonly note?: string;
}

export interface ExperimentConfig {
  /** Unique, stable key of this table row, e.g. '4/T1000' or '1/3x2/a0.5'. */
  readonly id: string;
  readonly exp: ExperimentId;
  /** One line for the runner's report. */
  readonly title: string;
  readonly task: TaskSpec;
  /**
   * The network. Carries the init range (`initRange`) and the preset gate biases (`gateBias`;
   * gates not listed get random biases). `seed` is left unset: the runner takes it from
   * trialStreams(...).init.seed.
   */
  readonly net: Lstm97Config;
  /** Learning rate α. */
  readonly alpha: number;
  readonly stop: StopRule;
  readonly evaluation: Evaluation;
  /** The minimal time lag of the task, where the paper states it. */
  readonly minimalLag?: number;
  /**
   * Sequential construction (the paper's remedy 1 for the abuse problem, LSTM-SPEC 1.3; used in
   * Exp. 2a/2b): the memory cells start disconnected from the outputs and are added once the
   * training error stops decreasing, i.e. when the mean E_seq over the last `window` training
   * sequences is not below (1 − minImprovement) × the mean over the `window` before it.
   */
  readonly construction?: { readonly window: number; readonly minImprovement: number };
  readonly paper: PaperFigures;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

// ---- Experiment 1: embedded Reber grammar (Table 1) ----------------------------------------------

function exp1(blocks: 3 | 4, S: 1 | 2, alpha: number, successPercent: number, after: number, note?: string): ExperimentConfig {
  return {
    id: `1/${blocks}x${S}/a${alpha}`,
    exp: '1',
    title: `Embedded Reber grammar, ${blocks} blocks of size ${S}, alpha ${alpha}`,
    task: { kind: 'reber', trainSize: 256, testSize: 256 },
    net: {
      inputs: 7,
      outputs: 7,
      blocks,
      cellsPerBlock: S,
      connectivity: 'F',
      biases: { gates: true, cells: false, outputs: false, hidden: false },
      gateBias: { output: blocks === 4 ? [-1, -2, -3, -4] : [-1, -2, -3] },
      initRange: 0.2,
    },
    alpha,
    stop: { kind: 'SETS' },
    evaluation: {
      testSize: 512,
      correct: 'at every step the legal successors are exactly the top-ranked outputs (train and test sets)',
    },
    paper: {
      source: 'Table 1',
      weights: blocks * S === 4 ? 264 : 276,
      trials: 30,
      successPercent,
      sequencesUntilStop: after,
      ...(note === undefined ? {} : { note }),
    },
  };
}

// ---- Experiment 2 (Tables 2, 3) -----------------------------------------------------------------

function exp2ab(variant: '2a' | '2b'): ExperimentConfig {
  const p = 100;
  return {
    id: `${variant}/p${p}`,
    exp: variant,
    title:
      variant === '2a'
        ? `Noise-free long-lag sequences, p = ${p}`
        : `Long-lag sequences with a random middle (no local regularities), p = ${p}`,
    task: { kind: 'longlag', variant, p },
    net: {
      inputs: p + 1,
      outputs: p + 1,
      blocks: 1,
      cellsPerBlock: 1,
      outputGate: false,
      g: 'sigmoid',
      h: 'identity',
      connectivity: 'B',
      cellSources: 'inputs',
      biases: { gates: false, cells: false, outputs: false, hidden: false },
      initRange: 0.2,
    },
    alpha: 1.0,
    stop: {
      kind: 'ABS',
      beta: 0.25,
      at: variant === '2a' ? 'every-step' : 'end',
      successive: 10_000,
      maxSequences: 5_000_000,
    },
    evaluation: {
      testSize: 10_000,
      correct:
        variant === '2a'
          ? 'max absolute error of all outputs below 0.25 at every step'
          : 'max absolute error of all outputs below 0.25 at the sequence end',
    },
    minimalLag: p,
    construction: { window: 100, minImprovement: 0.01 },
    paper: {
      source: variant === '2a' ? 'Table 2' : 'Section 5.2 (2b text)',
      weights: 10_504,
      trials: 18,
      successPercent: 100,
      sequencesUntilStop: variant === '2a' ? 5040 : 5680,
      note: 'The memory cell was added (sequential construction) once the error stopped decreasing.',
    },
  };
}

function exp2c(q: number, p: number, weights: number, after: number): ExperimentConfig {
  return {
    id: `2c/q${q}-p${p}`,
    exp: '2c',
    title: `Very long lags with distractors, q = ${q}, p = ${p}`,
    task: { kind: 'longlag', variant: '2c', p, q },
    net: {
      inputs: p + 4,
      outputs: 2,
      blocks: 2,
      cellsPerBlock: 1,
      connectivity: 'F',
      biases: { gates: false, cells: false, outputs: false, hidden: false },
      initRange: 0.2,
    },
    alpha: 0.01,
    // Table 11: training stops "after 5 million exemplars" for 2a, 2b and 2c alike.
    stop: { kind: 'ABS', beta: 0.2, at: 'end', successive: 10_000, maxSequences: 5_000_000 },
    evaluation: { testSize: 10_000, correct: 'both outputs have absolute error below 0.2 at the sequence end' },
    minimalLag: q + 1,
    paper: { source: 'Table 3', weights, trials: 20, sequencesUntilStop: after },
  };
}

// ---- Experiment 3 (Tables 4-6) ------------------------------------------------------------------

const NET_3: Lstm97Config = {
  inputs: 1,
  outputs: 1,
  blocks: 3,
  cellsPerBlock: 1,
  connectivity: 'F',
  biases: { gates: true, cells: true, outputs: false, hidden: true },
  gateBias: { input: [-1, -3, -5], output: [-2, -4, -6] },
  initRange: 0.1,
};

function exp3ab(variant: '3a' | '3b', T: number, N: number, st1: number, st2: number, frac: number): ExperimentConfig {
  return {
    id: `${variant}/T${T}-N${N}`,
    exp: variant,
    title: `2-sequence problem${variant === '3b' ? ' with noisy signal' : ''}, T = ${T}, N = ${N}`,
    task: { kind: 'noise-signal', variant, T, N },
    net: NET_3,
    alpha: 1.0,
    stop:
      variant === '3a'
        ? { kind: 'ST2', testSize: 256, maxWrong: 0, maxMeanAbsError: 0.01, errorAgainst: 'target' }
        : { kind: 'ST2', testSize: 256, maxWrong: 5, maxMeanAbsError: 0.04, errorAgainst: 'target' },
    evaluation: { testSize: 2560, correct: 'absolute error at the sequence end below 0.2' },
    paper: {
      source: variant === '3a' ? 'Table 4' : 'Table 5',
      weights: 102,
      trials: 10,
      sequencesUntilST1: st1,
      sequencesUntilStop: st2,
      fractionMisclassified: frac,
    },
  };
}

function exp3c(N: number, stop: number, frac: number, avgDifference: number): ExperimentConfig {
  const T = 100;
  return {
    id: `3c/T${T}-N${N}`,
    exp: '3c',
    title: `2-sequence problem with noisy targets 0.2/0.8, T = ${T}, N = ${N}`,
    task: { kind: 'noise-signal', variant: '3c', T, N },
    net: NET_3,
    alpha: 0.1,
    stop: { kind: 'ST2', testSize: 256, maxWrong: 0, maxMeanAbsError: 0.015, errorAgainst: 'clean-target' },
    evaluation: { testSize: 2560, correct: '|output − noise-free target| <= 0.1 at the sequence end' },
    paper: {
      source: 'Table 6',
      weights: 102,
      trials: 10,
      sequencesUntilStop: stop,
      fractionMisclassified: frac,
      avgDifference,
    },
  };
}

// ---- Experiments 4, 5 (Tables 7, 8) -------------------------------------------------------------

function net45(inputGateBias: boolean): Lstm97Config {
  return {
    inputs: 2,
    outputs: 1,
    blocks: 2,
    cellsPerBlock: 2,
    connectivity: 'F',
    biases: { gates: true, cells: true, outputs: true, hidden: true },
    ...(inputGateBias ? { gateBias: { input: [-3, -6] } } : {}),
    initRange: 0.1,
  };
}

function exp4(T: number, wrong: number, after: number, note?: string): ExperimentConfig {
  return {
    id: `4/T${T}`,
    exp: '4',
    title: `Adding problem, T = ${T}`,
    task: { kind: 'adding', T },
    net: net45(true),
    alpha: 0.5,
    stop: { kind: 'ST3', beta: 0.01, window: 2000, average: 'E' },
    evaluation: { testSize: 2560, correct: 'absolute error at the sequence end below 0.04' },
    minimalLag: T / 2,
    paper: {
      source: 'Table 7',
      weights: 93,
      trials: 10,
      wrongOf2560: wrong,
      sequencesUntilStop: after,
      note: `Average test error always below 0.01; never more than 3 wrong predictions.${note ? ' ' + note : ''}`,
    },
  };
}

function exp5(nSeq: number, wrong: number, mse: number, after: number, note: string): ExperimentConfig {
  const T = 100;
  return {
    id: `5/T${T}-nseq${nSeq}`,
    exp: '5',
    title: `Multiplication problem, T = ${T}, n_seq = ${nSeq}`,
    task: { kind: 'multiplication', T },
    net: net45(false),
    alpha: 0.1,
    stop: { kind: 'NSEQ', window: 2000, threshold: 0.04, fewerThan: nSeq },
    evaluation: { testSize: 2560, correct: 'absolute error at the sequence end below 0.04' },
    minimalLag: T / 2,
    paper: { source: 'Table 8', weights: 93, trials: 10, wrongOf2560: wrong, mse, sequencesUntilStop: after, note },
  };
}

// ---- Experiment 6 (Table 9) ---------------------------------------------------------------------

function exp6(variant: '6a' | '6b'): ExperimentConfig {
  const a = variant === '6a';
  return {
    id: variant,
    exp: variant,
    title: `Temporal order, ${a ? '2' : '3'} relevant symbols, ${a ? 4 : 8} classes`,
    task: { kind: 'temporal-order', variant },
    net: {
      inputs: 8,
      outputs: a ? 4 : 8,
      blocks: a ? 2 : 3,
      cellsPerBlock: 2,
      connectivity: 'F',
      biases: { gates: true, cells: true, outputs: true, hidden: true },
      gateBias: { input: a ? [-2, -4] : [-2, -4, -6] },
      initRange: 0.1,
    },
    alpha: a ? 0.5 : 0.1,
    stop: { kind: 'ST3', beta: 0.1, window: 2000, average: 'E' },
    evaluation: { testSize: 2560, correct: 'absolute error of every output below 0.3 at the sequence end' },
    minimalLag: a ? 40 : 24,
    paper: {
      source: 'Table 9',
      weights: a ? 156 : 308,
      trials: a ? 20 : 10,
      wrongOf2560: a ? 1 : 2,
      sequencesUntilStop: a ? 31_390 : 571_100,
      note: 'Average test error always below 0.1; never more than 3 misclassifications.',
    },
  };
}

/** Every LSTM row of the paper's result tables, in paper order. Deeply frozen. */
export const EXPERIMENTS: readonly ExperimentConfig[] = deepFreeze([
  exp1(4, 1, 0.1, 100, 39_740),
  exp1(3, 2, 0.1, 100, 21_730),
  exp1(3, 2, 0.2, 97, 14_060),
  exp1(4, 1, 0.5, 97, 9_500),
  exp1(3, 2, 0.5, 100, 8_440, 'Individual trials needed 3,800 to 24,100 presentations.'),
  exp2ab('2a'),
  exp2ab('2b'),
  exp2c(50, 50, 364, 30_000),
  exp2c(100, 100, 664, 31_000),
  exp2c(200, 200, 1_264, 33_000),
  exp2c(500, 500, 3_064, 38_000),
  exp2c(1000, 1000, 6_064, 49_000),
  exp2c(1000, 500, 3_064, 49_000),
  exp2c(1000, 200, 1_264, 75_000),
  exp2c(1000, 100, 664, 135_000),
  exp2c(1000, 50, 364, 203_000),
  exp3ab('3a', 100, 3, 27_380, 39_850, 0.000195),
  exp3ab('3a', 100, 1, 58_370, 64_330, 0.000117),
  exp3ab('3a', 1000, 3, 446_850, 452_460, 0.000078),
  exp3ab('3b', 100, 3, 41_740, 43_250, 0.00828),
  exp3ab('3b', 100, 1, 74_950, 78_430, 0.015),
  exp3ab('3b', 1000, 1, 481_060, 485_080, 0.01207),
  exp3c(3, 269_650, 0.00558, 0.014),
  exp3c(1, 565_640, 0.00441, 0.012),
  exp4(100, 1, 74_000),
  exp4(500, 0, 209_000),
  exp4(1000, 1, 853_000, 'Individual runs needed 370,000 to 2,020,000 sequences.'),
  exp5(140, 139, 0.0223, 482_000, 'Average test error always below 0.026; at most 170 wrong predictions.'),
  exp5(13, 14, 0.0139, 1_273_000, 'Average test error always below 0.013; at most 15 wrong predictions.'),
  exp6('6a'),
  exp6('6b'),
]);

/** The config with this id; throws TASK_ERR_PARAM for an unknown id. */
export function experimentById(id: string): ExperimentConfig {
  const cfg = EXPERIMENTS.find((c) => c.id === id);
  if (cfg === undefined) throw new TaskError(TASK_ERR.PARAM, `unknown experiment id '${id}'`, id);
  return cfg;
}
