// Experiment 1 (LSTM-SPEC 4.1): the embedded Reber grammar, its 256/256 train/test sets, the
// legal-successor sets for the success test, and the continual stream of Gers et al. 2000.
// Not a general grammar toolkit: the automaton is the standard Reber graph, hard-coded.
//
// Encoding: one-hot over the 7 symbols B T P S X V E (in that order), 7 inputs and 7 outputs.
// A string of n symbols gives n-1 steps: input symbol t, target symbol t+1 (the final E is not
// fed; the continual stream does feed it, with target B, the next string's first symbol).

import type { Rng } from '@carousel/lstm';
import { OneHotCode } from './sequence.ts';
import type { SequenceGenerator, TaskSequence } from './sequence.ts';
import { TASK_ERR, TaskError, checkInt } from './errors.ts';

/** The symbol alphabet in encoding order: index k is one-hot unit k. */
export const REBER_SYMBOLS = 'BTPSXVE';
/** I = K = 7. */
export const REBER_WIDTH = 7;

const B = 0;
const T = 1;
const P = 2;
const S = 3;
const X = 4;
const V = 5;
const E = 6;

/** Reber automaton: state -> two [symbol, next state] edges, each taken with probability 0.5. */
const REBER_EDGES: readonly (readonly [readonly [number, number], readonly [number, number]])[] = [
  [[T, 1], [P, 2]], // S0
  [[S, 1], [X, 3]], // S1
  [[T, 2], [V, 4]], // S2
  [[X, 2], [S, 5]], // S3
  [[P, 3], [V, 5]], // S4
];
/** State 5 emits E and ends. */
const REBER_FINAL = 5;

const bit = (sym: number): number => 1 << sym;

export interface ReberMeta {
  readonly task: 'reber';
  /** The symbols as letters: the L inputs followed by the symbol after the last input. */
  readonly symbols: string;
  /**
   * L bitmasks (bit k = symbol k of REBER_SYMBOLS): the symbols the grammar allows after input t.
   * The success test requires exactly these outputs to be the top-ranked ones.
   */
  readonly legalNext: Uint8Array;
  /** The outer branch symbol (T or P) of a single embedded string; null for continual chunks. */
  readonly branch: 'T' | 'P' | null;
}

/**
 * Training target at each step (LSTM-SPEC 6.1, open in the paper). Default 'next': one-hot of the
 * symbol that actually follows. 'legal': multi-hot over every legal successor.
 */
export type ReberTarget = 'next' | 'legal';

export interface ReberOptions {
  /** Default 'next'. */
  target?: ReberTarget;
}

/** Symbols of a bitmask, in encoding order. */
export function legalSymbols(mask: number): string {
  let out = '';
  for (let k = 0; k < REBER_WIDTH; k++) if (mask & bit(k)) out += REBER_SYMBOLS[k];
  return out;
}

const RE_L2 = '(?:T*VPX)*T*V(?:V|PS)';
const RE_REBER = `B(?:TS*X(?:S|X${RE_L2})|P${RE_L2})E`;
const RE_EMBEDDED = new RegExp(`^B([TP])${RE_REBER}\\1E$`);
const RE_EMBEDDED_RUN = new RegExp(`^(?:B(?:T${RE_REBER}T|P${RE_REBER}P)E)+$`);

/** Whether `s` is one embedded Reber string. A regular expression, independent of the generator. */
export function isEmbeddedReber(s: string): boolean {
  return RE_EMBEDDED.test(s);
}

/** Whether `s` is one or more embedded Reber strings concatenated (the continual stream). */
export function isEmbeddedReberRun(s: string): boolean {
  return RE_EMBEDDED_RUN.test(s);
}

