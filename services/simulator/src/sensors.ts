// Synthetic sensor streams with ground truth: daily and weekly seasonality (with a harmonic),
// noise and slow drift, plus anomalies of six kinds injected in seeded windows. Every effect is
// confined to its window, so the label is exact: 1 inside a window, 0 outside.
// Not a physical model; a benchmark signal. Labels out in NAB form live in labels.ts.
//
//   x_c(t) = level_c + Ad_c (sin(ωd t + φ_c) + 0.3 sin(2 ωd t + φ2_c)) + Aw_c sin(ωw t + ψ_c)
//            + drift_c t + noise σ e(t)       + the anomaly's effect on its channel, in its window
//
// Schedule, parameters and noise are drawn from separate forks of the seed, so the clean signal
// is the same with or without anomalies and a schedule can be replayed alone (sensorAnomalies).

import { createRng, type Rng } from '@carousel/lstm';
import { SENSOR_ANOMALY_KINDS, type AnomalyKind, type Point } from './point.ts';

/** Default sample period: 5 minutes (288 samples per day). */
export const DEFAULT_SENSOR_PERIOD_MS = 300_000;
/** Default expected anomalies per sample (one per ~2 days at the default period). */
export const DEFAULT_ANOMALY_RATE = 0.002;
/** Default minimum clean samples between two anomaly windows. */
export const DEFAULT_ANOMALY_MIN_GAP = 50;
/** Default noise standard deviation (signal units; the daily amplitude is ~2). */
export const DEFAULT_SENSOR_NOISE = 0.2;

const DAY_MS = 86_400_000;

/** An anomaly window: samples [start, end) of one channel carry it. */
export interface AnomalyWindow {
  readonly kind: AnomalyKind;
  /** First step (sample index) of the window. */
  readonly start: number;
  /** One past the last step. */
  readonly end: number;
  /** The channel it affects. */
  readonly channel: number;
  /** Signed size: spike / shift height, burst noise factor, frequency factor, extra drift at the window's end. */
  readonly magnitude: number;
}

export interface SensorOptions {
  /** Seed. Required. */
  seed: number;
  /** Channels per sample. Default 1. */
  channels?: number;
  /** Sample period, ms. Default DEFAULT_SENSOR_PERIOD_MS (5 min). */
  periodMs?: number;
  /** Timestamp of step 0, ms. Default 0. */
  start?: number;
  /** Samples to generate. Default unbounded. */
  count?: number;
  /** Noise standard deviation. Default DEFAULT_SENSOR_NOISE (0.2). */
  noise?: number;
  /** Expected anomalies per sample; 0 for none. Default DEFAULT_ANOMALY_RATE (0.002). */
  anomalyRate?: number;
  /** Kinds to draw from. Default every SENSOR_ANOMALY_KINDS. */
  kinds?: readonly AnomalyKind[];
  /** Minimum clean samples between windows. Default DEFAULT_ANOMALY_MIN_GAP (50). */
  minGap?: number;
  /** An explicit schedule instead of a drawn one (windows sorted, not overlapping). */
  schedule?: readonly AnomalyWindow[];
}

type Resolved = Readonly<Required<Omit<SensorOptions, 'schedule'>>> & { readonly schedule: readonly AnomalyWindow[] | null };

function parseSensorOptions(o: SensorOptions): Resolved {
  const r = {
    seed: o.seed,
    channels: o.channels ?? 1,
    periodMs: o.periodMs ?? DEFAULT_SENSOR_PERIOD_MS,
    start: o.start ?? 0,
    count: o.count ?? Infinity,
    noise: o.noise ?? DEFAULT_SENSOR_NOISE,
    anomalyRate: o.anomalyRate ?? DEFAULT_ANOMALY_RATE,
    kinds: Object.freeze([...(o.kinds ?? SENSOR_ANOMALY_KINDS)]),
    minGap: o.minGap ?? DEFAULT_ANOMALY_MIN_GAP,
    schedule: o.schedule ? Object.freeze([...o.schedule]) : null,
  };
  if (!Number.isInteger(r.seed)) throw new RangeError(`sensor seed must be an integer, got ${r.seed}`);
  if (!Number.isInteger(r.channels) || r.channels < 1) throw new RangeError(`channels must be an integer >= 1, got ${r.channels}`);
  if (!(r.periodMs > 0)) throw new RangeError(`periodMs must be > 0, got ${r.periodMs}`);
  if (!(r.anomalyRate >= 0 && r.anomalyRate < 1)) throw new RangeError(`anomalyRate must be in [0, 1), got ${r.anomalyRate}`);
  if (r.kinds.length === 0 && r.anomalyRate > 0) throw new RangeError('kinds must not be empty');
  for (const k of r.kinds) if (!SENSOR_ANOMALY_KINDS.includes(k)) throw new RangeError(`unknown sensor anomaly kind ${k}`);
  return Object.freeze(r);
}

