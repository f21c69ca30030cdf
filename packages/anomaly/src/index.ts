// Public entry of @carousel/anomaly: the NAB v1.1 reader, scorer and result writer.

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
