// First-order optimizers over the one flat parameter buffer: SGD (momentum, Nesterov), Adam,
// AdamW (decoupled weight decay) and RMSProp, with global-norm and per-value gradient clipping.
// Not a schedule library: the learning rate is a number (setLr() changes it between steps).
//
// Each kernel is one flat loop over P = params.length. params, grad and every state buffer are
// Float64Arrays of length P. Per element, in this order:
//   g = clampValue(scale * grad[i]) * clipFactor           (clip.ts defines both)
//   g += weightDecay * p                                   (sgd, adam, rmsprop: coupled L2)
//   p' = p - lr * direction(g, state)                      (adamw: p' = p (1 - lr wd) - lr ...)
// Formulas follow PyTorch's torch.optim (dampening 0, amsgrad/centered off).
//
// All-or-nothing guard, without throwing on the hot path: apply() returns an ApplyStatus.
//   APPLY_STATUS.NON_FINITE  scale * grad has a NaN/±Inf entry;
//   APPLY_STATUS.DIVERGED    the new parameters or optimizer state would contain NaN/±Inf.
// In both cases params, grad, the state buffers and the step counter are bit-identical to before.
// The kernels write into "next" buffers (one copy of params, one of each state buffer), the
// finiteness of everything written is folded into flags, and the result is committed with one
// set() per buffer. The next buffers are workspace, written and committed within one apply(), so
// one set per process serves every optimizer (apply() is synchronous): an optimizer keeps only its
// state buffers. No allocation per step.

import { LSTM_ERR, LstmError, checkEnum, checkNumber, type LstmErrorCode } from './errors.ts';
import { clampAbs, clipFactor, gradNorm } from './clip.ts';

export type OptimizerKind = 'sgd' | 'adam' | 'adamw' | 'rmsprop';
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'adam', 'adamw', 'rmsprop'];

/** Default optimizer kind. */
export const DEFAULT_OPTIMIZER: OptimizerKind = 'sgd';
/** Default learning rate for sgd (per unit of gradient). */
export const DEFAULT_SGD_LR = 0.01;
/** Default learning rate for adam and adamw (PyTorch's). */
export const DEFAULT_ADAM_LR = 0.001;
/** Default learning rate for rmsprop (PyTorch's). */
export const DEFAULT_RMSPROP_LR = 0.01;
/** Default momentum for sgd and rmsprop: none. */
export const DEFAULT_MOMENTUM = 0;
/** Default for sgd's Nesterov variant: off. */
export const DEFAULT_NESTEROV = false;
/** Default Adam decay rate of the first moment. */
export const DEFAULT_BETA1 = 0.9;
/** Default Adam decay rate of the second moment. */
export const DEFAULT_BETA2 = 0.999;
/** Default denominator epsilon for adam, adamw, rmsprop. */
export const DEFAULT_EPS = 1e-8;
/** Default RMSProp decay rate of the squared-gradient average (PyTorch's alpha). */
export const DEFAULT_RMSPROP_ALPHA = 0.99;
/** Default coupled L2 weight decay for sgd, adam, rmsprop: none. */
export const DEFAULT_WEIGHT_DECAY = 0;
/** Default decoupled weight decay for adamw (PyTorch's). */
export const DEFAULT_ADAMW_WEIGHT_DECAY = 0.01;
/** Default maximum global L2 norm of the (scaled) gradient; 0 = no clipping. */
export const DEFAULT_CLIP_NORM = 0;
/** Default per-value clamp of the (scaled) gradient; 0 = no clamp. */
export const DEFAULT_CLIP_VALUE = 0;

