// Truncated BPTT(k2; k1) for the 1997 LSTM family (LSTM-SPEC 3): every k1 steps, backpropagate
// exactly (lstm97-bptt.ts) through the last k2 steps, injecting the errors of the last k1 steps
// only; the state entering the window is a constant, the state itself is carried across windows.
// Full BPTT over a sequence is k1 = k2 = Infinity with the backward pass run by flush().
// Implements the Learner contract of learner.ts, like tbptt.ts does for the modern cells. The
// forward pass is lstm97Forward without traces; this file only caches and schedules.

import { LstmError, LSTM_ERR, checkInt, checkVector } from './errors.ts';
import { backwardDue, checkPhase } from './recurrent-options.ts';
import type { Learner, ParamGroup } from './learner.ts';
import { lstm97Forward, lstm97ForwardBatch, lstm97Layout, lstm97Params, newLstm97State, resetLstm97State, type Lstm97Layout, type Lstm97State } from './lstm97.ts';
import { cacheLstm97Step, createLstm97BackwardScratch, createLstm97Ring, lstm97BackwardWindow, type Lstm97BackwardScratch, type Lstm97Ring } from './lstm97-bptt.ts';
import { parseLstm97Config, type Lstm97Config, type Lstm97Spec } from './lstm97-config.ts';
import { outputLoss } from './rtrl97.ts';

/** Default ring capacity, steps, when k2 is Infinity (full BPTT); a longer sequence is refused. */
export const DEFAULT_LSTM97_MAX_LENGTH = 1024;

export interface Tbptt97Options {
  /** Backward pass every k1 steps; Infinity = only on flush() (full BPTT). Required. */
  k1: number;
  /** Window length in steps, k2 ≥ k1; Infinity = back to the last reset. Required. */
  k2: number;
  /** Ring capacity in steps when k2 is Infinity. Default DEFAULT_LSTM97_MAX_LENGTH (1024). */
  maxLength?: number;
  /** The first backward pass comes after k1 − phase steps (RecurrentOptions.phase). Default 0. */
  phase?: number;
}

/** Parsed, frozen Tbptt97Options. */
export interface Tbptt97Config {
  readonly k1: number;
  readonly k2: number;
  readonly phase: number;
  /** Steps the per-stream ring holds: k2, or maxLength when k2 is Infinity. */
  readonly capacity: number;
}

/** Validates k1, k2 and maxLength (LSTM_ERR_CONFIG naming the field) and freezes them. */
export function parseTbptt97Options(o: Tbptt97Options): Tbptt97Config {
  if (o === null || typeof o !== 'object') throw new LstmError(LSTM_ERR.CONFIG, 'options must be an object');
  const steps = (name: string, v: unknown): number => (v === Infinity ? Infinity : checkInt(name, v, 1));
  const k1 = steps('k1', o.k1);
  const k2 = steps('k2', o.k2);
  if (k2 < k1) throw new LstmError(LSTM_ERR.CONFIG, `k2 must be >= k1 (${k1}), got ${k2}`, { k2 });
  const maxLength = checkInt('maxLength', o.maxLength ?? DEFAULT_LSTM97_MAX_LENGTH, 1);
  return Object.freeze({ k1, k2, phase: checkPhase(o.phase, k1), capacity: k2 === Infinity ? maxLength : k2 });
}

/** Per-stream state: the 1997 state lstm97Forward advances, plus the ring and the schedule. */
export interface Tbptt97Stream extends Lstm97State {
  /** Step caches of the last `capacity` steps. */
  readonly ring: Lstm97Ring;
  /** Slot index of the latest step (meaningful when t > 0). */
  newest: number;
  /** Steps since the last backward pass, whose errors are not injected yet. */
  pending: number;
  /** A target was recorded for the latest step. */
  learned: boolean;
  /** Gradient was added since the latest step() began (by that step or by learn()/flush() after it). */
  ready: boolean;
}

/** A 1997-family network learning by TBPTT(k2; k1), or full BPTT when k1 = k2 = Infinity. */
export class Tbptt97 implements Learner<Tbptt97Stream> {
  readonly layout: Lstm97Layout;
  readonly spec: Lstm97Spec;
  readonly options: Tbptt97Config;
  readonly params: Float64Array;
  grad: Float64Array;
  readonly groups: readonly ParamGroup[];
  readonly inputs: number;
  readonly outputs: number;
  private readonly scratch: Lstm97BackwardScratch;
  /** (K) loss-gradient scratch, so a refused target leaves the stream untouched. */
  private readonly gK: Float64Array;
  /** (K) output nets, recomputed for a cross-entropy loss. */
  private readonly nets: Float64Array;

