// What every timed contender of the LSTM section looks like, and the clock around it: calibrate
// a step count once, then one timed sample per round. Not the scheduling of rounds (section.ts).

/**
 * The kinds of work a row compares: 'train' online step with a 1-step (rtrl97: truncated RTRL)
 * gradient; 'train16' online step with TBPTT(1,16); 'forward' forward only; 'batch' one
 * forward step of B streams; 'batchTrain' one learning step (forward + backward + update) of B.
 */
export type Work = 'train' | 'train16' | 'forward' | 'batch' | 'batchTrain';

export interface Contender {
  /** Stable id, also the key in results/lstm.json (e.g. 'carousel.rtrl97', 'tfjs.wasm'). */
  readonly id: string;
  /** What is timed, in one sentence (goes into the notes under the table). */
  readonly does: string;
  readonly work: Work;
  /** H of the model. */
  readonly H: number;
  /** Streams advanced by one run step (1, or 256 for the batch rows). */
  readonly streams: number;
  /** Called before each sample (e.g. switch the tfjs backend). */
  enter?(): Promise<void>;
  /** Advances n steps (each: all `streams` streams by one input). Synchronous, results read out. */
  run(n: number): void;
}

/** Seconds since an arbitrary origin, sub-microsecond resolution. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Steps to run so one sample takes about `seconds`: doubles from 1 until 20 ms, then scales. */
export function calibrate(c: Contender, seconds: number): number {
  let n = 1;
  for (;;) {
    const t0 = now();
    c.run(n);
    const dt = now() - t0;
    if (dt >= 0.02 || n >= 1 << 24) return Math.max(1, Math.round((n * seconds) / Math.max(dt, 1e-9)));
    n *= 2;
  }
}

/** One timed sample: steps per second over n steps, after a short untimed warm-up. */
export function sample(c: Contender, n: number): number {
  c.run(Math.max(1, n >> 4));
  const t0 = now();
  c.run(n);
  return n / (now() - t0);
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
