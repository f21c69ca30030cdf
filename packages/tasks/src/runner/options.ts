// Options of one reproduction trial (runTrial) and one experiment (runExperiment): one interface
// each with documented defaults, parsed, checked and frozen once. Not the protocol itself: that
// is trial.ts (sequence tasks) and continual.ts (the continual embedded Reber grammar).

import { TASK_ERR, TaskError, checkInt } from '../errors.ts';

/** Which learning algorithm trains the network. */
export type RunnerLearner = 'rtrl97' | 'tbptt' | 'bptt';
/**
 * Which cell. 'lstm97': the 1997 cell (the paper's); 'forget': the 1997 cell with a forget gate
 * (Gers et al. 2000; positive forget biases): the paper's learner 'rtrl97', or 'tbptt'/'bptt' for the
 * exact (untruncated) gradient over a window or the whole sequence (Tbptt97). 'vanilla', 'cifg',
 * 'gru': the modern family of @carousel/lstm, trained by 'tbptt' or 'bptt'.
 */
export type RunnerVariant = 'lstm97' | 'forget' | 'vanilla' | 'cifg' | 'gru';

/**
 * Output units of a trial's network: the paper's logistic ones, linear ones, or logistic ones whose
 * error is taken without f′ (see RunTrialOptions.head).
 */
export type RunnerHead = 'logistic' | 'linear' | 'logistic-ce';

export const RUNNER_HEADS: readonly RunnerHead[] = ['logistic', 'linear', 'logistic-ce'];
export const RUNNER_LEARNERS: readonly RunnerLearner[] = ['rtrl97', 'tbptt', 'bptt'];
export const RUNNER_VARIANTS: readonly RunnerVariant[] = ['lstm97', 'forget', 'vanilla', 'cifg', 'gru'];

/** Default master seed. */
export const DEFAULT_RUN_SEED = 1;
/** Default learner: the paper's truncated RTRL. */
export const DEFAULT_RUN_LEARNER: RunnerLearner = 'rtrl97';
/** Default TBPTT window: backward every 8 steps through the last 16 (the library's defaults). */
export const DEFAULT_RUN_K1 = 8;
export const DEFAULT_RUN_K2 = 16;
/** Training sequences between progress reports. */
export const DEFAULT_PROGRESS_EVERY = 1000;
/**
 * Training budget when neither the caller nor the paper gives one: this many times the paper's
 * mean "success after", so a trial that is ten times slower than the paper's average fails.
 */
export const DEFAULT_BUDGET_FACTOR = 10;
/** Training sequences between a trial's checkpoints (when it has a checkpoint folder). */
export const DEFAULT_CHECKPOINT_EVERY = 10_000;

/** Continual Reber grammar: consecutive correct predictions that count as solving it (continual.ts). */
export const DEFAULT_CERG_SYMBOLS = 100_000;

/** Per-event progress of one trial, sent every `progressEvery` training sequences. */
export interface TrialProgress {
  /** Trial number. */
  readonly trial: number;
  /** Training sequences (streams, for the continual task) presented so far. */
  readonly sequences: number;
  /** Training steps so far. */
  readonly steps: number;
  /** Mean training error E over the most recent window (see trial.ts), NaN before any. */
  readonly trainError: number;
  /** Fraction of the most recent window processed correctly. */
  readonly recentCorrect: number;
  /** The budget, in sequences. */
  readonly maxSequences: number;
}

export interface RunTrialOptions {
  /** Master seed; trialStreams(seed, trial) gives the init, train and test streams. Default 1. */
  seed?: number;
  /** Trial number. Default 0. */
  trial?: number;
  /** Default 'rtrl97'. */
  learner?: RunnerLearner;
  /** Default 'lstm97' with rtrl97, 'vanilla' with tbptt/bptt. */
  variant?: RunnerVariant;
  /**
   * Task length override: T for Experiments 3, 4, 5; p for 2a/2b; q = p for 2c. Default: the
   * experiment's. Picks the paper's row with that T when there is one (e.g. '4' with T 500).
   */
  T?: number;
  /** Training budget in sequences (streams for 'cerg'). Default: the paper's, else 10× its mean. */
  maxSequences?: number;
  /** Learning rate override (0 is the negative control). Default: the experiment's α. */
  alpha?: number;
  /** TBPTT k1, k2 (learner 'tbptt'). Default 8, 16. */
  k1?: number;
  k2?: number;
  /** Hidden units of a modern cell. Default: the 1997 net's number of memory cells. */
  hidden?: number;
  /**
   * Initial forget-gate bias of every block ('forget': instead of +0.5·(j+1), Gers et al. 2000)
   * or unit (vanilla, cifg: instead of 1). Refused for cells without a forget gate (lstm97, gru).
   */
  forgetBias?: number;
  /**
   * Output units: 'logistic' (the paper's, and the default) or 'linear' (net input out, no
   * squashing; not the paper's: a probe of what the logistic output's flat ends cost on the
   * regression tasks, Exp. 4 and 5), for which the loss stays E = ½Σ(d−y)²; or 'logistic-ce'
   * (logistic units learning cross-entropy, so their error is t − y without the f′(net) factor of
   * the paper's A.1 eq. 19: not the paper's either). For every cell. The stopping rules judge
   * ½Σ(d−y)² of the outputs whichever the units learn.
   */
  head?: RunnerHead;
  /** Final test sequences. Default: the experiment's evaluation.testSize (2560 for 3-6). */
  testSize?: number;
  /** 'cerg' only: consecutive correct symbols that count as solved. Default 100,000. */
  symbols?: number;
  /**
   * When weights change (LSTM-SPEC 6.5): 'step' after every step with a target, 'sequence' once at
   * the sequence end. Default: 'step' for Experiments 1, 2a, 2b, 'sequence' for the others.
   */
  update?: 'step' | 'sequence';
  /** Experiment 1 training target (LSTM-SPEC 6.1): 'next' one-hot (default) or 'legal' multi-hot. */
  reberTarget?: 'next' | 'legal';
  /** Training sequences between progress callbacks. Default 1000. */
  progressEvery?: number;
  /**
   * Folder for the trial's checkpoint (resume.ts): every `checkpointEvery` training sequences the
   * trial writes its whole state there, and a trial started with a checkpoint of the same trial
   * and configuration in it goes on from that point, with the results it would have had without
   * the stop. The file is removed when the trial ends. Sequence tasks only (not 'cerg').
   */
  checkpointDir?: string;
  /** Training sequences between checkpoints. Default 10,000. */
  checkpointEvery?: number;
  /** Progress callback (not carried to workers; runExperiment forwards events instead). */
  onProgress?: (p: TrialProgress) => void;
}