/** Raw walk of the embedded grammar: symbol indices and, for all but the last, the legal-next masks. */
function walkEmbedded(rng: Rng): { syms: number[]; legal: number[]; branch: number } {
  const syms: number[] = [];
  const legal: number[] = [];
  const push = (sym: number, mask: number): void => {
    syms.push(sym);
    legal.push(mask);
  };
  const branch = rng.int(0, 1) === 0 ? T : P;
  push(B, bit(T) | bit(P));
  push(branch, bit(B));
  push(B, bit(T) | bit(P));
  let state = 0;
  while (state !== REBER_FINAL) {
    const edge = REBER_EDGES[state][rng.int(0, 1)];
    state = edge[1];
    const next = state === REBER_FINAL ? bit(E) : bit(REBER_EDGES[state][0][0]) | bit(REBER_EDGES[state][1][0]);
    push(edge[0], next);
  }
  push(E, bit(branch)); // the long-lag step: only the branch symbol may follow the inner E
  push(branch, bit(E));
  syms.push(E); // the final E has no successor inside one string
  return { syms, legal, branch };
}

function lettersOf(syms: readonly number[]): string {
  let s = '';
  for (const k of syms) s += REBER_SYMBOLS[k];
  return s;
}

/** Shared vectors for one target mode: one-hot per symbol, multi-hot per mask. */
class ReberCode {
  private readonly oneHot = new OneHotCode(REBER_WIDTH);
  private readonly multiHot = new Map<number, Float64Array>();
  constructor(readonly target: ReberTarget) {}

  input(sym: number): Float64Array {
    return this.oneHot.vector(sym);
  }

  targetFor(next: number, mask: number): Float64Array {
    if (this.target === 'next') return this.oneHot.vector(next);
    let v = this.multiHot.get(mask);
    if (v === undefined) {
      v = new Float64Array(REBER_WIDTH);
      for (let k = 0; k < REBER_WIDTH; k++) if (mask & bit(k)) v[k] = 1;
      this.multiHot.set(mask, v);
    }
    return v;
  }
}

const CODES: Record<ReberTarget, ReberCode> = { next: new ReberCode('next'), legal: new ReberCode('legal') };

function codeFor(options: ReberOptions | undefined): ReberCode {
  const t = options?.target ?? 'next';
  if (t !== 'next' && t !== 'legal') throw new TaskError(TASK_ERR.PARAM, "target must be 'next' or 'legal'", t);
  return CODES[t];
}

function toSequence(
  syms: readonly number[],
  legal: readonly number[],
  branch: 'T' | 'P' | null,
  code: ReberCode,
): TaskSequence<ReberMeta> {
  const L = syms.length - 1;
  const inputs: Float64Array[] = new Array<Float64Array>(L);
  const targets: Float64Array[] = new Array<Float64Array>(L);
  const legalNext = new Uint8Array(L);
  for (let t = 0; t < L; t++) {
    inputs[t] = code.input(syms[t]);
    targets[t] = code.targetFor(syms[t + 1], legal[t]);
    legalNext[t] = legal[t];
  }
  return { inputs, targets, meta: { task: 'reber', symbols: lettersOf(syms), legalNext, branch } };
}

/** Random embedded Reber strings (at least 9 symbols, so at least 8 steps), targets at every step. */
export function embeddedReber(options?: ReberOptions): SequenceGenerator<ReberMeta> {
  const code = codeFor(options);
  return {
    inputs: REBER_WIDTH,
    outputs: REBER_WIDTH,
    next(rng: Rng): TaskSequence<ReberMeta> {
      const w = walkEmbedded(rng);
      return toSequence(w.syms, w.legal, w.branch === T ? 'T' : 'P', code);
    },
  };
}

export interface ReberSets {
  /** Distinct strings; training exemplars are drawn from here at random. */
  readonly train: TaskSequence<ReberMeta>[];
  /** Distinct strings, none of which is in `train`. */
  readonly test: TaskSequence<ReberMeta>[];
}

export interface ReberSetsOptions extends ReberOptions {
  /** Default 256. */
  trainSize?: number;
  /** Default 256. */
  testSize?: number;
}

/** Draws per requested string before giving up with TASK_ERR_EXHAUSTED. */
const MAX_DRAWS_PER_STRING = 1000;

