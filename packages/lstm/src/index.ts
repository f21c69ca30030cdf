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
