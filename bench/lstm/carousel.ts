// The Carousel contenders, through @carousel/lstm's public entry only (no deep imports). Pieces
// still being built are looked up by name at run time: a missing `tbptt` makes its rows
// 'n/a (not built yet)', a missing `StreamBatch` makes the vanilla B=256 row 256 sequential
// steps (labelled so), a missing `createOptimizer` makes the update a plain SGD loop.
//
// Online step, every contender: y = step(s, x(t)); learn(s, d(t)); if gradReady: SGD update of
// params from grad, grad.fill(0). rtrl97 and tbptt run learn and the SGD step fused (Rtrl97.learnSgd,
// RecurrentLearner.learnSgd: the bits of that sequence). Forward only: Rtrl97.predict (no traces) / the vanilla
// learner's step() with no learn(). Dimensions: X inputs, H hidden, K = 1 output, B streams.

import * as lstm from '@carousel/lstm';
import { Rtrl97, type Rtrl97Stream } from '@carousel/lstm';
import type { Contender, Work } from './contender.ts';
import type { SineStream } from './sine.ts';

/** The subset of the learner contract the bench drives (learner.ts), for optional learners. */
interface LearnerLike<S> {
  readonly params: Float64Array;
  readonly grad: Float64Array;
  newStream(): S;
  step(s: S, x: ArrayLike<number>): Float64Array;
  learn(s: S, target: ArrayLike<number>, weight?: number): number;
  gradReady(s: S): boolean;
}

/** Exports the bench uses when they exist (shapes as in packages/lstm/src at the time of writing). */
interface OptionalApi {
  tbptt: (options: Record<string, unknown>, k1: number, k2: number) => LearnerLike<unknown> & { learnSgd?: (s: unknown, target: ArrayLike<number>, lr: number) => number };
  StreamBatch: new (learner: LearnerLike<unknown>, streams: readonly unknown[]) => { step(X: ArrayLike<number>): Float64Array; learn(D: ArrayLike<number>): number; gradReady(): boolean };
  createOptimizer: (opts: { kind: 'sgd'; lr: number }, size: number) => { apply(params: Float64Array, grad: Float64Array, scale?: number): number };
}
const api = lstm as unknown as Partial<OptionalApi>;

/** What is available right now, for the report. */
export function carouselApi(): { tbptt: boolean; streamBatch: boolean; optimizer: boolean } {
  return { tbptt: typeof api.tbptt === 'function', streamBatch: typeof api.StreamBatch === 'function', optimizer: typeof api.createOptimizer === 'function' };
}

/**
 * What the rtrl97 cells read besides x: 'cells' = the cell outputs only (the modern connectivity,
 * the same weight count as the peers' LSTM: the table's rows); 'all' = every gate activation too
 * (the 1997 paper's, 4× the recurrent weights: an informational row).
 */
export type CellSources = 'cells' | 'all';
export const RTRL97_CONFIG = (X: number, H: number, cellSources: CellSources = 'cells') =>
  ({ inputs: X, outputs: 1, blocks: H, cellsPerBlock: 1, forgetGate: true, head: 'linear', seed: 1, cellSources }) as const;
export const VANILLA_OPTIONS = (X: number, H: number) => ({ inputs: X, outputs: 1, hidden: H, cell: 'vanilla', head: 'linear', seed: 1 });
/** tbptt(k1, k2) of the issue. */
export const TBPTT_K1 = 1;
export const TBPTT_K2 = 16;

/**
 * How the update is applied: 'sgd' = through createOptimizer when it is exported, else a plain
 * loop (the figures of the table); 'plain' = params -= lr·grad in a plain loop; 'none' = grad is
 * only zeroed (the breakdown of where a step's time goes).
 */
export type UpdateKind = 'sgd' | 'plain' | 'none';

/** params -= lr·grad then grad.fill(0), as `kind` says. */
function sgd(params: Float64Array, grad: Float64Array, lr: number, kind: UpdateKind = 'sgd'): () => void {
  if (kind === 'none') return () => grad.fill(0);
  if (kind === 'sgd' && api.createOptimizer) {
    const opt = api.createOptimizer({ kind: 'sgd', lr }, params.length);
    return () => {
      opt.apply(params, grad);
      grad.fill(0);
    };
  }
  return () => {
    for (let i = 0; i < params.length; i++) params[i] -= lr * grad[i]!;
    grad.fill(0);
  };
}

