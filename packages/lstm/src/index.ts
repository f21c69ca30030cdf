// @carousel/lstm: the numeric core. Cells, learners, optimizers, checkpoints. Public API by name.

export { LSTM_ERR, LstmError, type LstmErrorCode } from './errors.ts';
export { createRng, type Rng } from './prng.ts';
export { sigmoid, squash, squashPrime, type Squash } from './activations.ts';
export type { Learner, ParamGroup, StreamState } from './learner.ts';
export { parseLstm97Config, type Lstm97Config, type Lstm97Spec } from './lstm97-config.ts';
export {
  LSTM97_GROUP_ORDER,
  createLstm97,
  initLstm97Params,
  lstm97Forward,
  lstm97ForwardBatch,
  lstm97Layout,
  newLstm97State,
  resetLstm97State,
  settleTraces,
  type Lstm97Layout,
  type Lstm97State,
} from './lstm97.ts';
export { Rtrl97, outputLoss, rtrl97Accumulate, rtrl97Backward, type Rtrl97Stream } from './rtrl97.ts';
export {
  DEFAULT_FORGET_BIAS,
  DEFAULT_INIT_RANGE,
  DEFAULT_K1,
  DEFAULT_K2_FACTOR,
  DEFAULT_MAX_LENGTH,
  DEFAULT_RECURRENT_CELL,
  DEFAULT_RECURRENT_HEAD,
  DEFAULT_RECURRENT_LOSS,
  DEFAULT_RECURRENT_SEED,
  RECURRENT_CELLS,
  RECURRENT_HEADS,
  RECURRENT_LOSSES,
  parseRecurrentOptions,
  type RecurrentCell,
  type RecurrentConfig,
  type RecurrentHead,
  type RecurrentLoss,
  type RecurrentOptions,
} from './recurrent-options.ts';
export {
  CIFG_GATES,
  GATE_ORDER,
  GRU_GATES,
  PEEPHOLE_GROUPS,
  VANILLA_GATES,
  buildRecurrentLayout,
  findGroup,
  groupView,
  initRecurrentParams,
  layerPrefix,
  type HeadLayout,
  type LayerLayout,
  type RecurrentLayout,
} from './recurrent-layout.ts';
export { gateBackward, gatePreactivations, vanillaBackward, vanillaForward } from './vanilla.ts';
export { gruBackward, gruForward } from './gru.ts';
export { headBackward, headForward, headLoss } from './heads.ts';
export { createStepRing, slotLayout, slotSize, type LayerCache, type SlotLayout, type StepCache, type StepRing } from './ring.ts';
export { MAX_WORKSPACE_SHAPES, workspaceFor, type Workspace } from './workspace.ts';
export { RecurrentLearner, bptt, tbptt, type RecurrentStream } from './tbptt.ts';
export { StreamBatch } from './batch.ts';
export { INFER_PRECISIONS, InferBatch, inferBatchAvailable, type InferPrecision } from './infer.ts';
export { Lstm97InferBatch, type Lstm97Net } from './infer97.ts';
export { KERNEL_BACKENDS, WASM_MIN_BATCH, kernelBackend, setKernelBackend, setWasmSquash, wasmKernelsAvailable, wasmSquash, type KernelBackend } from './wasm-kernels.ts';
export {
  CELL_KINDS,
  DEFAULT_CELL,
  DEFAULT_HIDDEN,
  LEARNER_KINDS,
  createModel,
  modelParamCount,
  resolveModelOptions,
  type CellKind,
  type LearnerKind,
  type Model,
  type ModelBuild,
  type ModelOptions,
  type ResolvedModelOptions,
} from './model.ts';
export {
  cacheLstm97Step,
  createLstm97BackwardScratch,
  createLstm97Ring,
  lstm97Backward,
  lstm97BackwardWindow,
  lstm97SlotSize,
  type Lstm97BackwardScratch,
  type Lstm97Ring,
  type Lstm97StepCache,
} from './lstm97-bptt.ts';
export {
  DEFAULT_LSTM97_MAX_LENGTH,
  Tbptt97,
  bptt97,
  parseTbptt97Options,
  tbptt97,
  type Tbptt97Config,
  type Tbptt97Options,
  type Tbptt97Stream,
} from './lstm97-tbptt.ts';
export { loadModel, saveModel } from './model.ts';
export { copyStream, restoreStream, snapshotStream } from './stream-state.ts';
export { clipByGlobalNorm, clipByValue, clipFactor, gradNorm } from './clip.ts';
export {
  APPLY_STATUS,
  DEFAULT_ADAMW_WEIGHT_DECAY,
  DEFAULT_ADAM_LR,
  DEFAULT_BETA1,
  DEFAULT_BETA2,
  DEFAULT_CLIP_NORM,
  DEFAULT_CLIP_VALUE,
  DEFAULT_EPS,
  DEFAULT_MOMENTUM,
  DEFAULT_NESTEROV,
  DEFAULT_OPTIMIZER,
  DEFAULT_RMSPROP_ALPHA,
  DEFAULT_RMSPROP_LR,
  DEFAULT_SGD_LR,
  DEFAULT_WEIGHT_DECAY,
  OPTIMIZER_KINDS,
  applyStatusCode,
  createOptimizer,
  parseOptimizerOptions,
  type ApplyStatus,
  type Optimizer,
  type OptimizerKind,
  type OptimizerOptions,
  type OptimizerState,
  type ResolvedOptimizerOptions,
} from './optimizers.ts';
export {
  DEFAULT_APPLY_EVERY,
  DEFAULT_REDUCE,
  GradientPool,
  Trainer,
  parseTrainerOptions,
  type ResolvedTrainerOptions,
  type TrainerWindow,
  type TrainerOptions,
  type TrainerReduce,
  type TrainerStats,
} from './trainer.ts';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_MAX_DEPTH,
  CHECKPOINT_VERSION,
  bytesToFloat64,
  decodeCheckpoint,
  encodeCheckpoint,
  float64ToBytes,
  type Checkpoint,
  type CheckpointExpect,
  type JsonValue,
  type StateRecord,
  type StateValue,
} from './checkpoint.ts';
export {
  SAFETENSORS_MAX_HEADER,
  bf16ToNumber,
  f16ToNumber,
  readSafetensors,
  writeSafetensors,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsWriteDtype,
  type SafetensorsWriteOptions,
  type Tensor,
  type TensorMap,
} from './safetensors.ts';
export {
  DEFAULT_HEAD_PREFIX,
  DEFAULT_RNN_PREFIX,
  exportPytorch,
  importPytorch,
  referenceRecurrentGroups,
  stateDictFromJson,
  stateDictToJson,
  type ParamLayoutSpec,
  type PytorchOptions,
  type RecurrentKind,
  type StateDict,
} from './pytorch.ts';
export { inspectStateDict, modelFromPytorch, modelToPytorch, type StateDictShape } from './interchange.ts';
