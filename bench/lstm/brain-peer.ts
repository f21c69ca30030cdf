// The brain.js peer (2.0.0-beta.24, recurrent.LSTMTimeStep). What it offers for online learning,
// precisely: no carried state and no single-step API. trainPattern(seq) runs the LSTM from a
// zero state over seq, predicts seq[i+1] from seq[0..i] at every position, backpropagates
// through the whole sequence and applies its built-in RMSProp-style update (decay 0.999, clip 5,
// L2 1e-6); run(seq) likewise starts from zero state and returns the last prediction. It also
// requires inputSize = outputSize, so the head predicts the whole next input vector (X = 8
// outputs, not 1) and the sine targets are x(t+1). So one "online step" here is:
//   train:   trainPattern over the window of the last W + 1 inputs (W forward/backward steps);
//   forward: run over the last W inputs (W forward steps).
// W = 16 gives it the context tbptt(1,16) has; W = 1 is memoryless (no recurrence at all) and
// is reported for information, not counted as a peer doing the same work.

import brain from 'brain.js';
import type { Contender, Work } from './contender.ts';
import type { SineStream } from './sine.ts';

/** What we call on the LSTMTimeStep instance (its .d.ts types these for number[][] data). */
interface BrainTimeStep {
  initialize(): void;
  trainPattern(input: Float32Array[], logErrorRate?: boolean): number;
  run(input: Float32Array[]): Float32Array;
}

export class BrainOnline {
  private readonly net: BrainTimeStep;
  private t: number;

  constructor(
    private readonly data: SineStream,
    readonly H: number,
    readonly window: number,
    lr: number,
  ) {
    const Ctor = brain.recurrent.LSTMTimeStep as unknown as new (o: Record<string, unknown>) => BrainTimeStep;
    this.net = new Ctor({ inputSize: data.X, hiddenLayers: [H], outputSize: data.X, learningRate: lr });
    this.net.initialize();
    this.t = window + 1;
    // run() refuses until trainPattern has bound the unrolled equations: one pattern does it.
    this.learnStep();
  }

  private seq(len: number): Float32Array[] {
    const out: Float32Array[] = new Array<Float32Array>(len);
    for (let i = 0; i < len; i++) out[i] = this.data.row32(this.t - len + 1 + i);
    return out;
  }

  /** trainPattern over the last window + 1 inputs; returns brain's error of the pattern. */
  learnStep(): number {
    const e = this.net.trainPattern(this.seq(this.window + 1), true);
    this.t++;
    return e;
  }

  forwardStep(): void {
    this.net.run(this.seq(this.window));
    this.t++;
  }
}

export function brainContender(work: Extract<Work, 'train16' | 'forward'>, data: SineStream, H: number, window: number, lr: number): Contender {
  const net = new BrainOnline(data, H, window, lr);
  const does =
    work === 'train16'
      ? `brain.js LSTMTimeStep: trainPattern over the last ${window + 1} inputs from zero state (${window} fwd+bwd steps, ${data.X} outputs), RMSProp-style update; float32 (Float32Array weights)`
      : `brain.js LSTMTimeStep: run over the last ${window} inputs from zero state (${window} forward steps); float32`;
  return {
    id: `brainjs.w${window}`,
    does,
    work,
    H,
    streams: 1,
    run: work === 'train16' ? (n) => { for (let i = 0; i < n; i++) net.learnStep(); } : (n) => { for (let i = 0; i < n; i++) net.forwardStep(); },
  };
}