/** An online learner on one stream; learnStep() returns the step's loss. */
export interface OnlineLoop {
  learnStep(): number;
  forwardStep(): void;
}

/**
 * `fused`: the learner's learn() and SGD step in one pass (Rtrl97.learnSgd), used for the 'sgd'
 * update when given: what an online learner with plain SGD runs.
 */
function onlineLoop<S>(net: LearnerLike<S>, data: SineStream, lr: number, forward: (s: S, x: Float64Array) => Float64Array, update0: UpdateKind = 'sgd', fused?: (s: S, d: Float64Array, lr: number) => number): OnlineLoop {
  const s = net.newStream();
  const d = new Float64Array(1);
  const update = sgd(net.params, net.grad, lr, update0);
  const learnSgd = update0 === 'sgd' ? fused : undefined;
  let t = 0;
  return {
    learnStep() {
      net.step(s, data.row(t));
      d[0] = data.d[t % data.d.length]!;
      if (learnSgd !== undefined) {
        t++;
        return learnSgd(s, d, lr);
      }
      const E = net.learn(s, d);
      if (net.gradReady(s)) update();
      t++;
      return E;
    },
    forwardStep() {
      forward(s, data.row(t));
      t++;
    },
  };
}

export function rtrl97Loop(data: SineStream, H: number, lr: number, update: UpdateKind = 'sgd', cellSources: CellSources = 'cells'): OnlineLoop {
  const net = new Rtrl97(RTRL97_CONFIG(data.X, H, cellSources));
  return onlineLoop<Rtrl97Stream>(net, data, lr, (s, x) => net.predict(s, x), update, (s, d, rate) => net.learnSgd(s, d, rate));
}

/** null when tbptt is not exported yet. `fuse`: the 'sgd' update by learnSgd when the learner has it (else learn + createOptimizer). */
export function tbpttLoop(data: SineStream, H: number, lr: number, update: UpdateKind = 'sgd', fuse = true): OnlineLoop | null {
  if (!api.tbptt) return null;
  const net = api.tbptt(VANILLA_OPTIONS(data.X, H), TBPTT_K1, TBPTT_K2);
  const fused = fuse ? net.learnSgd?.bind(net) : undefined;
  return onlineLoop(net, data, lr, (s, x) => net.step(s, x), update, fused);
}

/**
 * The same online step with another update, for the breakdown under the table (not a row):
 * id 'carousel.rtrl97.plain' / '.none', 'carousel.vanilla.plain' / '.none'.
 */
export function updateVariantContender(learner: 'rtrl97' | 'vanilla', update: Exclude<UpdateKind, 'sgd'>, data: SineStream, H: number, lr: number): Contender | null {
  const loop = learner === 'rtrl97' ? rtrl97Loop(data, H, lr, update) : tbpttLoop(data, H, lr, update);
  if (!loop) return null;
  const does = update === 'plain' ? 'the online step with a plain SGD loop as the update' : 'the online step without the update (step + learn + grad.fill(0))';
  return loopContender(`carousel.${learner}.${update}`, does, learner === 'rtrl97' ? 'train' : 'train16', H, loop);
}

function loopContender(id: string, does: string, work: Work, H: number, loop: OnlineLoop): Contender {
  return {
    id, does, work, H, streams: 1,
    run: work === 'train' || work === 'train16' ? (n) => { for (let i = 0; i < n; i++) loop.learnStep(); } : (n) => { for (let i = 0; i < n; i++) loop.forwardStep(); },
  };
}

const UPDATE = (): string => (api.createOptimizer ? "createOptimizer({kind:'sgd'}).apply" : 'a plain SGD loop');

