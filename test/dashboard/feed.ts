// A synthetic prediction feed for the dashboard suite: what a worker would publish for a set of
// 1-feature streams (a sine per stream, forecasts that track it with seeded noise), plus injected
// anomalies (a jump in the signal, a high score and likelihood, and an Alert). Publishes on core
// NATS exactly where a worker does: carousel.out.<stream> and carousel.alert.<stream>.

import type { NatsConnection } from 'nats';
import { encodeAlert, encodePrediction, PROTOCOL_VERSION } from '@carousel/protocol';

/** Virtual time between two steps of a stream, ms (sample timestamps, not wall time). */
export const STEP_MS = 100;
/** Likelihood threshold the injected alerts report. */
export const ALERT_THRESHOLD = 0.99;
/** Virtual epoch of seq 0. */
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface StreamState {
  seq: number;
  forecast: number | null; // made at the last step, for the next
  phase: number;
  amp: number;
  base: number; // score baseline, so streams sort differently
}

export class PredictionFeed {
  readonly #streams = new Map<string, StreamState>();
  readonly #rand = mulberry32(7);
  readonly #anomalies = new Set<string>();
  /** Predictions and alerts published. */
  predictions = 0;
  alerts = 0;

  constructor(readonly nc: NatsConnection, readonly prefix = 'carousel') {}

  add(names: readonly string[]): void {
    for (const name of names) {
      if (this.#streams.has(name)) continue;
      this.#streams.set(name, { seq: 0, forecast: null, phase: this.#rand() * 6.28, amp: 1 + this.#rand() * 4, base: this.#rand() * 0.3 });
    }
  }

  /** The next step of `stream` carries an anomaly (and an Alert for it). */
  injectAnomaly(stream: string): void {
    this.#anomalies.add(stream);
  }

  lastSeq(stream: string): number {
    return this.#streams.get(stream)?.seq ?? 0;
  }

  /** Publishes one step of every stream (or of `only`). */
  step(only?: readonly string[]): void {
    for (const name of only ?? this.#streams.keys()) this.#step(name, this.#streams.get(name)!);
  }

  #step(name: string, s: StreamState): void {
    s.seq++;
    const t = s.seq;
    const anomalous = this.#anomalies.delete(name);
    const x = s.amp * Math.sin(t / 12 + s.phase) + (anomalous ? 4 * s.amp : 0);
    const next = s.amp * Math.sin((t + 1) / 12 + s.phase) + (this.#rand() - 0.5) * 0.1 * s.amp;
    const err = s.forecast === null ? null : Math.abs(x - s.forecast);
    const score = err === null ? null : anomalous ? 0.97 : Math.min(1, s.base + 0.05 * this.#rand());
    const lik = score === null ? null : anomalous ? 0.999 : 0.3 + 0.4 * this.#rand();
    const ts = T0 + t * STEP_MS;
    this.nc.publish(`${this.prefix}.out.${name}`, encodePrediction({ v: PROTOCOL_VERSION, stream: name, seq: t, ts, f: [next], x: [x], err, score, lik, mv: 1, pt: 0.00012 }));
    this.predictions++;
    if (anomalous) {
      this.nc.publish(`${this.prefix}.alert.${name}`, encodeAlert({ v: PROTOCOL_VERSION, stream: name, seq: t, ts, score: score!, lik: lik!, thr: ALERT_THRESHOLD, mv: 1 }));
      this.alerts++;
    }
    s.forecast = next;
  }
}