  /** Parses both configs once (LSTM_ERR_CONFIG); params are initialised from the seed unless given. */
  constructor(cfg: Lstm97Config, options: Tbptt97Options, params?: Float64Array) {
    this.spec = parseLstm97Config(cfg);
    this.options = parseTbptt97Options(options);
    this.layout = lstm97Layout(this.spec);
    this.groups = this.layout.groups;
    this.inputs = this.spec.inputs;
    this.outputs = this.spec.outputs;
    this.params = lstm97Params(this.layout, params);
    this.grad = new Float64Array(this.layout.size);
    this.scratch = createLstm97BackwardScratch(this.spec);
    this.gK = new Float64Array(this.outputs);
    this.nets = new Float64Array(this.outputs);
  }

  /**
   * A fresh stream. Its RTRL trace buffers are empty (lstm97Forward runs without traces here), so
   * per-stream memory is the state plus the ring: capacity × lstm97SlotSize floats.
   */
  newStream(): Tbptt97Stream {
    const { capacity } = this.options;
    const none = (): Float64Array => new Float64Array(0);
    return Object.assign(newLstm97State(this.spec), {
      Pc: none(),
      Pin: none(),
      Pfg: none(),
      Qin: none(),
      Qfg: none(),
      tr: none(),
      ring: createLstm97Ring(this.spec, capacity),
      newest: capacity - 1,
      pending: 0,
      learned: false,
      ready: false,
    });
  }

  /** Learner.forgetTargets: the pending errors are not backpropagated; state and ring stay. */
  forgetTargets(s: Tbptt97Stream): void {
    s.pending = 0;
    s.learned = false;
    s.ready = false;
  }

  /** Sequence boundary: zero the state and forget the history, including unflushed errors. */
  reset(s: Tbptt97Stream): void {
    resetLstm97State(s);
    s.newest = s.ring.capacity - 1;
    s.pending = 0;
    s.learned = false;
    s.ready = false;
    s.ring.hasTarget.fill(0);
  }

  step(s: Tbptt97Stream, x: ArrayLike<number>): Float64Array {
    checkVector('x', x, this.inputs);
    this.checkRoom(s);
    this.runDue(s);
    lstm97Forward(this.layout, this.params, s, x, false);
    this.cache(s);
    return s.y;
  }

  learn(s: Tbptt97Stream, target: ArrayLike<number>, weight = 1): number {
    this.checkLearnable(s);
    checkVector('target', target, this.outputs);
    checkWeight(weight);
    const loss = outputLoss(this.layout, this.params, s, target, this.gK, weight, this.nets);
    if (Number.isNaN(loss)) throw new LstmError(LSTM_ERR.NON_FINITE, 'loss is not finite; target refused');
    this.record(s);
    return loss;
  }

  /**
   * True if gradient was added since the latest step() began: by learn() when a window was due,
   * by flush(), or by step() itself when the previous step's window was due but got no learn().
   */
  gradReady(s: Tbptt97Stream): boolean {
    return s.ready;
  }

  /**
   * Runs the backward pass now over the errors recorded since the last one (full BPTT: call at
   * the end of a sequence). Returns true if gradient was added.
   */
  flush(s: Tbptt97Stream): boolean {
    const added = s.pending > 0 && this.runBackward(s);
    if (added) s.ready = true;
    return added;
  }

  /** y(t) of the latest step (a view owned by the stream); throws LSTM_ERR_STATE before any step. */
  output(s: Tbptt97Stream): Float64Array {
    if (s.t === 0) throw new LstmError(LSTM_ERR.STATE, 'no step yet');
    return s.y;
  }

  /**
   * Many streams, one model: B streams advance one step in one call (X is B×I, outputs to Y,
   * B×K). Bit-identical to stepping them one by one in order. Everything is checked before any
   * stream moves or the gradient changes.
   */
  stepBatch(streams: readonly Tbptt97Stream[], X: ArrayLike<number>, Y: Float64Array): void {
    const B = streams.length;
    checkVector('X', X, B * this.inputs);
    if (Y.length < B * this.outputs) checkVector('Y', Y, B * this.outputs);
    for (const s of streams) this.checkRoom(s);
    for (const s of streams) this.runDue(s);
    lstm97ForwardBatch(this.layout, this.params, streams, X, Y, false);
    for (const s of streams) this.cache(s);
  }

