// Public entry of @carousel/worker: the worker service, its options, the stream processor it
// runs per stream, and the checkpoint codec (for tools and tests).

export { Worker, provision, resourceNames } from './worker.ts';
export { runWorker, optionsFromEnv } from './main.ts';
export { WORKER_NODE_FLAGS, maxSemiSpaceMb, youngGenerationHint } from './node-flags.ts';
export { INFER_WARMUP, benchWorker, steadyStateSamples } from './bench.ts';
export { formatHops } from './bench-hops.ts';
export { BenchChild } from './bench-child.ts';
export { idleEchoSubject } from './bench-echo.ts';
export type { HopSummary } from './bench-hops.ts';
export type { BenchWorkerOptions, BenchWorkerResult } from './bench.ts';
export { benchWorkerMemory } from './bench-memory.ts';
export type { BenchMemoryOptions, BenchMemoryResult } from './bench-memory.ts';
export {
  DEFAULT_CHECKPOINT_BYTES_PER_SEC, DEFAULT_CHECKPOINT_EVERY_MS, DEFAULT_CHECKPOINT_EVERY_SAMPLES, DEFAULT_CONSUMER_BATCH, DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_HEARTBEAT_MS, DEFAULT_IDLE_MS, DEFAULT_LEASE_TTL_MS, DEFAULT_MAX_ACTIVE, DEFAULT_MAX_KV_CHECKPOINT_BYTES,
  DEFAULT_MAX_MAILBOX, DEFAULT_METRICS_PORT, DEFAULT_SLICE_MS, DEFAULT_TURNS_PER_SLICE, DEFAULT_NATS_URL, DEFAULT_PARTITIONS, DEFAULT_PREFIX,
  defaultWorkerOptions, parseWorkerOptions,
} from './options.ts';
export type { WorkerOptions, WorkerOptionsInput } from './options.ts';
export { StreamProcessor } from './stream-processor.ts';
export type { ProcessorState, SharedModel, StepResult, StreamStats } from './stream-processor.ts';
export { DEFAULT_STREAM_MODEL, defaultStreamConfig, parseStreamConfig, withStreamPhase } from './stream-config.ts';
export type { StreamConfig, StreamModelOptions } from './stream-config.ts';
export { WORKER_ERR, WorkerError } from './errors.ts';
export type { WorkerErrorCode } from './errors.ts';
// `carousel model upload`: checks weights as a warm start reads them.
export { checkWarmModel } from './warm-start.ts';
export type { WarmRef } from './warm-start.ts';
export { CheckpointStore, packBody, unpackBody, partKey } from './checkpoint.ts';
export type { CheckpointBody, LoadedCheckpoint } from './checkpoint.ts';
export { leaseKey, readLease } from './leases.ts';
export { groupKey, groupOfStream, groupSubjects, parseGroups } from './groups.ts';
export type { GroupInput, GroupSpec, GroupSubjects } from './groups.ts';
export { addMember, groupCore, groupModelBytes, groupRecordKey, packGroupRecord, replayGroup, unpackGroupRecord } from './group-actor.ts';
export type { GroupCore, GroupRecord } from './group-actor.ts';

// `carousel nab`: the detector over NAB-layout folders (services/worker/src/nab).
export { NAB_CONFIG_FILE, NAB_OUTPUTS, NAB_VOTES, NabDetector, defaultNabConfig, detectSeries, parseNabConfig } from './nab/detector.ts';
export type { NabDetectorConfig, NabMemberConfig, NabOutput, NabVote } from './nab/detector.ts';
export { NAB_V11_PROFILES, globToRegExp, listDataFiles, readCorpusWindows, runCorpus, startWorkerThread, summarize, writeCorpusResults } from './nab/run-corpus.ts';
export type { CategorySummary, CorpusProgress, CorpusSummary, ProfileSummary, RunCorpusOptions, SeriesResult } from './nab/run-corpus.ts';
export { listReferenceDetectors, scoreReferences } from './nab/references.ts';