/** Optimizer configuration. Fields that do not apply to `kind` are refused (LSTM_ERR_CONFIG). */
export interface OptimizerOptions {
  /** Which update rule. Default DEFAULT_OPTIMIZER ('sgd'). */
  kind?: OptimizerKind;
  /** Learning rate, >= 0. Default DEFAULT_SGD_LR / DEFAULT_ADAM_LR / DEFAULT_RMSPROP_LR by kind. */
  lr?: number;
  /** sgd, rmsprop: momentum in [0, 1). Default DEFAULT_MOMENTUM (0). */
  momentum?: number;
  /** sgd: Nesterov momentum (needs momentum > 0). Default DEFAULT_NESTEROV (false). */
  nesterov?: boolean;
  /** adam, adamw: first-moment decay in [0, 1). Default DEFAULT_BETA1 (0.9). */
  beta1?: number;
  /** adam, adamw: second-moment decay in [0, 1). Default DEFAULT_BETA2 (0.999). */
  beta2?: number;
  /** adam, adamw, rmsprop: denominator epsilon, > 0. Default DEFAULT_EPS (1e-8). */
  eps?: number;
  /** rmsprop: squared-gradient decay in [0, 1). Default DEFAULT_RMSPROP_ALPHA (0.99). */
  alpha?: number;
  /** >= 0. Coupled L2 (added to g) except adamw, where it is decoupled. Default 0 (adamw 0.01). */
  weightDecay?: number;
  /** Max global L2 norm of scale * grad (after the value clamp), >= 0; 0 = off. Default 0. */
  clipNorm?: number;
  /** Per-value clamp of scale * grad, >= 0; 0 = off. Default 0. */
  clipValue?: number;
}

/** Parsed options: every field present, frozen. */
export type ResolvedOptimizerOptions = Readonly<Required<OptimizerOptions>>;

const FIELDS_BY_KIND: Record<OptimizerKind, readonly string[]> = {
  sgd: ['momentum', 'nesterov'],
  adam: ['beta1', 'beta2', 'eps'],
  adamw: ['beta1', 'beta2', 'eps'],
  rmsprop: ['momentum', 'eps', 'alpha'],
};
const COMMON_FIELDS = ['kind', 'lr', 'weightDecay', 'clipNorm', 'clipValue'];

/** Merges `opts` over the defaults, checks every field, and freezes the result. */
export function parseOptimizerOptions(opts: OptimizerOptions = {}): ResolvedOptimizerOptions {
  const kind = checkEnum('kind', opts.kind ?? DEFAULT_OPTIMIZER, OPTIMIZER_KINDS);
  const allowed = [...COMMON_FIELDS, ...FIELDS_BY_KIND[kind]];
  for (const key of Object.keys(opts)) {
    if ((opts as Record<string, unknown>)[key] !== undefined && !allowed.includes(key)) {
      throw new LstmError(LSTM_ERR.CONFIG, `option ${key} does not apply to optimizer '${kind}'`, { [key]: (opts as Record<string, unknown>)[key] });
    }
  }
  const defaultLr = kind === 'sgd' ? DEFAULT_SGD_LR : kind === 'rmsprop' ? DEFAULT_RMSPROP_LR : DEFAULT_ADAM_LR;
  const nesterov = opts.nesterov ?? DEFAULT_NESTEROV;
  if (typeof nesterov !== 'boolean') {
    throw new LstmError(LSTM_ERR.CONFIG, `nesterov must be a boolean, got ${String(nesterov)}`, { nesterov });
  }
  const resolved: Required<OptimizerOptions> = {
    kind,
    lr: checkNumber('lr', opts.lr ?? defaultLr, 0),
    momentum: checkUnit('momentum', opts.momentum ?? DEFAULT_MOMENTUM),
    nesterov,
    beta1: checkUnit('beta1', opts.beta1 ?? DEFAULT_BETA1),
    beta2: checkUnit('beta2', opts.beta2 ?? DEFAULT_BETA2),
    eps: checkPositive('eps', opts.eps ?? DEFAULT_EPS),
    alpha: checkUnit('alpha', opts.alpha ?? DEFAULT_RMSPROP_ALPHA),
    weightDecay: checkNumber('weightDecay', opts.weightDecay ?? (kind === 'adamw' ? DEFAULT_ADAMW_WEIGHT_DECAY : DEFAULT_WEIGHT_DECAY), 0),
    clipNorm: checkNumber('clipNorm', opts.clipNorm ?? DEFAULT_CLIP_NORM, 0),
    clipValue: checkNumber('clipValue', opts.clipValue ?? DEFAULT_CLIP_VALUE, 0),
  };
  if (resolved.nesterov && resolved.momentum === 0) {
    throw new LstmError(LSTM_ERR.CONFIG, 'nesterov needs momentum > 0', { nesterov: true, momentum: 0 });
  }
  return Object.freeze(resolved);
}

