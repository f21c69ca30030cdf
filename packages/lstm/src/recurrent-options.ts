// Options of the modern recurrent family (vanilla LSTM, CIFG, GRU; LSTM-SPEC 2.3) and its
// truncated-BPTT learner (LSTM-SPEC 3): one interface with documented defaults, parsed, checked
// and frozen once by parseRecurrentOptions(). Not the 1997 family: see lstm97-config.ts.

import { LSTM_ERR, LstmError, checkEnum, checkInt, checkNumber } from './errors.ts';

/** Cell kinds of the modern family. */
export type RecurrentCell = 'vanilla' | 'cifg' | 'gru';
/** Output heads on the last layer's output. */
export type RecurrentHead = 'linear' | 'logistic' | 'softmax';
/** Per-step losses: 'mse' is E = ½Σ(d−y)², 'ce' is cross-entropy. */
export type RecurrentLoss = 'mse' | 'ce';

export const RECURRENT_CELLS: readonly RecurrentCell[] = ['vanilla', 'cifg', 'gru'];
export const RECURRENT_HEADS: readonly RecurrentHead[] = ['linear', 'logistic', 'softmax'];
export const RECURRENT_LOSSES: readonly RecurrentLoss[] = ['mse', 'ce'];

/** Default cell: Greff et al.'s vanilla LSTM. */
export const DEFAULT_RECURRENT_CELL: RecurrentCell = 'vanilla';
/** Default head: linear readout. */
export const DEFAULT_RECURRENT_HEAD: RecurrentHead = 'linear';
/** Default loss: ½Σ(d−y)². */
export const DEFAULT_RECURRENT_LOSS: RecurrentLoss = 'mse';
/** Default half-width of the uniform initialisation interval. */
export const DEFAULT_INIT_RANGE = 0.1;
/** Default forget-gate bias (vanilla and cifg; GRU has no forget gate). */
export const DEFAULT_FORGET_BIAS = 1;
/** Default seed of the initialisation PRNG. */
export const DEFAULT_RECURRENT_SEED = 1;
/** Default k1 (steps between backward passes). */
export const DEFAULT_K1 = 8;
/** Default k2 (window length, steps) is 2·k1, so every error sees at least k1 + 1 steps. */
export const DEFAULT_K2_FACTOR = 2;
/** Default ring capacity, steps, when k2 is Infinity (full BPTT). */
export const DEFAULT_MAX_LENGTH = 1024;

export interface RecurrentOptions {
  /** X: external inputs. Required. */
  inputs: number;
  /** K: outputs of the head. Required. */
  outputs: number;
  /** Hidden size per layer, bottom first (e.g. 8 or [16, 8]). Required. */
  hidden: number | readonly number[];
  /** Cell kind. Default 'vanilla'. */
  cell?: RecurrentCell;
  /** Peephole connections (vanilla, cifg). Default true for vanilla/cifg; must be false for gru. */
  peepholes?: boolean;
  /** Output head. Default 'linear'. */
  head?: RecurrentHead;
  /** Loss. Default 'mse'; 'ce' needs a logistic or softmax head. */
  loss?: RecurrentLoss;
  /** Every parameter starts uniform in [-initRange, initRange]. Default 0.1. */
  initRange?: number;
  /** bf is then set to this value in every layer (vanilla, cifg). Default +1. */
  forgetBias?: number;
  /** Seed of the initialisation PRNG (prng.ts). Default 1. */
  seed?: number;
  /** Backward pass every k1 steps; Infinity = only on flush() (full BPTT). Default 8. */
  k1?: number;
  /** Window length in steps, k2 ≥ k1; Infinity = back to the last reset. Default 2·k1 (Infinity if k1 is). */
  k2?: number;
  /**
   * The first backward pass after a reset runs after k1 − phase steps instead of k1, the later ones
   * every k1 steps after it (0 ≤ phase < k1; 0 when k1 is Infinity). Many streams started together
   * with phases spread over 0..k1−1 take their backward passes on different steps instead of all
   * on the same one (backwardDue). Default 0.
   */
  phase?: number;
  /** Ring capacity in steps when k2 is Infinity; a longer sequence is refused. Default 1024. */
  maxLength?: number;
}

