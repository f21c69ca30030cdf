// One options object for "a model a stream runs": which cell, which learner, which optimizer.
// The worker, `carousel model run`, the paper runner and the bench all build their models here,
// so a stream configured over the control API trains exactly like the same config offline.
// Not a new network: it only picks and wires the cells, learners and Trainer of this package.

import { decodeCheckpoint, encodeCheckpoint, type JsonValue, type StateRecord } from './checkpoint.ts';
import { LSTM_ERR, LstmError, checkEnum, checkInt } from './errors.ts';
import type { Learner, StreamState } from './learner.ts';
import { parseLstm97Config, type Lstm97Config } from './lstm97-config.ts';
import type { OptimizerOptions } from './optimizers.ts';
import { checkPhase, parseRecurrentOptions, type RecurrentCell, type RecurrentOptions } from './recurrent-options.ts';
import { buildRecurrentLayout } from './recurrent-layout.ts';
import { lstm97Layout, type Lstm97State } from './lstm97.ts';
import { Tbptt97 } from './lstm97-tbptt.ts';
import { Rtrl97 } from './rtrl97.ts';
import { isRingV1, upgradeRingV1 } from './ring-v1.ts';
import { restoreStream, snapshotStream } from './stream-state.ts';
import { RecurrentLearner } from './tbptt.ts';
import { Trainer } from './trainer.ts';

/** The cells: the 1997 family ('lstm97', '+forget gate', '+forget gate and peepholes') and the modern ones. */
export type CellKind = 'lstm97' | 'forget' | 'peephole' | RecurrentCell;
export const CELL_KINDS: readonly CellKind[] = ['lstm97', 'forget', 'peephole', 'vanilla', 'cifg', 'gru'];
export type LearnerKind = 'rtrl97' | 'tbptt' | 'bptt';
export const LEARNER_KINDS: readonly LearnerKind[] = ['rtrl97', 'tbptt', 'bptt'];

/** Default cell for a live stream: the 1997 cell with a forget gate (no resets on a stream). */
export const DEFAULT_CELL: CellKind = 'forget';
/** Default hidden size (memory cells / units per layer). */
export const DEFAULT_HIDDEN = 32;
/** Default TBPTT cadence k1 (steps) and window k2 (steps). */
export const DEFAULT_MODEL_K1 = 1;
export const DEFAULT_MODEL_K2 = 16;

export interface ModelOptions {
  /** Cell kind. Default DEFAULT_CELL ('forget'). */
  cell?: CellKind;
  /** X inputs. Required. */
  inputs: number;
  /** K outputs. Required. */
  outputs: number;
  /** Hidden size: memory blocks for the 1997 family (one layer), units per layer otherwise. Default 32. */
  hidden?: number | readonly number[];
  /** Learner. Default 'rtrl97' for the 1997 family, 'tbptt' otherwise. */
  learner?: LearnerKind;
  /** TBPTT: backward pass every k1 steps over the last k2 steps. Defaults 1 and 16. */
  k1?: number;
  k2?: number;
  /** TBPTT: the first backward pass comes after k1 − phase steps, 0 ≤ phase < k1 (RecurrentOptions.phase). Default 0. */
  phase?: number;
  /** Output head and loss. Defaults 'linear' and 'mse'. */
  head?: 'linear' | 'logistic' | 'softmax';
  loss?: 'mse' | 'ce';
  /** Initial weights uniform in [-initRange, initRange]. Default 0.1. */
  initRange?: number;
  /** Initialisation seed. Default 1. */
  seed?: number;
  /** Modern cells: peepholes (default false here, to match PyTorch) and the forget-gate bias (default 1). */
  peepholes?: boolean;
  forgetBias?: number;
  /** 1997 family: any further Lstm97Config fields (cells per block, gate biases, connectivity...). */
  lstm97?: Partial<Lstm97Config>;
  /** Optimizer (optimizers.ts). Default plain SGD with lr 0.01. */
  optimizer?: OptimizerOptions;
  /** Gradient events per update (1 = update every event). Default 1. */
  applyEvery?: number;
}

/** A built model: the learner (weights, gradient, streams) and the trainer that updates it. */
export interface Model<S extends StreamState = StreamState> {
  /** The options as resolved, frozen: what a checkpoint stores to rebuild this model. */
  readonly options: Readonly<ResolvedModelOptions>;
  readonly learner: Learner<S> & { flush?(s: S): boolean };
  readonly trainer: Trainer<S>;
}