function checkUnit(name: string, v: unknown): number {
  checkNumber(name, v, 0, 1);
  if (v === 1) throw new LstmError(LSTM_ERR.CONFIG, `${name} must be in [0, 1), got 1`, { [name]: v });
  return v as number;
}

function checkPositive(name: string, v: unknown): number {
  checkNumber(name, v, 0);
  if (v === 0) throw new LstmError(LSTM_ERR.CONFIG, `${name} must be > 0, got 0`, { [name]: v });
  return v as number;
}

/** Result of Optimizer.apply(). Small integers, so the hot path never allocates or throws. */
export const APPLY_STATUS = {
  /** The update was applied. */
  OK: 0,
  /** scale * grad contained NaN or ±Inf; nothing changed. */
  NON_FINITE: 1,
  /** The update would have made a parameter or state value non-finite; nothing changed. */
  DIVERGED: 2,
} as const;
export type ApplyStatus = (typeof APPLY_STATUS)[keyof typeof APPLY_STATUS];

/** The LstmError code that corresponds to a refused apply(), or null for OK. */
export function applyStatusCode(status: ApplyStatus): LstmErrorCode | null {
  return status === APPLY_STATUS.OK ? null : status === APPLY_STATUS.NON_FINITE ? LSTM_ERR.NON_FINITE : LSTM_ERR.DIVERGED;
}

/** Everything an optimizer needs to resume bit-exactly, for checkpoints. */
export interface OptimizerState {
  /** Optimizer kind the buffers belong to. */
  kind: OptimizerKind;
  /** Number of applied (not refused) updates. */
  step: number;
  /** State buffers, each of length P: sgd [momentum?], adam/adamw [m, v], rmsprop [sq, momentum?]. */
  buffers: Float64Array[];
}

export interface Optimizer {
  /** The parsed, frozen options. */
  readonly options: ResolvedOptimizerOptions;
  /** P, the length of params, grad and every state buffer. */
  readonly size: number;
  /** Number of applied updates (refused ones do not count). */
  readonly steps: number;
  /** Current learning rate (options.lr until setLr() is called). */
  readonly lr: number;
  /** Changes the learning rate for the following steps; LSTM_ERR_CONFIG unless finite and >= 0. */
  setLr(lr: number): void;
  /**
   * One update of `params` from the gradient `scale * grad` (scale e.g. 1/n for an average of n
   * accumulated gradients). Never modifies `grad`. Returns APPLY_STATUS.OK, or NON_FINITE /
   * DIVERGED with nothing changed. Throws LSTM_ERR_DIMENSION only for wrong buffer lengths.
   */
  apply(params: Float64Array, grad: Float64Array, scale?: number): ApplyStatus;
  /** A copy of the state, for checkpoints. */
  state(): OptimizerState;
  /** Restores a state from state(); LSTM_ERR_CHECKPOINT if kind, buffer count or lengths differ. */
  load(state: OptimizerState): void;
  /** Zeroes the state buffers and the step counter. */
  reset(): void;
}

/** Creates an optimizer for a parameter buffer of length `size`. */
export function createOptimizer(opts: OptimizerOptions, size: number): Optimizer {
  return new FlatOptimizer(parseOptimizerOptions(opts), size);
}

function stateBufferCount(o: ResolvedOptimizerOptions): number {
  switch (o.kind) {
    case 'sgd':
      return o.momentum > 0 ? 1 : 0;
    case 'adam':
    case 'adamw':
      return 2;
    case 'rmsprop':
      return o.momentum > 0 ? 2 : 1;
  }
}

class FlatOptimizer implements Optimizer {
  readonly size: number;
  private t = 0;
  private rate: number;
  /** The state buffers (P each): sgd [momentum?], adam/adamw [m, v], rmsprop [sq, momentum?]. */
  private readonly cur: Float64Array[];
  /** An upper bound of |state buffer values|, kept by every update; Infinity when unknown (after load). */
  private stateBound = 0;
  private static readonly NONE = new Float64Array(0);

