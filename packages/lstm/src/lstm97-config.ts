// Configuration of the 1997 LSTM network family (LSTM-SPEC sections 1-2): memory-cell blocks
// around the constant error carousel, input/output gates, optional forget gate and peepholes,
// optional conventional hidden units, output layer. Parsed and frozen once by parseLstm97Config.

import type { Squash } from './activations.ts';
import { LstmError, LSTM_ERR, checkEnum, checkInt, checkNumber } from './errors.ts';

export interface Lstm97Config {
  /** I: external inputs. */
  inputs: number;
  /** K: output units. */
  outputs: number;
  /** C: memory-cell blocks. */
  blocks: number;
  /** S: cells per block. Default 1. */
  cellsPerBlock?: number;
  /** Conventional logistic hidden units (LSTM-SPEC 1.1). Default 0. */
  hiddenUnits?: number;
  /** Forget gate (Gers et al. 2000). Default false. */
  forgetGate?: boolean;
  /** Peephole connections from each block's states to its gates (Gers et al. 2002). Default false. */
  peepholes?: boolean;
  /** Output gate. Default true (Experiment 2a has none). */
  outputGate?: boolean;
  /** Cell input squashing g. Default 'sig4m2' (range [-2,2]). */
  g?: Squash;
  /** Cell output squashing h. Default 'sig2m1' (range [-1,1]). */
  h?: Squash;
  /** 'F': outputs see only cell outputs; 'B': outputs also see the inputs. Default 'F'. */
  connectivity?: 'F' | 'B';
  /**
   * What cells and gates read besides the inputs: 'all' = every hidden activation, gates included
   * (the paper's F, default); 'cells' = the cell outputs only (the modern connectivity, as in
   * PyTorch's nn.LSTM, with a quarter of the recurrent weights); 'inputs' = nothing (Exp. 2a/2b).
   */
  cellSources?: 'all' | 'cells' | 'inputs';
  /** Which units have a bias weight. Default: all true. */
  biases?: { gates?: boolean; cells?: boolean; outputs?: boolean; hidden?: boolean };
  /** Per-block gate-bias initial values (length C each); unlisted gates get random biases. */
  gateBias?: { input?: number[]; output?: number[]; forget?: number[] };
  /** Weights are initialised uniform in [-initRange, initRange]. Default 0.1. */
  initRange?: number;
  /** Output activation: 'logistic' (the paper's), 'linear', or 'softmax'. Default 'logistic'. */
  head?: 'logistic' | 'linear' | 'softmax';
  /** Loss: 'mse' (E = ½Σ(d-y)²) or 'ce' (cross-entropy; with softmax or logistic heads). Default 'mse'. */
  loss?: 'mse' | 'ce';
  /** Seed of the initialisation PRNG (prng.ts). Default 1. */
  seed?: number;
}

const SQUASH = ['sig4m2', 'sig2m1', 'sigmoid', 'tanh', 'identity'] as const;

/**
 * A parsed, validated, frozen Lstm97Config with every default filled in and the derived sizes.
 * Dimension letters: I inputs, C blocks, S cells per block, N = C·S cells, U conventional hidden
 * units, K outputs, R hidden activations fed back, Z source-vector length, O output-source length.
 */
export interface Lstm97Spec {
  readonly inputs: number; // I
  readonly outputs: number; // K
  readonly blocks: number; // C
  readonly cellsPerBlock: number; // S
  readonly cells: number; // N = C·S
  readonly hiddenUnits: number; // U
  readonly forgetGate: boolean;
  readonly peepholes: boolean;
  readonly outputGate: boolean;
  readonly g: Squash;
  readonly h: Squash;
  readonly connectivity: 'F' | 'B';
  readonly cellSources: 'all' | 'cells' | 'inputs';
  readonly biases: { readonly gates: boolean; readonly cells: boolean; readonly outputs: boolean; readonly hidden: boolean };
  readonly gateBias: { readonly input?: readonly number[]; readonly output?: readonly number[]; readonly forget?: readonly number[] };
  readonly initRange: number;
  readonly head: 'logistic' | 'linear' | 'softmax';
  readonly loss: 'mse' | 'ce';
  readonly seed: number;
  /** R: length of r(t) = [y_c (N); y_in (C); y_φ (C if forget); y_out (C if output gate); y_h (U)]. */
  readonly recurrent: number;
  /** Length of z without the bias column: I + R ('all'), I + N ('cells') or I ('inputs'). */
  readonly zBase: number;
  /** Fan-in (row length) of gates, cells and conventional units: zBase + 1 when they have a bias. */
  readonly zGate: number;
  readonly zCell: number;
  readonly zHidden: number;
  /** O: length of the output source o(t) = [y_c; y_h; x if B; 1 if output bias]. */
  readonly outSources: number;
}

