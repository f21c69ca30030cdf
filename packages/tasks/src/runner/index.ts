// The reproduction runner of the 1997 paper's experiments: public names, re-exported by the
// package entry. runTrial (one seeded trial), runExperiment (N trials on worker threads).

export { CERG_KEY, DEFAULT_ROWS, listExperiments, resolveExperiment } from './catalog.ts';
export type { ExperimentListing, ResolvedExperiment } from './catalog.ts';
export { CERG_ALPHA, CERG_MAX_STRINGS, CERG_NET } from './continual.ts';
export { DEFAULT_TRIALS, runExperiment, spawnTrialWorker } from './experiment.ts';
export type { ExperimentEvent, RunExperimentOptions } from './experiment.ts';
export { forgetBiases, withForgetGate } from './network.ts';
export {
  DEFAULT_BUDGET_FACTOR,
  DEFAULT_CERG_SYMBOLS,
  DEFAULT_PROGRESS_EVERY,
  DEFAULT_RUN_K1,
  DEFAULT_RUN_K2,
  DEFAULT_RUN_LEARNER,
  DEFAULT_RUN_SEED,
  RUNNER_HEADS,
  RUNNER_LEARNERS,
  RUNNER_VARIANTS,
  parseTrialOptions,
} from './options.ts';
export type { RunTrialOptions, RunnerHead, RunnerLearner, RunnerVariant, TrialConfig, TrialProgress } from './options.ts';
export { formatReport, summarize } from './report.ts';
export type { ExperimentReport, ExperimentSummary, Spread } from './report.ts';
export { CHECK_EVERY, runConfigTrial, runTrial } from './trial.ts';
export type { TrialResult } from './trial.ts';
