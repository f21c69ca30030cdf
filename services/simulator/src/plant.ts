// A non-Markovian control plant: a stable first-order linear plant driven by a random control
// input, plus a delayed response to cue pulses. At random times a cue of sign s in {-1, +1}
// appears on the cue channel; `delay` steps later (fixed, or drawn per cue from a range) the plant
// output receives a kick of `amplitude * s` for `width` steps. With `announce` (the default) a
// trigger pulse on its own channel marks the step before the kick: the trigger says when, only
// the cue seen `delay` steps earlier says which way. Nothing in a short window of observations
// holds that sign: only a model that remembers the cue predicts the kick.
// Not a controller and not a physical model: a benchmark signal with its ground truth.
//
//   x(t) = [cue(t), trigger(t), u(t), y(t)]           what a stream publishes (X = 4)
//   y(t+1) = a y(t) + b u(t) + r(t+1) + noise e(t)    e ~ N(0, 1)
//   r(t)   = amplitude * s  for t in [t0 + delay, t0 + delay + width), cue s seen at t0; else 0
//   trigger(t) = 1 at t = t0 + delay - 1 when announced; else 0

import { createRng } from '@carousel/lstm';
import type { Point } from './point.ts';

/** Default steps from a cue to the plant's response: drawn per cue, uniform in [min, max]. */
export const DEFAULT_PLANT_DELAY: readonly [number, number] = [15, 25];
/** Default length of the response, steps. */
export const DEFAULT_PLANT_WIDTH = 1;
/** Default response amplitude (plant output units). */
export const DEFAULT_PLANT_AMPLITUDE = 2;
/** Inputs per plant step: cue, trigger, control u, output y. */
export const PLANT_CHANNELS = 4;
/** Default pole a of the linear part (|a| < 1: stable). */
export const DEFAULT_PLANT_POLE = 0.8;
/** Default gain b of the control input. */
export const DEFAULT_PLANT_GAIN = 0.5;
/** Default standard deviation of the process noise. */
export const DEFAULT_PLANT_NOISE = 0.1;
/** Default standard deviation of the random control input u. */
export const DEFAULT_PLANT_INPUT = 1;
/** Default extra quiet steps, beyond delay + width, between the end of one cue's response and the next cue: uniform in [min, max]. */
export const DEFAULT_PLANT_GAP: readonly [number, number] = [2, 20];
/** Default sample period, milliseconds. */
export const DEFAULT_PLANT_PERIOD_MS = 100;

export interface PlantOptions {
  /** Seed of the cue times, cue signs, control input and noise. Required. */
  seed: number;
  /** Steps from a cue to the start of the response (>= 1): a number, or a range [min, max] drawn per cue. Default DEFAULT_PLANT_DELAY ([15, 25]). */
  delay?: number | readonly [number, number];
  /** Response length, steps (>= 1). Default DEFAULT_PLANT_WIDTH (1). */
  width?: number;
  /** Response amplitude. Default DEFAULT_PLANT_AMPLITUDE (2). */
  amplitude?: number;
  /** Pole a of the linear part, |a| < 1. Default DEFAULT_PLANT_POLE (0.8). */
  pole?: number;
  /** Control gain b. Default DEFAULT_PLANT_GAIN (0.5). */
  gain?: number;
  /** Process noise standard deviation. Default DEFAULT_PLANT_NOISE (0.1). */
  noise?: number;
  /** Control input standard deviation. Default DEFAULT_PLANT_INPUT (1). */
  input?: number;
  /** Quiet steps between a response's end and the next cue, uniform in [min, max]. Default DEFAULT_PLANT_GAP. */
  gap?: readonly [number, number];
  /** Mark the step before each response with a trigger pulse (the "when", not the "which way"). Default true. */
  announce?: boolean;
  /** Timestamp of step 0, ms. Default 0. */
  start?: number;
  /** Sample period, ms. Default DEFAULT_PLANT_PERIOD_MS (100). */
  periodMs?: number;
  /** Steps to generate. Default unbounded. */
  count?: number;
}

export type ResolvedPlantOptions = Readonly<Required<Omit<PlantOptions, 'delay'>> & { delay: readonly [number, number] }>;