/** Length range (samples) and magnitude of each kind, drawn from `rng`. */
function drawWindow(rng: Rng, kind: AnomalyKind, start: number, channel: number): AnomalyWindow {
  const sign = rng.uniform() < 0.5 ? -1 : 1;
  switch (kind) {
    case 'spike':
      return { kind, start, end: start + 1, channel, magnitude: sign * rng.range(6, 10) };
    case 'levelShift':
      return { kind, start, end: start + rng.int(30, 120), channel, magnitude: sign * rng.range(2, 4) };
    case 'varianceBurst':
      return { kind, start, end: start + rng.int(20, 80), channel, magnitude: rng.range(5, 10) };
    case 'stuck':
      return { kind, start, end: start + rng.int(30, 120), channel, magnitude: 0 };
    case 'frequencyChange':
      return { kind, start, end: start + rng.int(150, 300), channel, magnitude: rng.int(3, 5) };
    case 'driftAcceleration':
      return { kind, start, end: start + rng.int(60, 150), channel, magnitude: sign * rng.range(3, 6) };
    default:
      throw new RangeError(`not a sensor anomaly kind: ${kind}`);
  }
}

/** The anomaly windows of a sensor stream, in order (the drawn schedule, or options.schedule). */
export function* sensorAnomalies(options: SensorOptions): Generator<AnomalyWindow> {
  const o = parseSensorOptions(options);
  if (o.schedule) {
    yield* o.schedule;
    return;
  }
  if (o.anomalyRate === 0) return;
  const rng = createRng(o.seed).fork(10);
  let next = o.minGap;
  for (;;) {
    const start = next + Math.floor(-Math.log(1 - rng.uniform()) / o.anomalyRate);
    if (start >= o.count) return;
    const kind = o.kinds[rng.int(0, o.kinds.length - 1)];
    const w = drawWindow(rng, kind, start, rng.int(0, o.channels - 1));
    yield w;
    next = w.end + o.minGap;
  }
}

/** All windows that start before `count` (a finite list, e.g. for a labels file). */
export function listSensorAnomalies(options: SensorOptions, count: number): AnomalyWindow[] {
  const out: AnomalyWindow[] = [];
  for (const w of sensorAnomalies({ ...options, count })) out.push(w);
  return out;
}

/** Per-channel shape parameters. */
interface Channel {
  level: number;
  daily: number;
  phase: number;
  phase2: number;
  weekly: number;
  weekPhase: number;
  drift: number;
}

/** The sensor stream: one Point per sample, labelled from the schedule. Deterministic per options. */
export function* sensors(options: SensorOptions): Generator<Point> {
  const o = parseSensorOptions(options);
  const params = createRng(o.seed).fork(11);
  const noise = createRng(o.seed).fork(12);
  const ch: Channel[] = [];
  for (let c = 0; c < o.channels; c++) {
    ch.push({
      level: params.range(5, 15),
      daily: params.range(1.5, 2.5),
      phase: params.range(0, 2 * Math.PI),
      phase2: params.range(0, 2 * Math.PI),
      weekly: params.range(0.5, 1),
      weekPhase: params.range(0, 2 * Math.PI),
      drift: params.range(-2, 2) / 10_000, // per sample
    });
  }
  const wd = (2 * Math.PI * o.periodMs) / DAY_MS; // rad per sample
  const ww = wd / 7;
  const schedule = sensorAnomalies(options);
  let w: AnomalyWindow | undefined = schedule.next().value ?? undefined;
  let stuckAt = 0;
  const clean = new Array<number>(o.channels);
  for (let t = 0; t < o.count; t++) {
    if (w && t >= w.end) w = schedule.next().value ?? undefined;
    const active = w && t >= w.start ? w : undefined;
    const x = new Array<number>(o.channels);
    for (let c = 0; c < o.channels; c++) {
      const p = ch[c];
      const hit = active !== undefined && active.channel === c;
      // Frequency change: the daily terms run `magnitude` times faster inside the window.
      const td = hit && active.kind === 'frequencyChange' ? active.start + active.magnitude * (t - active.start) : t;
      const e = noise.normal();
      const seasonal = p.daily * (Math.sin(wd * td + p.phase) + 0.3 * Math.sin(2 * wd * td + p.phase2)) + p.weekly * Math.sin(ww * t + p.weekPhase);
      clean[c] = p.level + seasonal + p.drift * t;
      let v = clean[c] + o.noise * e;
      if (hit) {
        const k = t - active.start;
        switch (active.kind) {
          case 'spike':
          case 'levelShift':
            v += active.magnitude;
            break;
          case 'varianceBurst':
            v += (active.magnitude - 1) * o.noise * e;
            break;
          case 'stuck':
            if (k === 0) stuckAt = v; // the first sample is the value it sticks at
            v = stuckAt;
            break;
          case 'driftAcceleration':
            v += (active.magnitude * (k + 1)) / (active.end - active.start);
            break;
          default:
            break; // frequencyChange is in td
        }
      }
      x[c] = v;
    }
    const ts = o.start + t * o.periodMs;
    yield active ? { ts, x, label: 1, kind: active.kind } : { ts, x, label: 0 };
  }
}