export function rtrl97Contender(work: 'train' | 'forward', data: SineStream, H: number, lr: number, cellSources: CellSources = 'cells'): Contender {
  const net = cellSources === 'cells' ? "cellSources 'cells': gates and cells read x and the cell outputs, the peers' weight count" : "cellSources 'all': the paper's connectivity, all 4H activations fed back, ~4× the recurrent weights";
  const does =
    work === 'train'
      ? `Rtrl97 (blocks=H, 1 cell/block, forget gate, linear head, ${net}): step (forward + traces) + learnSgd (truncated RTRL gradient and the SGD step in one pass: the bits of learn + ${UPDATE()} + grad.fill(0)); float64`
      : `Rtrl97.predict (${net}): forward without traces; float64`;
  return loopContender(cellSources === 'cells' ? 'carousel.rtrl97' : 'carousel.rtrl97.all', does, work, H, rtrl97Loop(data, H, lr, 'sgd', cellSources));
}

export function tbpttContender(work: 'train16' | 'forward', data: SineStream, H: number, lr: number): Contender | null {
  const loop = tbpttLoop(data, H, lr);
  if (!loop) return null;
  const does =
    work === 'train16'
      ? `tbptt(${TBPTT_K1},${TBPTT_K2}) on the vanilla cell (peepholes, the default): step + learnSgd (backward over the last ${TBPTT_K2} steps every step, its gate-block weight sums applied to the params as they form: the bits of learn + ${UPDATE()} + grad.fill(0)); float64`
      : `vanilla cell forward: the tbptt learner's step() with no learn() (writes its ring slot); float64`;
  return loopContender('carousel.vanilla', does, work, H, loop);
}

/** (B, X) inputs of one batched step: stream b sees the sine b steps ahead. */
function batchInput(data: SineStream, B: number): (t: number) => Float64Array {
  const rows = Array.from({ length: 64 }, (_, s) => {
    const m = new Float64Array(B * data.X);
    for (let b = 0; b < B; b++) m.set(data.row(s + b), b * data.X);
    return m;
  });
  return (t) => rows[t % rows.length]!;
}

/** (B) targets of one batched step: stream b's target is d(t + b). */
function batchTarget(data: SineStream, B: number): (t: number) => Float64Array {
  const rows = Array.from({ length: 64 }, (_, s) => Float64Array.from({ length: B }, (_, b) => data.d[(s + b) % data.d.length]!));
  return (t) => rows[t % rows.length]!;
}

/**
 * B streams of one vanilla model. 'batch': StreamBatch.step (one batched forward, no learn).
 * 'batchTrain': the peers' batched step, a 1-step truncated gradient: tbptt(1,1) learner,
 * StreamBatch.step + StreamBatch.learn (B targets, backward of each stream's step) + SGD.
 */
export function vanillaBatchContender(work: 'batch' | 'batchTrain', data: SineStream, H: number, B: number, lr: number): Contender | null {
  if (!api.tbptt || !api.StreamBatch) return null;
  const net = api.tbptt(VANILLA_OPTIONS(data.X, H), 1, work === 'batch' ? TBPTT_K2 : 1);
  const streams = Array.from({ length: B }, () => net.newStream());
  const input = batchInput(data, B);
  const target = batchTarget(data, B);
  const update = sgd(net.params, net.grad, lr / B);
  const batch = new api.StreamBatch(net, streams);
  let t = 0;
  if (work === 'batch') {
    return {
      id: 'carousel.vanilla', work, H, streams: B,
      does: `vanilla cell, StreamBatch(${B} streams).step(X): one batched forward (no learn), writing the step caches a later learn() reads; float64`,
      run: (n) => { for (let i = 0; i < n; i++) batch.step(input(t++)); },
    };
  }
  return {
    id: 'carousel.vanilla', work, H, streams: B,
    does: `vanilla cell, tbptt(1,1) (1-step gradient, as the peers), StreamBatch(${B}).step(X) + learn(D) + ${UPDATE()} + grad.fill(0); float64`,
    run: (n) => {
      for (let i = 0; i < n; i++) {
        batch.step(input(t));
        batch.learn(target(t++));
        if (batch.gradReady()) update();
      }
    },
  };
}

/**
 * The vanilla model of the other contenders, forward-only: InferBatch.step (weights and state in
 * its own wasm instance, no step caches), in float64 (the learner's own bits) or float32.
 * B = 1: the 'forward' row (one stream: lanes over rows and units); B > 1: the 'batch' row.
 */