  /**
   * learn() for B streams (D is B×K targets, `losses` receives B losses). Gradients add into grad
   * in stream order, exactly as B learn() calls would. Every stream, target and loss is checked
   * before any stream or the gradient changes.
   */
  learnBatch(streams: readonly Tbptt97Stream[], D: ArrayLike<number>, losses: Float64Array, weight = 1): void {
    const K = this.outputs;
    checkVector('D', D, streams.length * K);
    checkWeight(weight);
    if (losses.length < streams.length) checkVector('losses', losses, streams.length);
    for (const s of streams) this.checkLearnable(s);
    for (let b = 0; b < streams.length; b++) {
      const loss = outputLoss(this.layout, this.params, streams[b], rowOf(D, b, K), this.gK, weight, this.nets);
      if (Number.isNaN(loss)) throw new LstmError(LSTM_ERR.NON_FINITE, `loss of stream ${b} is not finite; batch refused`, { index: b });
      losses[b] = loss;
    }
    for (let b = 0; b < streams.length; b++) {
      outputLoss(this.layout, this.params, streams[b], rowOf(D, b, K), this.gK, weight, this.nets); // checked above; recomputed into gK
      this.record(streams[b]);
    }
  }

  /** Throws LSTM_ERR_STATE if a full-BPTT sequence has filled the ring (the stream is untouched). */
  private checkRoom(s: Tbptt97Stream): void {
    if (this.options.k2 === Infinity && s.t >= this.options.capacity) {
      throw new LstmError(LSTM_ERR.STATE, `sequence longer than maxLength ${this.options.capacity}; flush() and reset() first`, { t: s.t });
    }
  }

  /** Throws LSTM_ERR_STATE unless the latest step of `s` can take a target. */
  private checkLearnable(s: Tbptt97Stream): void {
    if (s.t === 0) throw new LstmError(LSTM_ERR.STATE, 'learn() before any step()');
    if (s.learned) throw new LstmError(LSTM_ERR.STATE, 'learn() twice for one step');
  }

  /** Runs a window left due by a step without learn(), so no window is overwritten; sets `ready`. */
  private runDue(s: Tbptt97Stream): void {
    const { k1, phase } = this.options;
    s.ready = backwardDue(s.pending, s.t, k1, phase) ? this.runBackward(s) : false;
  }

  /** After lstm97Forward moved the state: the next ring slot takes the step's cache. */
  private cache(s: Tbptt97Stream): void {
    s.newest = (s.newest + 1) % s.ring.capacity;
    cacheLstm97Step(s.ring.slots[s.newest], s);
    s.ring.hasTarget[s.newest] = 0;
    s.pending += 1;
    s.learned = false;
  }

  /** Stores this.gK as the latest step's error and runs the window if it is due. */
  private record(s: Tbptt97Stream): void {
    s.ring.slots[s.newest].gK.set(this.gK);
    s.ring.hasTarget[s.newest] = 1;
    s.learned = true;
    if (backwardDue(s.pending, s.t, this.options.k1, this.options.phase) && this.runBackward(s)) s.ready = true;
  }

  /** Backward over min(t, k2) steps injecting the `pending` newest errors; true if any was injected. */
  private runBackward(s: Tbptt97Stream): boolean {
    const inject = s.pending;
    s.pending = 0;
    const { capacity, k2 } = this.options;
    let any = false;
    for (let j = 0; j < inject && j < capacity; j++) if (s.ring.hasTarget[(s.newest - j + capacity) % capacity] === 1) any = true;
    if (!any) return false;
    const len = Math.min(s.t, k2, capacity);
    lstm97BackwardWindow(this.grad, this.scratch, s.ring, s.newest, len, inject, this.params, this.layout);
    return true;
  }
}

/** Row b (K entries) of a B×K array, without copying a Float64Array. */
function rowOf(D: ArrayLike<number>, b: number, K: number): ArrayLike<number> {
  if (D instanceof Float64Array) return D.subarray(b * K, (b + 1) * K);
  return Array.prototype.slice.call(D, b * K, (b + 1) * K) as number[];
}

function checkWeight(weight: number): void {
  if (!Number.isFinite(weight) || weight < 0) throw new LstmError(LSTM_ERR.NON_FINITE, `weight must be finite and >= 0, got ${weight}`);
}

/** A TBPTT(k2; k1) learner for a 1997-family net: backward every k1 steps through the last k2 (k2 ≥ k1). */
export function tbptt97(cfg: Lstm97Config, k1: number, k2: number): Tbptt97 {
  return new Tbptt97(cfg, { k1, k2 });
}

/** Full BPTT for a 1997-family net: errors recorded by learn(), backpropagated over the sequence by flush(). */
export function bptt97(cfg: Lstm97Config, maxLength?: number): Tbptt97 {
  return new Tbptt97(cfg, { k1: Infinity, k2: Infinity, ...(maxLength === undefined ? {} : { maxLength }) });
}
