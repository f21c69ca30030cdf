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
  type Lstm97Layout,
  type Lstm97State,
} from './lstm97.ts';
export { Rtrl97, outputLoss, rtrl97Backward, type Rtrl97Stream } from './rtrl97.ts';
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
export { createStepRing, slotSize, type LayerCache, type StepRing, type StepSlot } from './ring.ts';
export { RecurrentLearner, bptt, tbptt, type RecurrentStream } from './tbptt.ts';
export { StreamBatch } from './batch.ts';
export {
  CELL_KINDS,
  DEFAULT_CELL,
  DEFAULT_HIDDEN,
  LEARNER_KINDS,
  createModel,
  resolveModelOptions,
  type CellKind,
  type LearnerKind,
  type Model,
  type ModelOptions,
  type ResolvedModelOptions,
} from './model.ts';