  constructor(readonly options: ResolvedOptimizerOptions, size: number) {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
      throw new LstmError(LSTM_ERR.CONFIG, `size must be a non-negative integer, got ${String(size)}`, { size });
    }
    this.size = size;
    this.rate = options.lr;
    const k = stateBufferCount(options);
    this.cur = Array.from({ length: k }, () => new Float64Array(size));
  }

  get steps(): number {
    return this.t;
  }

  get lr(): number {
    return this.rate;
  }

  setLr(lr: number): void {
    this.rate = checkNumber('lr', lr, 0);
  }

  apply(params: Float64Array, grad: Float64Array, scale = 1): ApplyStatus {
    const n = this.size;
    if (params.length !== n || grad.length !== n) {
      throw new LstmError(LSTM_ERR.DIMENSION, `params and grad must have length ${n}, got ${params.length} and ${grad.length}`);
    }
    if (!Number.isFinite(scale)) return APPLY_STATUS.NON_FINITE;
    const o = this.options;
    const cv = o.clipValue > 0 ? o.clipValue : Infinity;
    const none = FlatOptimizer.NONE;
    const [s0 = none, s1 = none] = this.cur;
    // Fast path: when a read-only pass over grad and params proves the update finite (bounds below),
    // update in place in one pass; otherwise take the two-buffer path that can refuse atomically.
    // The proving pass also sums the clipping norm's squares (one pass over grad where there were three).
    const fast = o.kind !== 'rmsprop' && this.stateBound <= FAST_BOUND && this.rate <= FAST_MAX_LR && o.weightDecay <= FAST_MAX_LR;
    const ss = fast ? scanUpdate(grad, params, n, scale, cv, o.clipNorm > 0) : NaN;
    const f = o.clipNorm > 0
      ? clipFactor(fast && Number.isFinite(ss) ? Math.sqrt(ss) : gradNorm(grad, scale, o.clipValue), o.clipNorm)
      : 1;
    if (fast) {
      const gmax = scanGradMax * Math.abs(scale);
      if (gmax !== gmax || gmax === Infinity) return APPLY_STATUS.NON_FINITE;
      if (gmax <= FAST_BOUND && scanParamMax <= FAST_BOUND) {
        if (o.kind === 'sgd') {
          this.stateBound = o.momentum > 0
            ? sgdMomentumInPlace(params, grad, s0, n, scale, cv, f, this.rate, o.weightDecay, o.momentum, o.nesterov)
            : 0;
          if (o.momentum === 0) sgdInPlace(params, grad, n, scale, cv, f, this.rate, o.weightDecay);
        } else {
          this.stateBound = adamInPlace(params, grad, s0, s1, n, scale, cv, f, this.rate, o.weightDecay, o.kind === 'adamw', o.beta1, o.beta2, o.eps, this.t + 1);
        }
        this.t++;
        return APPLY_STATUS.OK;
      }
    }
    const [pNext, n0, n1] = nextBuffers(n);
    let status: ApplyStatus;
    switch (o.kind) {
      case 'sgd':
        status = o.momentum > 0
          ? sgdMomentumStep(pNext, n0, params, grad, s0, n, scale, cv, f, this.rate, o.weightDecay, o.momentum, o.nesterov)
          : sgdStep(pNext, params, grad, n, scale, cv, f, this.rate, o.weightDecay);
        break;
      case 'adam':
      case 'adamw':
        status = adamStep(pNext, n0, n1, params, grad, s0, s1, n, scale, cv, f, this.rate, o.weightDecay, o.kind === 'adamw', o.beta1, o.beta2, o.eps, this.t + 1);
        break;
      case 'rmsprop':
        status = rmspropStep(pNext, n0, n1, params, grad, s0, s1, n, scale, cv, f, this.rate, o.weightDecay, o.alpha, o.eps, o.momentum);
        break;
    }
    if (status !== APPLY_STATUS.OK) return status;
    params.set(pNext);
    if (this.cur.length > 0) this.cur[0].set(n0);
    if (this.cur.length > 1) this.cur[1].set(n1);
    this.stateBound = 0;
    for (const b of this.cur) this.stateBound = Math.max(this.stateBound, maxAbs(b, n));
    this.t++;
    return APPLY_STATUS.OK;
  }

  state(): OptimizerState {
    return { kind: this.options.kind, step: this.t, buffers: this.cur.map((b) => b.slice()) };
  }

  load(state: OptimizerState): void {
    const bad = (msg: string): never => {
      throw new LstmError(LSTM_ERR.CHECKPOINT, `optimizer state: ${msg}`);
    };
    if (state.kind !== this.options.kind) bad(`kind is '${String(state.kind)}', optimizer is '${this.options.kind}'`);
    if (!Number.isInteger(state.step) || state.step < 0) bad(`step must be a non-negative integer, got ${String(state.step)}`);
    if (!Array.isArray(state.buffers) || state.buffers.length !== this.cur.length) {
      bad(`expected ${this.cur.length} buffers, got ${Array.isArray(state.buffers) ? state.buffers.length : 'none'}`);
    }
    state.buffers.forEach((b, k) => {
      if (!(b instanceof Float64Array) || b.length !== this.size) bad(`buffer ${k} must be a Float64Array of length ${this.size}`);
      for (let i = 0; i < b.length; i++) if (!Number.isFinite(b[i])) bad(`buffer ${k}[${i}] is ${b[i]}`);
    });
    state.buffers.forEach((b, k) => this.cur[k].set(b));
    this.stateBound = 0;
    for (const b of this.cur) this.stateBound = Math.max(this.stateBound, maxAbs(b, this.size));
    this.t = state.step;
  }

  reset(): void {
    for (const b of this.cur) b.fill(0);
    this.stateBound = 0;
    this.t = 0;
  }
}