export interface ResolvedModelOptions extends ModelOptions {
  readonly cell: CellKind;
  readonly learner: LearnerKind;
  readonly hidden: number | readonly number[];
}

const IS_1997: Record<CellKind, boolean> = { lstm97: true, forget: true, peephole: true, vanilla: false, cifg: false, gru: false };

/** Resolves defaults and checks the cell/learner pairing (LSTM_ERR_CONFIG / LSTM_ERR_UNSUPPORTED). */
export function resolveModelOptions(o: ModelOptions): ResolvedModelOptions {
  if (o === null || typeof o !== 'object') throw new LstmError(LSTM_ERR.CONFIG, 'model options must be an object');
  const cell = checkEnum('cell', o.cell ?? DEFAULT_CELL, CELL_KINDS);
  const learner = checkEnum('learner', o.learner ?? (IS_1997[cell] ? 'rtrl97' : 'tbptt'), LEARNER_KINDS);
  if (learner === 'rtrl97' && !IS_1997[cell]) {
    throw new LstmError(LSTM_ERR.UNSUPPORTED, `learner rtrl97 needs a 1997-family cell (lstm97, forget, peephole), got ${cell}`, { cell, learner });
  }
  if (learner === 'rtrl97' && o.phase !== undefined && o.phase !== 0) {
    throw new LstmError(LSTM_ERR.CONFIG, 'phase is for the tbptt learner (rtrl97 learns every step)', { phase: o.phase });
  }
  const hidden = o.hidden ?? DEFAULT_HIDDEN;
  if (IS_1997[cell] && typeof hidden !== 'number') {
    throw new LstmError(LSTM_ERR.CONFIG, `hidden must be one number (memory blocks) for the ${cell} cell`, { hidden });
  }
  return Object.freeze({ ...o, cell, learner, hidden });
}

function cadence(opts: ResolvedModelOptions): { k1: number; k2: number; phase: number } {
  if (opts.learner === 'bptt') return { k1: Infinity, k2: Infinity, phase: checkPhase(opts.phase, Infinity) };
  const k1 = checkInt('k1', opts.k1 ?? DEFAULT_MODEL_K1, 1);
  return { k1, k2: checkInt('k2', opts.k2 ?? Math.max(DEFAULT_MODEL_K2, k1), k1), phase: checkPhase(opts.phase, k1) };
}

/** How a model is built in this process (not part of its options or checkpoints). */
export interface ModelBuild {
  /**
   * The learner's single-stream wasm kernels (wasm-single.ts) where its size and the backend allow
   * them. Default true. False for a model whose trainer will borrow a shared gradient
   * (Trainer.shareGradient), e.g. the worker's per-stream models: the kernels' memory would carry
   * an unused gradient per model, and their backward needs the gradient in that memory.
   * 'shared': no kernels of its own, but the vanilla/cifg/gru learner runs on the process's shared
   * kernels for its shape (RecurrentLearner `stage`; the 1997 family's learners take it as false).
   */
  kernels?: boolean | 'shared';
}

/** The 1997 family's learner config for resolved options. */
function lstm97ConfigOf(opts: ResolvedModelOptions): Lstm97Config {
  const cfg: Lstm97Config = {
    head: opts.head ?? 'linear',
    loss: opts.loss ?? 'mse',
    initRange: opts.initRange ?? 0.1,
    seed: opts.seed ?? 1,
    ...opts.lstm97,
    inputs: opts.inputs,
    outputs: opts.outputs,
    blocks: opts.hidden as number,
    forgetGate: opts.cell !== 'lstm97',
    peepholes: opts.cell === 'peephole',
  };
  if (cfg.forgetGate && !cfg.gateBias?.forget && (cfg.biases?.gates ?? true)) {
    // A positive forget-gate bias so the cell starts as the 1997 cell (LSTM-SPEC 2.1).
    cfg.gateBias = { ...cfg.gateBias, forget: new Array<number>(cfg.blocks).fill(opts.forgetBias ?? 1) };
  }
  return cfg;
}

/** The modern family's learner config for resolved options. */
function recurrentConfigOf(opts: ResolvedModelOptions): RecurrentOptions {
  const { k1, k2, phase } = cadence(opts);
  return {
    inputs: opts.inputs,
    outputs: opts.outputs,
    hidden: opts.hidden,
    cell: opts.cell as RecurrentCell,
    peepholes: opts.peepholes ?? false,
    head: opts.head ?? 'linear',
    loss: opts.loss ?? 'mse',
    initRange: opts.initRange ?? 0.1,
    forgetBias: opts.forgetBias ?? 1,
    seed: opts.seed ?? 1,
    k1,
    k2,
    phase,
  };
}

