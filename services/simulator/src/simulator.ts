// The Simulator: publishes sensor, audio-feature and control-plant streams as protocol Samples
// (msgpack) to <prefix>.in.<stream>, each stream paced at its own rate, with message ids
// `<stream>:<seq>` so a retried publish is de-duplicated by JetStream. Not a load generator with
// a latency model: one loop, one clock (injectable), counters for what happened.

import { PROTOCOL_VERSION, createSubjects, encodeSample, parseOptions } from '@carousel/protocol';
import { audioFeatures, synthesizeAudio } from './audio.ts';
import { plant } from './plant.ts';
import type { Point } from './point.ts';
import { SYSTEM_CLOCK, type Clock, type Publisher } from './publisher.ts';
import { sensors } from './sensors.ts';

/** Default sensor / audio / plant streams. */
export const DEFAULT_SENSOR_STREAMS = 1;
export const DEFAULT_AUDIO_STREAMS = 0;
export const DEFAULT_PLANT_STREAMS = 1;
/** Default samples per second per stream. */
export const DEFAULT_RATE = 10;
/** Default seed. */
export const DEFAULT_SEED = 1;
/** Default publish attempts per sample (the first plus retries, same msg id). */
export const DEFAULT_ATTEMPTS = 3;
/** Samples published between yields to the event loop when running as fast as possible. */
const BURST = 256;

export interface SimulatorOptions {
  /** Where samples go. Required. */
  publisher: Publisher;
  /** Sensor streams (`sensor-<i>`). Default 1. */
  sensors?: number;
  /** Audio-feature streams (`audio-<i>`, log-mel of a synthetic signal). Default 0. */
  audio?: number;
  /** Control-plant streams (`plant-<i>`). Default 1. */
  plants?: number;
  /** Samples per second per stream; Infinity publishes as fast as possible. Default 10. */
  rate?: number;
  /** Seed; stream i of a kind uses a seed derived from it. Default 1. */
  seed?: number;
  /** Sensor anomalies per sample. Default the sensors' default (0.002). */
  anomalyRate?: number;
  /** Samples per stream, then that stream stops. Default unbounded. */
  count?: number;
  /** Milliseconds of (clock) time, then every stream stops. Default unbounded. */
  durationMs?: number;
  /** Subject prefix. Default 'carousel'. */
  prefix?: string;
  /**
   * Seq of every stream's first sample; later samples count up from it. Default 0. A restarted
   * simulator feeding the same streams must start above the last seq it sent (the worker refuses
   * a replayed seq): `carousel up` uses the start time in microseconds.
   */
  firstSeq?: number;
  /** Publish attempts per sample. Default DEFAULT_ATTEMPTS (3). */
  attempts?: number;
  /** Time source. Default the system clock. */
  clock?: Clock;
  /** Called once per publish that failed every attempt. */
  onError?: (err: unknown, stream: string, seq: number) => void;
  /** Called after each sample is published (metrics). */
  onPublish?: (stream: string, seq: number) => void;
}

/** Counters (monotonic). */
export interface SimulatorStats {
  /** Samples published. */
  published: number;
  /** Samples given up on after every attempt failed. */
  errors: number;
  /** Publish attempts that were retries. */
  retries: number;
}

const enum State {
  Idle = 0,
  Running = 1,
  Draining = 2,
  Closed = 3,
}

interface Stream {
  readonly id: string;
  readonly subject: string;
  readonly points: Iterator<Point>;
  seq: number;
  done: boolean;
}

function* loopAudio(seed: number): Generator<Point> {
  for (let k = 0; ; k++) {
    const clip = synthesizeAudio({ seed: seed + k });
    yield* audioFeatures(clip.samples, clip.sampleRate, { anomalies: clip.clicks });
  }
}

export class Simulator {
  readonly options: Readonly<Required<Omit<SimulatorOptions, 'onError' | 'onPublish' | 'anomalyRate'>>> & Pick<SimulatorOptions, 'onError' | 'onPublish' | 'anomalyRate'>;
  private readonly counters: SimulatorStats = { published: 0, errors: 0, retries: 0 };
  private readonly streams: Stream[] = [];
  private state = State.Idle;
  private loop: Promise<void> = Promise.resolve();
  private t0 = 0;

