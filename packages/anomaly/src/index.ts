// Public entry of @carousel/anomaly: the NAB v1.1 reader, scorer and result writer; the online
// anomaly scorer (error -> raw score -> likelihood -> flag) and the online sample normaliser.

export { ANOMALY_ERR, AnomalyError } from './errors.ts';
export type { AnomalyErrorCode } from './errors.ts';

export { formatNabTimestamp, parseNabTimestamp } from './timestamps.ts';

export { NAB_PROFILE_NAMES, checkCostMatrix, parseProfiles } from './profiles.ts';
export type { CostMatrix, Profiles } from './profiles.ts';

export { DEFAULT_PROBATIONARY_PERCENT, PROBATIONARY_ROW_CAP, probationaryLength, scaledSigmoid, sigmoid } from './sigmoid.ts';

export { ROW_OUTSIDE, ROW_PROBATIONARY, matchWindows, parseWindows, windowLabels } from './windows.ts';
export type { CorpusWindows, WindowLimits, WindowRows } from './windows.ts';

export { MAX_TP, SWEEP_START_THRESHOLD, bestThreshold, collectPoints, sweepThresholds } from './sweeper.ts';
export type { FileRows, SweepPoints, ThresholdScore, ThresholdTable } from './sweeper.ts';

export { scoreCorpus, scoreFile } from './scorer.ts';
export type { CorpusScore, DetectorResults, FileScore, ProfileScore, RowCounts, ScoreOptions } from './scorer.ts';

export { readDataFile, readDataFolder, readNabCorpus, readProfiles, readResultFile, readResults, readWindows } from './reader.ts';
export type { NabCorpus, NabSeries } from './reader.ts';

export { formatNabResults, resultFilePath, writeNabResults } from './writer.ts';
export type { NabResultRows } from './writer.ts';

export {
  DEFAULT_ERROR_CLIP,
  DEFAULT_ERROR_WINDOW,
  DEFAULT_ESTIMATION_SAMPLES,
  DEFAULT_FEATURES,
  DEFAULT_HISTORIC_WINDOW,
  DEFAULT_INITIAL_ERROR_VARIANCE,
  DEFAULT_KERNEL_WIDTH,
  DEFAULT_LEARNING_PERIOD,
  DEFAULT_MIN_ERROR_VARIANCE,
  DEFAULT_MIN_SCORE_VARIANCE,
  DEFAULT_REARM_LIKELIHOOD,
  DEFAULT_REFRACTORY,
  DEFAULT_TAIL,
  DEFAULT_THRESHOLD,
  DEFAULT_WINDOWS,
  MAX_WINDOW,
  defaultAnomalyOptions,
  parseAnomalyOptions,
} from './anomaly-options.ts';
export type { AnomalyScorerOptions } from './anomaly-options.ts';

export { LOG_LIKELIHOOD_EPSILON, createAnomalyScorer } from './anomaly-scorer.ts';
export type { AnomalyScore, AnomalyScorer, AnomalyScorerState } from './anomaly-scorer.ts';

export { erfc, gaussianTail } from './gaussian.ts';

export {
  DEFAULT_NORMALIZER_CLIP,
  DEFAULT_NORMALIZER_MIN_VARIANCE,
  DEFAULT_NORMALIZER_WARMUP,
  DEFAULT_NORMALIZER_WINDOW,
  OnlineNormalizer,
  parseNormalizerOptions,
} from './normalizer.ts';
export type { OnlineNormalizerOptions, OnlineNormalizerState } from './normalizer.ts';
