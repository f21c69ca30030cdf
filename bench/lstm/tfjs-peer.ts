// The @tensorflow/tfjs peer: the same vanilla LSTM cell (gates i, f, g, o; no peepholes) with a
// linear head, weights as tf.variable, on the 'cpu' or the 'wasm' backend (float32, as tfjs
// computes). Online learning the cheapest fair way tfjs allows: per step, one optimizer.minimize
// (tf.variableGrads + SGD apply) over the one-step loss ½(y − d)², with the recurrent state
// (h, c) carried across steps as a detached tensor, so the gradient is truncated to one step.
// TBPTT(1,16) ('train16', the same work as Carousel's tbptt(1,16)): per step, the last 16 steps
// are run forward again from the state stored 16 steps back, under tf.variableGrads of the
// newest step's loss, then SGD; the state after the window's first step is stored for the next.
// Forward-only: the same cell under tf.tidy. Batch: one [B, X] step of the forward; batch
// learning: one [B, X] step with the summed loss, 1-step gradient, SGD.
// Every step reads its prediction back (dataSync), as an online server must.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { Contender, Work } from './contender.ts';
import type { SineStream } from './sine.ts';

export type TfBackend = 'cpu' | 'wasm';

/** The weights of one cell + head. W: (X+H, 4H), b: (4H), V: (H, 1), bv: (1). */
interface TfCell {
  readonly W: tf.Variable;
  readonly b: tf.Variable;
  readonly V: tf.Variable;
  readonly bv: tf.Variable;
}

function createCell(X: number, H: number, seed: number): TfCell {
  const init = (shape: number[], s: number): tf.Variable => tf.variable(tf.randomUniform(shape, -0.1, 0.1, 'float32', seed + s));
  // forget-gate bias +1, as the Carousel vanilla default (gate order i, f, g, o here)
  const bias = new Float32Array(4 * H);
  bias.fill(1, H, 2 * H);
  return { W: init([X + H, 4 * H], 0), b: tf.variable(tf.tensor1d(bias)), V: init([H, 1], 1), bv: tf.variable(tf.zeros([1])) };
}

/** One step of the cell: returns [h, c, y] for x (B, X), h and c (B, H). */
function cellStep(cell: TfCell, x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  const H = h.shape[1];
  const g = tf.add(tf.matMul(tf.concat([x, h], 1), cell.W), cell.b) as tf.Tensor2D;
  const [gi, gf, gg, go] = tf.split(g, [H, H, H, H], 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const c2 = tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg))) as tf.Tensor2D;
  const h2 = tf.mul(tf.sigmoid(go), tf.tanh(c2)) as tf.Tensor2D;
  const y = tf.add(tf.matMul(h2, cell.V), cell.bv) as tf.Tensor2D;
  return [h2, c2, y];
}

/** A tfjs online learner on one stream. learnStep returns the loss of the step. */
export class TfjsOnline {
  private readonly cell: TfCell;
  private readonly opt: tf.SGDOptimizer;
  private h: tf.Tensor2D;
  private c: tf.Tensor2D;
  /** TBPTT: the state entering the current window (detached). */
  private h0: tf.Tensor2D;
  private c0: tf.Tensor2D;
  private t = 0;

  constructor(
    readonly backend: TfBackend,
    private readonly data: SineStream,
    readonly H: number,
    readonly B: number,
    lr: number,
  ) {
    this.cell = createCell(data.X, H, 7);
    this.opt = tf.train.sgd(lr);
    this.h = tf.zeros([B, H]);
    this.c = tf.zeros([B, H]);
    this.h0 = tf.zeros([1, H]);
    this.c0 = tf.zeros([1, H]);
  }