/**
 * How many parameters (weights and biases) createModel(o) would hold, from the layout alone:
 * nothing of the model's size is allocated. For callers that cap model sizes before building.
 * Throws on options createModel would refuse.
 */
export function modelParamCount(o: ModelOptions): number {
  const opts = resolveModelOptions(o);
  if (IS_1997[opts.cell]) return lstm97Layout(parseLstm97Config(lstm97ConfigOf(opts))).size;
  return buildRecurrentLayout(parseRecurrentOptions(recurrentConfigOf(opts))).size;
}

/** Builds learner and trainer for the options; `params`, if given, replaces the initial weights. */
export function createModel(o: ModelOptions, params?: Float64Array, build: ModelBuild = {}): Model<StreamState> {
  const opts = resolveModelOptions(o);
  let learner: Learner<StreamState> & { flush?(s: StreamState): boolean };
  if (IS_1997[opts.cell]) {
    const cfg = lstm97ConfigOf(opts);
    if (opts.learner === 'rtrl97') {
      learner = new Rtrl97(cfg, params, { kernels: build.kernels === 'shared' ? false : build.kernels }) as unknown as Learner<StreamState>;
    } else {
      learner = new Tbptt97(cfg, cadence(opts), params) as unknown as Learner<StreamState>;
    }
  } else {
    const r = new RecurrentLearner(recurrentConfigOf(opts), { kernels: build.kernels });
    if (params) {
      if (params.length !== r.params.length) throw new LstmError(LSTM_ERR.DIMENSION, `params must have length ${r.params.length}, got ${params.length}`);
      r.params.set(params);
    }
    learner = r as unknown as Learner<StreamState>;
  }
  const trainer = new Trainer(learner, { optimizer: opts.optimizer ?? {}, applyEvery: opts.applyEvery ?? 1 });
  return Object.freeze({ options: opts, learner, trainer });
}

/**
 * A checkpoint of a model and any number of its streams, to bytes (checkpoint.ts) and back,
 * bit-exact: options, params, optimizer state, an open accumulation window (kept as it is, not
 * applied: call trainer.flush() first to apply it), per-stream state.
 */
export function saveModel<S extends StreamState>(m: Model<S>, streams: Record<string, S> = {}): Uint8Array {
  const rec: Record<string, StateRecord> = {};
  for (const [name, s] of Object.entries(streams)) rec[name] = snapshotStream(s);
  return encodeCheckpoint({
    config: JSON.parse(JSON.stringify(m.options)) as JsonValue,
    params: m.learner.params,
    groups: m.learner.groups,
    optimizer: m.trainer.optimizer.state(),
    streams: rec,
    window: m.trainer.window(),
  });
}

/** Rebuilds the model and its streams from saveModel's bytes. LSTM_ERR_CHECKPOINT on bad bytes. */
export function loadModel(bytes: Uint8Array, build: ModelBuild = {}): { model: Model<StreamState>; streams: Record<string, StreamState> } {
  const c = decodeCheckpoint(bytes);
  if (c.config === null || typeof c.config !== 'object' || Array.isArray(c.config)) {
    throw new LstmError(LSTM_ERR.CHECKPOINT, 'checkpoint config is not a model options object');
  }
  const model = createModel(c.config as unknown as ModelOptions, c.params, build);
  if (c.optimizer) model.trainer.optimizer.load(c.optimizer);
  if (c.window) model.trainer.restoreWindow(c.window);
  const streams: Record<string, StreamState> = {};
  const { learner } = model;
  // Stream records of a RecurrentLearner written before the compact ring are upgraded (ring-v1.ts).
  // Stream records of the 1997 family written before the deferred trace update (Lstm97State.tr) get
  // a zero one of the stream's length: nothing pending, which is what those records held.
  const upgrade = (rec: StateRecord, into: StreamState): StateRecord => {
    if (learner instanceof RecurrentLearner && isRingV1(rec)) return upgradeRingV1(rec, learner.slots);
    if ((learner instanceof Rtrl97 || learner instanceof Tbptt97) && !('tr' in rec)) return { ...rec, tr: new Float64Array((into as Lstm97State).tr.length) };
    return rec;
  };
  for (const [name, rec] of Object.entries(c.streams ?? {})) {
    const s = learner.newStream();
    streams[name] = restoreStream(s, upgrade(rec, s));
  }
  return { model, streams };
}