export function vanillaInferContender(data: SineStream, H: number, B: number, precision: lstm.InferPrecision): Contender | null {
  if (!api.tbptt || !lstm.inferBatchAvailable()) return null;
  const net = api.tbptt(VANILLA_OPTIONS(data.X, H), 1, TBPTT_K2) as unknown as lstm.RecurrentLearner;
  const ids = { f64: 'carousel.vanilla.infer', f32: 'carousel.vanilla32' } as const;
  return inferContender(new lstm.InferBatch(net, B, { precision }), data, H, B, precision, ids[precision], 'vanilla cell (the same model), InferBatch', 'no step caches', "the learner's own bits");
}

/**
 * The Rtrl97 model of the other rtrl97 contenders, forward-only: Lstm97InferBatch.step (weights and
 * state in its own wasm instance, no traces), in float64 (Rtrl97.predict's own bits) or float32.
 * B = 1: the 'forward' row (one stream: lanes over blocks); B > 1: the 'batch' row.
 */
export function rtrl97InferContender(data: SineStream, H: number, B: number, precision: lstm.InferPrecision): Contender | null {
  if (!lstm.inferBatchAvailable()) return null;
  const net = new Rtrl97(RTRL97_CONFIG(data.X, H));
  const ids = { f64: 'carousel.rtrl97.infer', f32: 'carousel.rtrl97.infer32' } as const;
  return inferContender(new lstm.Lstm97InferBatch(net, B, { precision }), data, H, B, precision, ids[precision], "Rtrl97 model (cellSources 'cells'), Lstm97InferBatch", 'no traces', "Rtrl97.predict's own bits");
}

/** The 'forward' (B = 1) or 'batch' row of an inference batch: `what(B[, 'f32']).step(x)`, without `without`. */
function inferContender(batch: { step(x: ArrayLike<number>): unknown }, data: SineStream, H: number, B: number, precision: lstm.InferPrecision, id: string, what: string, without: string, bits: string): Contender {
  const input = B === 1 ? (t: number) => data.row(t) : batchInput(data, B);
  const kernels = precision === 'f64' ? `WebAssembly f64x2; ${bits}; float64` : 'WebAssembly f32x4; float32, as the peers compute';
  const call = `${what}(${B}${precision === 'f32' ? ", 'f32'" : ''})`;
  let t = 0;
  return {
    id, work: B === 1 ? 'forward' : 'batch', H, streams: B,
    does: B === 1
      ? `${call}.step(x): one forward step, ${without} (${kernels})`
      : `${call}.step(X): one batched forward, ${without}, lanes over streams (${kernels})`,
    run: (n) => { for (let i = 0; i < n; i++) batch.step(input(t++)); },
  };
}

/**
 * B streams of one Rtrl97 model (cellSources 'cells'). 'batch': predictBatch (forward without
 * traces). 'batchTrain': stepBatch (forward + each stream's traces) + learnBatch + SGD.
 */
export function rtrl97BatchContender(work: 'batch' | 'batchTrain', data: SineStream, H: number, B: number, lr: number): Contender {
  const net = new Rtrl97(RTRL97_CONFIG(data.X, H), undefined, { kernelStreams: B });
  const streams = Array.from({ length: B }, () => net.newStream());
  const Y = new Float64Array(B);
  const losses = new Float64Array(B);
  const input = batchInput(data, B);
  const target = batchTarget(data, B);
  const update = sgd(net.params, net.grad, lr / B);
  let t = 0;
  if (work === 'batch') {
    return {
      id: 'carousel.rtrl97', work, H, streams: B,
      does: `Rtrl97 model (cellSources 'cells', kernelStreams ${B}), predictBatch(${B} streams): one batched forward, no traces; float64`,
      run: (n) => { for (let i = 0; i < n; i++) net.predictBatch(streams, input(t++), Y); },
    };
  }
  return {
    id: 'carousel.rtrl97', work, H, streams: B,
    does: `Rtrl97 model (cellSources 'cells', kernelStreams ${B}: every stream's trace pass in wasm), stepBatch (forward + every stream's RTRL traces) + learnBatch + ${UPDATE()} + grad.fill(0); float64`,
    run: (n) => {
      for (let i = 0; i < n; i++) {
        net.stepBatch(streams, input(t), Y);
        net.learnBatch(streams, target(t++), losses);
        update();
      }
    },
  };
}
