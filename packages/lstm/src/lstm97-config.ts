// Configuration of the 1997 LSTM network family (LSTM-SPEC sections 1-2): memory-cell blocks
// around the constant error carousel, input/output gates, optional forget gate and peepholes,
// optional conventional hidden units, output layer. Parsed and frozen once by parseLstm97Config.

import type { Squash } from './activations.ts';

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
  /** What cells and gates read: 'all' = inputs + all hidden activations (default); 'inputs' = inputs only (Exp. 2a/2b). */
  cellSources?: 'all' | 'inputs';
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