/** One plant step: the published point plus the hidden delayed response r(t) in y(t). */
export interface PlantPoint extends Point {
  /** r(t): the cue-driven part of y(t) added at this step (0 outside a response). */
  readonly response: number;
  /** The cue sign whose response is pending or under way (0 when none is). */
  readonly pending: number;
}

/** Merges defaults, checks and freezes (RangeError on a bad value). */
export function parsePlantOptions(o: PlantOptions): ResolvedPlantOptions {
  const d = o.delay ?? DEFAULT_PLANT_DELAY;
  const r = {
    seed: o.seed,
    delay: (typeof d === 'number' ? [d, d] : [d[0], d[1]]) as readonly [number, number],
    width: o.width ?? DEFAULT_PLANT_WIDTH,
    amplitude: o.amplitude ?? DEFAULT_PLANT_AMPLITUDE,
    pole: o.pole ?? DEFAULT_PLANT_POLE,
    gain: o.gain ?? DEFAULT_PLANT_GAIN,
    noise: o.noise ?? DEFAULT_PLANT_NOISE,
    input: o.input ?? DEFAULT_PLANT_INPUT,
    gap: o.gap ?? DEFAULT_PLANT_GAP,
    announce: o.announce ?? true,
    start: o.start ?? 0,
    periodMs: o.periodMs ?? DEFAULT_PLANT_PERIOD_MS,
    count: o.count ?? Infinity,
  };
  if (!Number.isInteger(r.seed)) throw new RangeError(`plant seed must be an integer, got ${r.seed}`);
  const [d0, d1] = r.delay;
  if (!Number.isInteger(d0) || !Number.isInteger(d1) || d0 < 1 || d1 < d0) throw new RangeError(`plant delay must be integers 1 <= min <= max, got [${d0}, ${d1}]`);
  if (!Number.isInteger(r.width) || r.width < 1) throw new RangeError(`plant width must be an integer >= 1, got ${r.width}`);
  if (!(Math.abs(r.pole) < 1)) throw new RangeError(`plant pole must be in (-1, 1), got ${r.pole}`);
  const [g0, g1] = r.gap;
  if (!Number.isInteger(g0) || !Number.isInteger(g1) || g0 < 0 || g1 < g0) throw new RangeError(`plant gap must be integers 0 <= min <= max, got [${g0}, ${g1}]`);
  if (!(r.noise >= 0) || !(r.input >= 0)) throw new RangeError('plant noise and input must be >= 0');
  if (!(r.periodMs > 0)) throw new RangeError(`plant periodMs must be > 0, got ${r.periodMs}`);
  return Object.freeze({ ...r, delay: Object.freeze([d0, d1]) as readonly [number, number], gap: Object.freeze([g0, g1]) as readonly [number, number] });
}

/**
 * The plant's steps. Deterministic per options. Cues never overlap: the next cue comes only after
 * the previous response has ended (plus the gap), so each response belongs to exactly one cue.
 */
export function* plant(options: PlantOptions): Generator<PlantPoint> {
  const o = parsePlantOptions(options);
  const cues = createRng(o.seed).fork(1);
  const inputs = createRng(o.seed).fork(2);
  const noise = createRng(o.seed).fork(3);
  let y = 0;
  let nextCue = cues.int(o.gap[0], o.gap[1]);
  let responseStart = -1; // first step whose y carries the response
  let sign = 0;
  let r = 0; // response in the current y
  for (let t = 0; t < o.count; t++) {
    let cue = 0;
    if (t === nextCue) {
      sign = cues.uniform() < 0.5 ? -1 : 1;
      cue = sign;
      responseStart = t + cues.int(o.delay[0], o.delay[1]);
      nextCue = responseStart + o.width + cues.int(o.gap[0], o.gap[1]);
    }
    const trigger = o.announce && t === responseStart - 1 ? 1 : 0;
    const u = o.input * inputs.normal();
    const pending = responseStart >= 0 && t < responseStart + o.width ? sign : 0;
    yield { ts: o.start + t * o.periodMs, x: [cue, trigger, u, y], label: 0, response: r, pending };
    // y(t+1) from y(t), u(t) and the response scheduled for step t+1.
    const k = t + 1 - responseStart;
    r = responseStart >= 0 && k >= 0 && k < o.width ? o.amplitude * sign : 0;
    y = o.pole * y + o.gain * u + r + o.noise * noise.normal();
  }
}