/**
 * The slow path's next params and next state buffers, (P) each: one slab per process, grown to the
 * largest P asked for, with the views of the last P kept (a process mostly runs one model shape).
 */
let nextSlab = new Float64Array(0);
let nextViews: readonly [Float64Array, Float64Array, Float64Array] = [nextSlab, nextSlab, nextSlab];

function nextBuffers(n: number): readonly [Float64Array, Float64Array, Float64Array] {
  if (nextViews[0].length === n && nextViews[0].buffer === nextSlab.buffer) return nextViews;
  if (nextSlab.length < 3 * n) nextSlab = new Float64Array(3 * n);
  nextViews = [nextSlab.subarray(0, n), nextSlab.subarray(n, 2 * n), nextSlab.subarray(2 * n, 3 * n)];
  return nextViews;
}

// ---- kernels: one loop each; outputs first, then inputs, then sizes and constants ----------------
// Each returns APPLY_STATUS; gbad is set when a raw scaled gradient entry is non-finite (x - x is
// NaN exactly then), bad when a value written is. Flags behind predictable branches rather than a
// running sum: a summed check is a loop-carried dependency that made these loops 3-4x slower.

function statusOf(gbad: boolean, bad: boolean): ApplyStatus {
  if (gbad) return APPLY_STATUS.NON_FINITE;
  if (bad) return APPLY_STATUS.DIVERGED;
  return APPLY_STATUS.OK;
}

/** p' = p - lr (g + wd p). */
function sgdStep(
  pNext: Float64Array, // (P) out
  params: Float64Array, grad: Float64Array, // (P)
  n: number, scale: number, cv: number, f: number, lr: number, wd: number,
): ApplyStatus {
  let gbad = false;
  let bad = false;
  for (let i = 0; i < n; i++) {
    const raw = grad[i] * scale;
    if (raw - raw !== 0) gbad = true;
    const p = params[i];
    const g = clampAbs(raw, cv) * f + wd * p;
    const pn = p - lr * g;
    pNext[i] = pn;
    if (pn - pn !== 0) bad = true;
  }
  return statusOf(gbad, bad);
}

/** b' = mu b + g; d = nesterov ? g + mu b' : b'; p' = p - lr d. */
function sgdMomentumStep(
  pNext: Float64Array, bNext: Float64Array, // (P) out
  params: Float64Array, grad: Float64Array, buf: Float64Array, // (P)
  n: number, scale: number, cv: number, f: number, lr: number, wd: number, mu: number, nesterov: boolean,
): ApplyStatus {
  let gbad = false;
  let bad = false;
  for (let i = 0; i < n; i++) {
    const raw = grad[i] * scale;
    if (raw - raw !== 0) gbad = true;
    const p = params[i];
    const g = clampAbs(raw, cv) * f + wd * p;
    const b = mu * buf[i] + g;
    const d = nesterov ? g + mu * b : b;
    const pn = p - lr * d;
    bNext[i] = b;
    pNext[i] = pn;
    if (pn - pn + (b - b) !== 0) bad = true;
  }
  return statusOf(gbad, bad);
}