  constructor(opts: SimulatorOptions) {
    const o = {
      publisher: opts.publisher,
      sensors: opts.sensors ?? DEFAULT_SENSOR_STREAMS,
      audio: opts.audio ?? DEFAULT_AUDIO_STREAMS,
      plants: opts.plants ?? DEFAULT_PLANT_STREAMS,
      rate: opts.rate ?? DEFAULT_RATE,
      seed: opts.seed ?? DEFAULT_SEED,
      anomalyRate: opts.anomalyRate,
      count: opts.count ?? Infinity,
      durationMs: opts.durationMs ?? Infinity,
      prefix: opts.prefix ?? 'carousel',
      firstSeq: opts.firstSeq ?? 0,
      attempts: opts.attempts ?? DEFAULT_ATTEMPTS,
      clock: opts.clock ?? SYSTEM_CLOCK,
      onError: opts.onError,
      onPublish: opts.onPublish,
    };
    if (!o.publisher || typeof o.publisher.publish !== 'function') throw new TypeError('publisher with a publish() method is required');
    for (const k of ['sensors', 'audio', 'plants'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 0) throw new RangeError(`${k} must be an integer >= 0, got ${o[k]}`);
    }
    if (!(o.rate > 0)) throw new RangeError(`rate must be > 0 samples/s, got ${o.rate}`);
    if (!Number.isSafeInteger(o.firstSeq) || o.firstSeq < 0) throw new RangeError(`firstSeq must be a safe integer >= 0, got ${o.firstSeq}`);
    if (!(o.count >= 0)) throw new RangeError(`count must be >= 0, got ${o.count}`);
    if (!Number.isInteger(o.attempts) || o.attempts < 1) throw new RangeError(`attempts must be an integer >= 1, got ${o.attempts}`);
    this.options = Object.freeze(o);
  }

  /** The counters (a live read-only view). */
  get stats(): Readonly<SimulatorStats> {
    return this.counters;
  }

  /** Stream ids, in publishing order. */
  get streamIds(): string[] {
    return this.streams.map((s) => s.id);
  }

  /** Builds the streams and starts publishing. Throws if already started. */
  start(): void {
    if (this.state !== State.Idle) throw new Error('simulator already started');
    const o = this.options;
    const subjects = createSubjects(parseOptions({ prefix: o.prefix }));
    this.t0 = o.clock.now();
    const periodMs = 1000 / o.rate;
    const add = (id: string, points: Iterator<Point>): void => {
      this.streams.push({ id, subject: subjects.in(id), points, seq: 0, done: false });
    };
    // Stream seeds: distinct per kind and index, derived from the one seed.
    for (let i = 0; i < o.sensors; i++) {
      add(`sensor-${i}`, sensors({ seed: (o.seed * 1009 + i) >>> 0, anomalyRate: o.anomalyRate, start: this.t0, periodMs: Number.isFinite(o.rate) ? periodMs : 1 }));
    }
    for (let i = 0; i < o.audio; i++) add(`audio-${i}`, loopAudio((o.seed * 2003 + i) >>> 0));
    for (let i = 0; i < o.plants; i++) add(`plant-${i}`, plant({ seed: (o.seed * 3001 + i) >>> 0 }));
    this.state = State.Running;
    this.loop = this.run();
  }

  /** Stops producing new samples and resolves when the last publish has settled. */
  async drain(): Promise<void> {
    if (this.state === State.Running) this.state = State.Draining;
    await this.loop;
    this.state = State.Closed;
  }

  /** Stops now (a publish in flight still settles). Idempotent. */
  async close(): Promise<void> {
    this.state = State.Closed;
    await this.loop;
  }

  /** Resolves when the simulator has stopped (limits reached, drained or closed). */
  closed(): Promise<void> {
    return this.loop;
  }

  private async run(): Promise<void> {
    const o = this.options;
    const fast = !Number.isFinite(o.rate);
    const periodMs = 1000 / o.rate;
    let sinceYield = 0;
    while (this.state === State.Running) {
      // The stream that is due first; ties go to the earlier stream.
      let next: Stream | undefined;
      for (const s of this.streams) {
        if (s.seq >= o.count) s.done = true;
        if (!s.done && (next === undefined || s.seq < next.seq)) next = s;
      }
      if (!next) break;
      const due = fast ? this.t0 : this.t0 + next.seq * periodMs;
      if (due - this.t0 >= o.durationMs) break;
      const wait = due - o.clock.now();
      if (wait > 0) await o.clock.sleep(wait);
      else if (++sinceYield >= BURST) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (this.state !== State.Running) break;
      await this.publishNext(next, fast ? o.clock.now() : due);
    }
    if (this.state === State.Running) this.state = State.Closed;
  }

  private async publishNext(s: Stream, ts: number): Promise<void> {
    const o = this.options;
    const r = s.points.next();
    if (r.done) {
      s.done = true;
      return;
    }
    const seq = this.options.firstSeq + s.seq++;
    const data = encodeSample({ v: PROTOCOL_VERSION, stream: s.id, seq, ts: Math.round(ts), x: r.value.x });
    const msgId = `${s.id}:${seq}`;
    for (let attempt = 1; ; attempt++) {
      try {
        await o.publisher.publish(s.subject, data, { msgId });
        this.counters.published++;
        o.onPublish?.(s.id, seq);
        return;
      } catch (err) {
        if (attempt >= o.attempts) {
          this.counters.errors++;
          o.onError?.(err, s.id, seq);
          return;
        }
        this.counters.retries++;
      }
    }
  }
}