/** Parsed options: every field present, frozen. */
export interface RecurrentConfig {
  readonly inputs: number;
  readonly outputs: number;
  readonly hidden: readonly number[];
  readonly cell: RecurrentCell;
  readonly peepholes: boolean;
  readonly head: RecurrentHead;
  readonly loss: RecurrentLoss;
  readonly initRange: number;
  readonly forgetBias: number;
  readonly seed: number;
  readonly k1: number;
  readonly k2: number;
  readonly phase: number;
  /** Steps the per-stream ring holds: k2, or maxLength when k2 is Infinity. */
  readonly capacity: number;
}

/**
 * Whether a TBPTT window is due: `pending` steps since the latest backward pass, `t` steps since
 * the stream's reset. Every k1 steps, the first one k1 − phase steps after the reset.
 */
export function backwardDue(pending: number, t: number, k1: number, phase: number): boolean {
  return pending >= k1 || (phase > 0 && pending > 0 && t === k1 - phase);
}

/** The phase option checked against k1 (LSTM_ERR_CONFIG): an integer in 0..k1−1, 0 for an infinite k1. */
export function checkPhase(v: unknown, k1: number): number {
  return checkInt('phase', v ?? 0, 0, k1 === Infinity ? 0 : k1 - 1);
}

function configError(field: string, message: string, value: unknown): LstmError {
  return new LstmError(LSTM_ERR.CONFIG, `${field} ${message}`, { [field]: value });
}

function checkSteps(name: string, v: unknown, min: number): number {
  if (v === Infinity) return v;
  return checkInt(name, v, min);
}

/** Merges defaults, validates every field (LSTM_ERR_CONFIG naming it) and freezes the result. */
export function parseRecurrentOptions(o: RecurrentOptions): RecurrentConfig {
  if (typeof o !== 'object' || o === null) throw configError('options', 'must be an object', o);
  const inputs = checkInt('inputs', o.inputs, 1);
  const outputs = checkInt('outputs', o.outputs, 1);
  const hiddenRaw: unknown = o.hidden;
  const hiddenList = typeof hiddenRaw === 'number' ? [hiddenRaw] : hiddenRaw;
  if (!Array.isArray(hiddenList) || hiddenList.length === 0) {
    throw configError('hidden', 'must be a positive integer or a non-empty array of them', hiddenRaw);
  }
  const hidden = Object.freeze(hiddenList.map((h: unknown, l: number) => checkInt(`hidden[${l}]`, h, 1)));
  const cell = checkEnum('cell', o.cell ?? DEFAULT_RECURRENT_CELL, RECURRENT_CELLS);
  const peepholes = o.peepholes ?? cell !== 'gru';
  if (typeof peepholes !== 'boolean') throw configError('peepholes', 'must be a boolean', peepholes);
  if (peepholes && cell === 'gru') throw configError('peepholes', 'must be false for a gru cell', peepholes);
  const head = checkEnum('head', o.head ?? DEFAULT_RECURRENT_HEAD, RECURRENT_HEADS);
  const loss = checkEnum('loss', o.loss ?? DEFAULT_RECURRENT_LOSS, RECURRENT_LOSSES);
  if (loss === 'ce' && head === 'linear') throw configError('loss', "'ce' needs a logistic or softmax head", loss);
  const initRange = checkNumber('initRange', o.initRange ?? DEFAULT_INIT_RANGE, 0);
  const forgetBias = checkNumber('forgetBias', o.forgetBias ?? DEFAULT_FORGET_BIAS);
  const seed = checkInt('seed', o.seed ?? DEFAULT_RECURRENT_SEED, 0, 0xffffffff);
  const k1 = checkSteps('k1', o.k1 ?? DEFAULT_K1, 1);
  const k2 = checkSteps('k2', o.k2 ?? k1 * DEFAULT_K2_FACTOR, 1);
  if (k2 < k1) throw configError('k2', `must be >= k1 (${k1})`, k2);
  const phase = checkPhase(o.phase, k1);
  const maxLength = checkInt('maxLength', o.maxLength ?? DEFAULT_MAX_LENGTH, 1);
  const capacity = k2 === Infinity ? maxLength : k2;
  return Object.freeze({
    inputs, outputs, hidden, cell, peepholes, head, loss, initRange, forgetBias, seed, k1, k2, phase, capacity,
  });
}