/**
 * m' = b1 m + (1 - b1) g;  v' = b2 v + (1 - b2) g²;
 * p' = p decay - (lr / (1 - b1^t)) m' / (sqrt(v') / sqrt(1 - b2^t) + eps)
 * adam: g += wd p, decay = 1.  adamw: decay = 1 - lr wd.
 */
function adamStep(
  pNext: Float64Array, mNext: Float64Array, vNext: Float64Array, // (P) out
  params: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array, // (P)
  n: number, scale: number, cv: number, f: number, lr: number, wd: number, decoupled: boolean,
  b1: number, b2: number, eps: number, t: number,
): ApplyStatus {
  const stepSize = lr / (1 - Math.pow(b1, t));
  const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
  const decay = decoupled ? 1 - lr * wd : 1;
  const l2 = decoupled ? 0 : wd;
  let gbad = false;
  let bad = false;
  for (let i = 0; i < n; i++) {
    const raw = grad[i] * scale;
    if (raw - raw !== 0) gbad = true;
    const p = params[i];
    const g = clampAbs(raw, cv) * f + l2 * p;
    const mi = b1 * m[i] + (1 - b1) * g;
    const vi = b2 * v[i] + (1 - b2) * g * g;
    const pn = p * decay - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
    mNext[i] = mi;
    vNext[i] = vi;
    pNext[i] = pn;
    if (pn - pn + (mi - mi) + (vi - vi) !== 0) bad = true;
  }
  return statusOf(gbad, bad);
}

/** s' = alpha s + (1 - alpha) g²; u = g / (sqrt(s') + eps); momentum: b' = mu b + u, p' = p - lr b'; else p' = p - lr u. */
function rmspropStep(
  pNext: Float64Array, sNext: Float64Array, bNext: Float64Array, // (P) out; bNext unused without momentum
  params: Float64Array, grad: Float64Array, sq: Float64Array, buf: Float64Array, // (P)
  n: number, scale: number, cv: number, f: number, lr: number, wd: number, alpha: number, eps: number, mu: number,
): ApplyStatus {
  const useMomentum = mu > 0;
  let gbad = false;
  let bad = false;
  for (let i = 0; i < n; i++) {
    const raw = grad[i] * scale;
    if (raw - raw !== 0) gbad = true;
    const p = params[i];
    const g = clampAbs(raw, cv) * f + wd * p;
    const s = alpha * sq[i] + (1 - alpha) * g * g;
    let u = g / (Math.sqrt(s) + eps);
    if (useMomentum) {
      u = mu * buf[i] + u;
      bNext[i] = u;
    }
    const pn = p - lr * u;
    sNext[i] = s;
    pNext[i] = pn;
    if (pn - pn + (s - s) + (u - u) !== 0) bad = true;
  }
  return statusOf(gbad, bad);
}

// ---- in-place kernels of the fast path ---------------------------------------------------------
// With |g·scale|, |p| and |state| all <= FAST_BOUND (1e100) and lr, wd <= FAST_MAX_LR (1e6), every
// value written is finite: momentum and Adam's m stay within 1e106 (a geometric sum of bounded
// terms), v within 1e212, and Adam's step |m̂|/(√v̂+eps) <= 1e106/1e-8·10. So these update in
// place without the atomic two-buffer commit. Each returns the new bound of |state|.

export const FAST_BOUND = 1e100;
export const FAST_MAX_LR = 1e6;

/** max |a[i]| over from <= i < to (NaN if any is NaN). */
export function maxAbs(a: Float64Array, to: number, from = 0): number {
  let m0 = 0;
  let m1 = 0;
  let i = from;
  for (; i + 1 < to; i += 2) {
    const a0 = Math.abs(a[i]);
    const a1 = Math.abs(a[i + 1]);
    // A NaN is taken (a !== a) and then kept: no a > NaN. (`!(a <= m)` took it, then lost it to the next value.)
    if (a0 > m0 || a0 !== a0) m0 = a0;
    if (a1 > m1 || a1 !== a1) m1 = a1;
  }
  if (i < to) {
    const a0 = Math.abs(a[i]);
    if (a0 > m0 || a0 !== a0) m0 = a0;
  }
  return m0 !== m0 || m1 !== m1 ? NaN : m0 > m1 ? m0 : m1;
}