/**
 * The paper's Experiment 1 data: `trainSize` distinct random strings, then `testSize` distinct
 * random strings that are not in the training set. Decision: both sets hold distinct strings
 * (duplicates are redrawn), so "256 strings" means 256 different ones.
 */
export function reberSets(rng: Rng, options?: ReberSetsOptions): ReberSets {
  const code = codeFor(options);
  const trainSize = checkInt('trainSize', options?.trainSize ?? 256, 1);
  const testSize = checkInt('testSize', options?.testSize ?? 256, 1);
  const seen = new Set<string>();
  const fill = (n: number): TaskSequence<ReberMeta>[] => {
    const out: TaskSequence<ReberMeta>[] = [];
    for (let draws = 0; out.length < n; draws++) {
      if (draws >= n * MAX_DRAWS_PER_STRING) {
        throw new TaskError(TASK_ERR.EXHAUSTED, `could not draw ${n} distinct new strings`, out.length);
      }
      const w = walkEmbedded(rng);
      const letters = lettersOf(w.syms);
      if (seen.has(letters)) continue;
      seen.add(letters);
      out.push(toSequence(w.syms, w.legal, w.branch === T ? 'T' : 'P', code));
    }
    return out;
  };
  const train = fill(trainSize);
  const test = fill(testSize);
  return { train, test };
}

/** One step of the continual stream. */
export interface ReberStep {
  /** Input symbol index (REBER_SYMBOLS). */
  readonly symbol: number;
  /** The symbol that follows (the target). */
  readonly next: number;
  /** Bitmask of the legal successors of `symbol` in context. */
  readonly legalNext: number;
  /** True on the first symbol (B) of each embedded string. */
  readonly stringStart: boolean;
}

/**
 * The continual embedded Reber grammar (Gers, Schmidhuber & Cummins 2000): embedded Reber strings
 * concatenated without end and without resets. Every symbol is fed, including each string's final
 * E, whose target is the B that starts the next string (legal set {B}).
 */
export class ContinualReber {
  private readonly code: ReberCode;
  private syms: number[] = [];
  private legal: number[] = [];
  private pos = 0;
  private completed = 0;

  constructor(
    private readonly rng: Rng,
    options?: ReberOptions,
  ) {
    this.code = codeFor(options);
    this.refill();
  }

  /** Embedded strings completed so far (their final E has been returned by next()). */
  get strings(): number {
    return this.completed;
  }

  private refill(): void {
    const w = walkEmbedded(this.rng);
    w.legal.push(bit(B)); // after the final E comes the next string's B
    this.syms = w.syms;
    this.legal = w.legal;
    this.pos = 0;
  }

  /** The next step of the stream. */
  next(): ReberStep {
    const t = this.pos;
    const last = t === this.syms.length - 1;
    const step: ReberStep = {
      symbol: this.syms[t],
      next: last ? B : this.syms[t + 1],
      legalNext: this.legal[t],
      stringStart: t === 0,
    };
    if (last) {
      this.completed++;
      this.refill();
    } else {
      this.pos++;
    }
    return step;
  }

  /** The next `n` steps as one sequence (targets at every step, meta.branch null). */
  take(n: number): TaskSequence<ReberMeta> {
    checkInt('n', n, 1);
    const inputs: Float64Array[] = new Array<Float64Array>(n);
    const targets: Float64Array[] = new Array<Float64Array>(n);
    const legalNext = new Uint8Array(n);
    let symbols = '';
    let last = 0;
    for (let t = 0; t < n; t++) {
      const step = this.next();
      last = step.next;
      inputs[t] = this.code.input(step.symbol);
      targets[t] = this.code.targetFor(step.next, step.legalNext);
      legalNext[t] = step.legalNext;
      symbols += REBER_SYMBOLS[step.symbol];
    }
    symbols += REBER_SYMBOLS[last];
    return { inputs, targets, meta: { task: 'reber', symbols, legalNext, branch: null } };
  }
}