  /**
   * TBPTT(1, window): forward over the last `window` steps from the stored state, gradient of
   * the newest step's loss through all of them, SGD; returns the loss.
   */
  learnWindowStep(window: number): number {
    const { data } = this;
    const X = data.X;
    const first = Math.max(0, this.t - window + 1);
    const len = this.t - first + 1;
    const rows = new Float32Array(len * X);
    for (let k = 0; k < len; k++) rows.set(data.row32(first + k), k * X);
    const xw = tf.tensor2d(rows, [len, X]);
    const d = tf.tensor2d([data.d[this.t % data.d.length]!], [1, 1]);
    const { W, b, V, bv } = this.cell;
    let nextH: tf.Tensor2D | null = null;
    let nextC: tf.Tensor2D | null = null;
    let y: tf.Tensor2D | null = null;
    const loss = this.opt.minimize(() => {
      const xs = tf.split(xw, len, 0) as tf.Tensor2D[];
      let h = this.h0;
      let c = this.c0;
      let out: tf.Tensor2D = h;
      for (let k = 0; k < len; k++) {
        [h, c, out] = cellStep(this.cell, xs[k]!, h, c);
        if (k === 0 && len === window) {
          nextH = tf.keep(h);
          nextC = tf.keep(c);
        }
      }
      y = tf.keep(out);
      return tf.mul(0.5, tf.sum(tf.square(tf.sub(out, d)))) as tf.Scalar;
    }, true, [W, b, V, bv])!;
    y!.dataSync();
    const E = loss.dataSync()[0]!;
    tf.dispose([xw, d, loss, y!]);
    if (nextH && nextC) {
      tf.dispose([this.h0, this.c0]);
      this.h0 = nextH;
      this.c0 = nextC;
    }
    this.t++;
    return E;
  }

  /** B streams, one [B, X] step: summed loss ½Σ(y−d)², 1-step gradient, SGD, Y read back. */
  learnBatchStep(): void {
    const { data, B } = this;
    const x = tf.tensor2d(batchRows(data, this.t, B), [B, data.X]);
    const d = tf.tensor2d(batchTargets(data, this.t, B), [B, 1]);
    let h: tf.Tensor2D | null = null;
    let c: tf.Tensor2D | null = null;
    let y: tf.Tensor2D | null = null;
    const { W, b, V, bv } = this.cell;
    const loss = this.opt.minimize(() => {
      const out = cellStep(this.cell, x, this.h, this.c);
      h = tf.keep(out[0]);
      c = tf.keep(out[1]);
      y = tf.keep(out[2]);
      return tf.mul(0.5, tf.sum(tf.square(tf.sub(out[2], d)))) as tf.Scalar;
    }, true, [W, b, V, bv])!;
    y!.dataSync();
    tf.dispose([x, d, loss, y!, this.h, this.c]);
    this.h = h!;
    this.c = c!;
    this.t++;
  }

  /** Forward + one-step gradient + SGD update; returns the loss. */
  learnStep(): number {
    const { data } = this;
    const x = tf.tensor2d(data.row32(this.t), [1, data.X]);
    const d = tf.tensor2d([data.d[this.t % data.d.length]!], [1, 1]);
    let h: tf.Tensor2D | null = null;
    let c: tf.Tensor2D | null = null;
    let y: tf.Tensor2D | null = null;
    const { W, b, V, bv } = this.cell;
    const loss = this.opt.minimize(() => {
      const out = cellStep(this.cell, x, this.h, this.c);
      h = tf.keep(out[0]);
      c = tf.keep(out[1]);
      y = tf.keep(out[2]);
      return tf.mul(0.5, tf.sum(tf.square(tf.sub(out[2], d)))) as tf.Scalar;
    }, true, [W, b, V, bv])!;
    y!.dataSync();
    const E = loss.dataSync()[0]!;
    tf.dispose([x, d, loss, y!, this.h, this.c]);
    this.h = h!;
    this.c = c!;
    this.t++;
    return E;
  }