/** RunTrialOptions with every default that does not depend on the experiment filled in. */
export interface TrialConfig {
  readonly seed: number;
  readonly trial: number;
  readonly learner: RunnerLearner;
  readonly variant: RunnerVariant;
  readonly T: number | undefined;
  readonly maxSequences: number | undefined;
  readonly alpha: number | undefined;
  readonly k1: number;
  readonly k2: number;
  readonly hidden: number | undefined;
  readonly forgetBias: number | undefined;
  readonly head: RunnerHead;
  readonly testSize: number | undefined;
  readonly symbols: number;
  readonly update: 'step' | 'sequence' | undefined;
  readonly reberTarget: 'next' | 'legal';
  readonly progressEvery: number;
  readonly checkpointDir: string | undefined;
  readonly checkpointEvery: number;
  readonly onProgress: ((p: TrialProgress) => void) | undefined;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new TaskError(TASK_ERR.PARAM, `${name} must be one of ${allowed.join(', ')}`, v);
  }
  return v as T;
}

function optInt(name: string, v: unknown, min: number): number | undefined {
  return v === undefined ? undefined : checkInt(name, v, min);
}

/** Merges defaults, checks every field (TASK_ERR_PARAM naming it) and freezes the result. */
export function parseTrialOptions(o: RunTrialOptions = {}): TrialConfig {
  const learner = oneOf('learner', o.learner ?? DEFAULT_RUN_LEARNER, RUNNER_LEARNERS);
  const variant = oneOf('variant', o.variant ?? (learner === 'rtrl97' ? 'lstm97' : 'vanilla'), RUNNER_VARIANTS);
  const is97 = variant === 'lstm97' || variant === 'forget';
  if (!is97 && learner === 'rtrl97') {
    throw new TaskError(
      TASK_ERR.PARAM,
      `variant '${variant}' cannot be trained by '${learner}': rtrl97 trains lstm97/forget; vanilla/cifg/gru need tbptt or bptt`,
      { learner, variant },
    );
  }
  if (o.alpha !== undefined && (typeof o.alpha !== 'number' || !Number.isFinite(o.alpha) || o.alpha < 0)) {
    throw new TaskError(TASK_ERR.PARAM, 'alpha must be a finite number >= 0', o.alpha);
  }
  if (o.forgetBias !== undefined) {
    if (typeof o.forgetBias !== 'number' || !Number.isFinite(o.forgetBias)) throw new TaskError(TASK_ERR.PARAM, 'forgetBias must be a finite number', o.forgetBias);
    if (variant === 'lstm97' || variant === 'gru') throw new TaskError(TASK_ERR.PARAM, `variant '${variant}' has no forget gate: forgetBias is for forget, vanilla and cifg`, o.forgetBias);
  }
  if (o.checkpointDir !== undefined && (typeof o.checkpointDir !== 'string' || o.checkpointDir === '')) {
    throw new TaskError(TASK_ERR.PARAM, 'checkpointDir must be a non-empty path', o.checkpointDir);
  }
  const k1 = checkInt('k1', o.k1 ?? DEFAULT_RUN_K1, 1);
  const k2 = checkInt('k2', o.k2 ?? Math.max(DEFAULT_RUN_K2, k1), k1);
  return Object.freeze({
    seed: checkInt('seed', o.seed ?? DEFAULT_RUN_SEED, 0, 0xffffffff),
    trial: checkInt('trial', o.trial ?? 0, 0, 0xffffffff),
    learner,
    variant,
    T: optInt('T', o.T, 1),
    maxSequences: optInt('maxSequences', o.maxSequences, 1),
    alpha: o.alpha,
    k1,
    k2,
    hidden: optInt('hidden', o.hidden, 1),
    forgetBias: o.forgetBias,
    head: oneOf('head', o.head ?? 'logistic', RUNNER_HEADS),
    testSize: optInt('testSize', o.testSize, 1),
    symbols: checkInt('symbols', o.symbols ?? DEFAULT_CERG_SYMBOLS, 1),
    update: o.update === undefined ? undefined : oneOf('update', o.update, ['step', 'sequence'] as const),
    reberTarget: oneOf('reberTarget', o.reberTarget ?? 'next', ['next', 'legal'] as const),
    progressEvery: checkInt('progressEvery', o.progressEvery ?? DEFAULT_PROGRESS_EVERY, 1),
    checkpointDir: o.checkpointDir,
    checkpointEvery: checkInt('checkpointEvery', o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, 1),
    onProgress: o.onProgress,
  });
}
