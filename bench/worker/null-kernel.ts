// Preloaded into a bench worker process by ceiling-probe.ts (`--import tsx --import <this file>`):
// StreamProcessor.process, the kernel the worker bench's ratio divides by, becomes a constant
// answer that only moves the stream's seq and sample count. Everything else in the worker runs as
// deployed: the consumer, decode, the actors and their mailboxes, the encode and publish of the
// prediction, metrics, checkpoints of the (untouched) model. A worker so loaded measures what
// the pipeline around the kernel costs on this machine. Never loaded outside that probe.
import { StreamProcessor, type StepResult } from '@carousel/worker';

interface Internals {
  seq: number;
  stats: { samples: number };
  nullForecast?: Float64Array[];
}

const proto = StreamProcessor.prototype as unknown as { process(seq: number, x: ArrayLike<number>, ts?: number): StepResult };
proto.process = function (this: Internals, seq: number, x: ArrayLike<number>): StepResult {
  this.seq = seq;
  this.stats.samples++;
  const forecast = (this.nullForecast ??= [new Float64Array(x.length)]);
  return { seq, forecast, error: 0, score: 0, likelihood: 0, flagged: false, weight: 1, loss: 0 };
};