/** max |grad[i]| and max |params[i]| of the last scanUpdate (NaN if any entry is NaN). */
let scanGradMax = 0;
let scanParamMax = 0;

/**
 * The read-only pass over grad and params: sets scanGradMax and scanParamMax (maxAbs of each) and,
 * when `norm`, returns Σ clampAbs(grad[i]·scale, cv)², summed in gradNorm's order (so its square
 * root is gradNorm's bits whenever the sum is finite), in the same pass; NaN otherwise (then two
 * maxAbs passes: fusing those alone measured no faster).
 */
function scanUpdate(grad: Float64Array, params: Float64Array, n: number, scale: number, cv: number, norm: boolean): number {
  if (!norm) {
    scanGradMax = maxAbs(grad, n);
    scanParamMax = maxAbs(params, n);
    return NaN;
  }
  let mg = 0;
  let mp = 0;
  let ss = 0;
  if (cv === Infinity) {
    for (let i = 0; i < n; i++) {
      const r = grad[i];
      const g = r * scale; // clampAbs(x, Infinity) is x, bit for bit
      ss += g * g;
      const ag = Math.abs(r);
      const ap = Math.abs(params[i]);
      if (ag > mg || ag !== ag) mg = ag; // a NaN is taken, then kept (no a > NaN): as maxAbs
      if (ap > mp || ap !== ap) mp = ap;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const r = grad[i];
      const g = clampAbs(r * scale, cv);
      ss += g * g;
      const ag = Math.abs(r);
      const ap = Math.abs(params[i]);
      if (ag > mg || ag !== ag) mg = ag;
      if (ap > mp || ap !== ap) mp = ap;
    }
  }
  scanGradMax = mg;
  scanParamMax = mp;
  return ss;
}

/** p -= lr (clip(g·scale)·f + wd p), in place. */
function sgdInPlace(params: Float64Array, grad: Float64Array, n: number, scale: number, cv: number, f: number, lr: number, wd: number): void {
  if (cv === Infinity && wd === 0) {
    const k = lr * scale * f;
    for (let i = 0; i < n; i++) params[i] -= k * grad[i];
    return;
  }
  for (let i = 0; i < n; i++) {
    const raw = grad[i] * scale;
    const p = params[i];
    params[i] = p - lr * (clampAbs(raw, cv) * f + wd * p);
  }
}

function sgdMomentumInPlace(
  params: Float64Array, grad: Float64Array, buf: Float64Array,
  n: number, scale: number, cv: number, f: number, lr: number, wd: number, mu: number, nesterov: boolean,
): number {
  let bound = 0;
  for (let i = 0; i < n; i++) {
    const raw = grad[i] * scale;
    const p = params[i];
    const g = clampAbs(raw, cv) * f + wd * p;
    const b = mu * buf[i] + g;
    buf[i] = b;
    params[i] = p - lr * (nesterov ? g + mu * b : b);
    const ab = Math.abs(b);
    if (ab > bound) bound = ab;
  }
  return bound;
}

function adamInPlace(
  params: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array,
  n: number, scale: number, cv: number, f: number, lr: number, wd: number, decoupled: boolean,
  b1: number, b2: number, eps: number, t: number,
): number {
  const stepSize = lr / (1 - Math.pow(b1, t));
  const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
  const decay = decoupled ? 1 - lr * wd : 1;
  const l2 = decoupled ? 0 : wd;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  let bound = 0;
  for (let i = 0; i < n; i++) {
    const raw = grad[i] * scale;
    const p = params[i];
    const g = clampAbs(raw, cv) * f + l2 * p;
    const mi = b1 * m[i] + c1 * g;
    const vi = b2 * v[i] + c2 * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] = p * decay - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps); // as adamStep, bit for bit
    if (vi > bound) bound = vi;
    const am = Math.abs(mi);
    if (am > bound) bound = am;
  }
  return bound;
}
