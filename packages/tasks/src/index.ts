// Public API of @carousel/tasks: the 1997 LSTM paper's experiments as seeded generators, the
// per-experiment configs as data, weight counts and correctness predicates.

export { TASK_ERR, TaskError } from './errors.ts';
export type { TaskErrorCode } from './errors.ts';

export { OneHotCode, argmax } from './sequence.ts';
export type { SequenceGenerator, SequenceMeta, TaskSequence } from './sequence.ts';

export { STREAM_FORK, trialStreams } from './streams.ts';
export type { TrialStreams } from './streams.ts';

export {
  ContinualReber,
  REBER_SYMBOLS,
  REBER_WIDTH,
  embeddedReber,
  isEmbeddedReber,
  isEmbeddedReberRun,
  legalSymbols,
  reberSets,
} from './reber.ts';
export type { ReberMeta, ReberOptions, ReberSets, ReberSetsOptions, ReberStep, ReberTarget } from './reber.ts';

export { P_TRIGGER_2C, longLag2a, longLag2b, longLag2c } from './longlag.ts';
export type { LongLagMeta } from './longlag.ts';

export { NOISE_SD_3, TARGET_NOISE_SD_3C, noiseSignal } from './noise-signal.ts';
export type { NoiseSignalMeta, NoiseSignalParams } from './noise-signal.ts';

export { adding } from './adding.ts';
export type { AddingMeta } from './adding.ts';

export { multiplication } from './multiplication.ts';
export type { MultiplicationMeta } from './multiplication.ts';

export {
  TEMPORAL_ORDER_CLASSES,
  TEMPORAL_ORDER_LENGTH,
  TEMPORAL_ORDER_SYMBOLS,
  TEMPORAL_ORDER_WINDOWS,
  temporalOrder,
} from './temporal-order.ts';
export type { TemporalOrderMeta } from './temporal-order.ts';

export { EXPERIMENTS, experimentById } from './experiments.ts';
export type { Evaluation, ExperimentConfig, ExperimentId, PaperFigures, StopRule, TaskSpec } from './experiments.ts';

export { createGenerator } from './generators.ts';

export { CORRECTNESS, isCorrect, legalOnTop } from './correctness.ts';
export type { CorrectnessRule, StepOutputs } from './correctness.ts';

export { lstm97WeightCount } from './weights.ts';

export {
  CERG_KEY,
  DEFAULT_TRIALS,
  RUNNER_HEADS,
  RUNNER_LEARNERS,
  RUNNER_VARIANTS,
  formatReport,
  listExperiments,
  resolveExperiment,
  runConfigTrial,
  runExperiment,
  runTrial,
  summarize,
} from './runner/index.ts';
export type {
  ExperimentEvent,
  ExperimentListing,
  ExperimentReport,
  ExperimentSummary,
  RunExperimentOptions,
  RunTrialOptions,
  RunnerHead,
  RunnerLearner,
  RunnerVariant,
  TrialProgress,
  TrialResult,
} from './runner/index.ts';