/** Parses, checks and freezes a 1997-family configuration. Throws LSTM_ERR_CONFIG naming the field. */
export function parseLstm97Config(cfg: Lstm97Config): Lstm97Spec {
  if (cfg === null || typeof cfg !== 'object') throw new LstmError(LSTM_ERR.CONFIG, 'config must be an object');
  const inputs = checkInt('inputs', cfg.inputs, 1, 1 << 20);
  const outputs = checkInt('outputs', cfg.outputs, 1, 1 << 20);
  const blocks = checkInt('blocks', cfg.blocks, 1, 1 << 16);
  const cellsPerBlock = checkInt('cellsPerBlock', cfg.cellsPerBlock ?? 1, 1, 1 << 10);
  const hiddenUnits = checkInt('hiddenUnits', cfg.hiddenUnits ?? 0, 0, 1 << 16);
  const forgetGate = bool('forgetGate', cfg.forgetGate ?? false);
  const peepholes = bool('peepholes', cfg.peepholes ?? false);
  const outputGate = bool('outputGate', cfg.outputGate ?? true);
  const g = checkEnum('g', cfg.g ?? 'sig4m2', SQUASH);
  const h = checkEnum('h', cfg.h ?? 'sig2m1', SQUASH);
  const connectivity = checkEnum('connectivity', cfg.connectivity ?? 'F', ['F', 'B'] as const);
  const cellSources = checkEnum('cellSources', cfg.cellSources ?? 'all', ['all', 'cells', 'inputs'] as const);
  const b = cfg.biases ?? {};
  const biases = Object.freeze({
    gates: bool('biases.gates', b.gates ?? true),
    cells: bool('biases.cells', b.cells ?? true),
    outputs: bool('biases.outputs', b.outputs ?? true),
    hidden: bool('biases.hidden', b.hidden ?? true),
  });
  const gb = cfg.gateBias ?? {};
  const gateBias = Object.freeze({
    input: biasList('gateBias.input', gb.input, blocks),
    output: biasList('gateBias.output', gb.output, blocks),
    forget: biasList('gateBias.forget', gb.forget, blocks),
  });
  if (gateBias.forget && !forgetGate) throw new LstmError(LSTM_ERR.CONFIG, 'gateBias.forget given but forgetGate is false', { gateBias });
  if (gateBias.output && !outputGate) throw new LstmError(LSTM_ERR.CONFIG, 'gateBias.output given but outputGate is false', { gateBias });
  if ((gateBias.input || gateBias.output || gateBias.forget) && !biases.gates) {
    throw new LstmError(LSTM_ERR.CONFIG, 'gateBias given but biases.gates is false', { gateBias });
  }
  const initRange = checkNumber('initRange', cfg.initRange ?? 0.1, 0, 100);
  const head = checkEnum('head', cfg.head ?? 'logistic', ['logistic', 'linear', 'softmax'] as const);
  const loss = checkEnum('loss', cfg.loss ?? 'mse', ['mse', 'ce'] as const);
  if (loss === 'ce' && head === 'linear') throw new LstmError(LSTM_ERR.CONFIG, 'loss ce needs a logistic or softmax head', { head, loss });
  const seed = checkInt('seed', cfg.seed ?? 1, 0, 0xffffffff);

  const cells = blocks * cellsPerBlock;
  const recurrent = cells + blocks * (1 + (forgetGate ? 1 : 0) + (outputGate ? 1 : 0)) + hiddenUnits;
  const zBase = cellSources === 'all' ? inputs + recurrent : cellSources === 'cells' ? inputs + blocks * cellsPerBlock : inputs;
  return Object.freeze({
    inputs, outputs, blocks, cellsPerBlock, cells, hiddenUnits, forgetGate, peepholes, outputGate, g, h,
    connectivity, cellSources, biases, gateBias, initRange, head, loss, seed, recurrent, zBase,
    zGate: zBase + (biases.gates ? 1 : 0),
    zCell: zBase + (biases.cells ? 1 : 0),
    zHidden: zBase + (biases.hidden ? 1 : 0),
    outSources: cells + hiddenUnits + (connectivity === 'B' ? inputs : 0) + (biases.outputs ? 1 : 0),
  });
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new LstmError(LSTM_ERR.CONFIG, `${name} must be a boolean, got ${String(v)}`, { [name]: v });
  return v;
}

function biasList(name: string, v: unknown, blocks: number): readonly number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== blocks || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new LstmError(LSTM_ERR.CONFIG, `${name} must be ${blocks} finite numbers (one per block), got ${JSON.stringify(v)}`, { [name]: v });
  }
  return Object.freeze([...v]);
}