  /** Forward only, B streams at once (B = 1 or the batch); reads the outputs. */
  forwardStep(): void {
    const { data, B } = this;
    const x = B === 1 ? tf.tensor2d(data.row32(this.t), [1, data.X]) : tf.tensor2d(batchRows(data, this.t, B), [B, data.X]);
    const [h, c, y] = tf.tidy(() => cellStep(this.cell, x, this.h, this.c));
    y.dataSync();
    tf.dispose([x, y, this.h, this.c]);
    this.h = h;
    this.c = c;
    this.t++;
  }
}

const batchCache = new Map<string, Float32Array[]>();
/** (B, X) inputs of step t: stream b sees the sine shifted by b steps. Cached per (X, B). */
function batchRows(data: SineStream, t: number, B: number): Float32Array {
  const key = `${data.X}x${B}`;
  let rows = batchCache.get(key);
  if (!rows) {
    rows = Array.from({ length: 64 }, (_, s) => {
      const m = new Float32Array(B * data.X);
      for (let b = 0; b < B; b++) m.set(data.row32(s + b), b * data.X);
      return m;
    });
    batchCache.set(key, rows);
  }
  return rows[t % rows.length]!;
}

const targetCache = new Map<string, Float32Array[]>();
/** (B) targets of step t: stream b's target is d(t + b). Cached per B. */
function batchTargets(data: SineStream, t: number, B: number): Float32Array {
  let rows = targetCache.get(String(B));
  if (!rows) {
    rows = Array.from({ length: 64 }, (_, s) => Float32Array.from({ length: B }, (_, b) => data.d[(s + b) % data.d.length]!));
    targetCache.set(String(B), rows);
  }
  return rows[t % rows.length]!;
}

/** Sets the backend (initialising wasm on first use); returns what tfjs reports about it. */
export async function useBackend(name: TfBackend): Promise<void> {
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`tfjs backend ${name} failed to initialise`);
  }
  await tf.ready();
}

export async function tfjsInfo(): Promise<Record<string, unknown>> {
  await useBackend('wasm');
  return {
    version: tf.version.tfjs,
    wasmSimd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    wasmThreads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  };
}

/** TBPTT window of the 'train16' rows. */
export const TFJS_WINDOW = 16;

const DOES: Readonly<Record<Work, (backend: string, B: number) => string>> = {
  train: (be) => `tfjs ${be}: per step optimizer.minimize over ½(y−d)² of one cell step, (h, c) carried detached (1-step truncated gradient: the closest a tfjs user gets to rtrl97's online step), SGD, y read back; float32`,
  train16: (be) => `tfjs ${be}: TBPTT(1,${TFJS_WINDOW}): per step the last ${TFJS_WINDOW} steps rerun forward from the state stored ${TFJS_WINDOW} steps back inside optimizer.minimize (tf.variableGrads) of the newest step's ½(y−d)², SGD, y read back; float32`,
  forward: (be) => `tfjs ${be}: one cell step under tf.tidy, state carried, y read back; float32`,
  batch: (be, B) => `tfjs ${be}: one [${B}, X] cell step under tf.tidy, state carried, Y read back; float32`,
  batchTrain: (be, B) => `tfjs ${be}: one [${B}, X] cell step inside optimizer.minimize of the summed ½Σ(y−d)² (1-step gradient), SGD, Y read back; float32`,
};

export function tfjsContender(backend: TfBackend, work: Work, data: SineStream, H: number, B: number, lr: number): Contender {
  const net = new TfjsOnline(backend, data, H, B, lr);
  const step: () => unknown =
    work === 'train' ? () => net.learnStep()
      : work === 'train16' ? () => net.learnWindowStep(TFJS_WINDOW)
        : work === 'batchTrain' ? () => net.learnBatchStep()
          : () => net.forwardStep();
  return {
    id: `tfjs.${backend}`,
    does: DOES[work](backend, B),
    work,
    H,
    streams: B,
    enter: () => useBackend(backend),
    run: (n) => { for (let i = 0; i < n; i++) step(); },
  };
}
