// Audio-feature streams: log-mel (or MFCC) frames of a mono signal, one feature vector per frame,
// and a synthetic test signal (tones + noise + a few clicks as the anomalies) with its ground
// truth. Not a streaming audio decoder: the whole signal is in memory (readWav in wav.ts).
//
// Dimension letters: N frame length, B = N/2 + 1 bins, M mel filters, C cepstral coefficients.

import { createRng } from '@carousel/lstm';
import { hann, isPowerOfTwo, powerSpectrum } from './fft.ts';
import { dct2, logMel, melFilterbank } from './mel.ts';
import type { Point } from './point.ts';

/** Default frame length N, samples (32 ms at 16 kHz). */
export const DEFAULT_FRAME = 512;
/** Default hop between frames, samples. */
export const DEFAULT_HOP = 256;
/** Default mel filters M. */
export const DEFAULT_MELS = 26;
/** Default synthetic sample rate, Hz. */
export const DEFAULT_SAMPLE_RATE = 16_000;

export interface AudioFeatureOptions {
  /** Frame length N, a power of two. Default DEFAULT_FRAME (512). */
  frame?: number;
  /** Hop, samples. Default DEFAULT_HOP (256). */
  hop?: number;
  /** Mel filters M. Default DEFAULT_MELS (26). */
  mels?: number;
  /** C > 0: emit the first C MFCCs (DCT-II of the log-mel) instead of the M log-mel values. Default 0. */
  mfcc?: number;
  /** Timestamp of the first frame, ms; a frame's ts is start + its first sample's time. Default 0. */
  start?: number;
  /** Sample ranges [from, to) holding anomalies; a frame overlapping one is labelled 'click'. */
  anomalies?: readonly (readonly [number, number])[];
}

/** Frames of length `frame` every `hop` samples that fit in `n` samples: floor((n - frame) / hop) + 1, or 0. */
export function frameCount(n: number, frame: number, hop: number): number {
  return n < frame ? 0 : Math.floor((n - frame) / hop) + 1;
}

/** One feature vector per frame of `samples` (mono, at `sampleRate`). */
export function* audioFeatures(samples: ArrayLike<number>, sampleRate: number, opts: AudioFeatureOptions = {}): Generator<Point> {
  const N = opts.frame ?? DEFAULT_FRAME;
  const hop = opts.hop ?? DEFAULT_HOP;
  const M = opts.mels ?? DEFAULT_MELS;
  const C = opts.mfcc ?? 0;
  if (!isPowerOfTwo(N)) throw new RangeError(`frame must be a power of two, got ${N}`);
  if (!Number.isInteger(hop) || hop < 1) throw new RangeError(`hop must be an integer >= 1, got ${hop}`);
  if (!Number.isInteger(C) || C < 0 || C > M) throw new RangeError(`mfcc must be an integer in [0, mels], got ${C}`);
  const fb = melFilterbank(M, N, sampleRate);
  const win = hann(N);
  const re = new Float64Array(N); // [N]
  const im = new Float64Array(N); // [N]
  const power = new Float64Array(N / 2 + 1); // [B]
  const mel = new Float64Array(M); // [M]
  const cep = new Float64Array(C); // [C]
  const frame = new Float64Array(N); // [N]
  const spans = opts.anomalies ?? [];
  const F = frameCount(samples.length, N, hop);
  for (let f = 0; f < F; f++) {
    const from = f * hop;
    for (let n = 0; n < N; n++) frame[n] = samples[from + n];
    powerSpectrum(power, frame, win, re, im);
    logMel(mel, fb, power);
    let x: number[];
    if (C > 0) {
      dct2(cep, mel, C);
      x = Array.from(cep);
    } else {
      x = Array.from(mel);
    }
    const ts = (opts.start ?? 0) + (from * 1000) / sampleRate;
    const hit = spans.some(([a, b]) => a < from + N && b > from);
    yield hit ? { ts, x, label: 1, kind: 'click' } : { ts, x, label: 0 };
  }
}

export interface SyntheticAudioOptions {
  /** Seed. Required. */
  seed: number;
  /** Length, seconds. Default 2. */
  seconds?: number;
  /** Sample rate, Hz. Default DEFAULT_SAMPLE_RATE (16 kHz). */
  sampleRate?: number;
  /** Tone frequencies, Hz. Default [220, 440, 1000]. */
  tones?: readonly number[];
  /** Noise standard deviation. Default 0.01. */
  noise?: number;
  /** Clicks (the anomalies). Default 3. */
  clicks?: number;
  /** Click length, samples. Default 32. */
  clickLength?: number;
}

/** A synthetic signal and where its clicks are. */
export interface SyntheticAudio {
  readonly sampleRate: number;
  /** Mono samples in [-1, 1]. */
  readonly samples: Float32Array;
  /** Sample ranges [from, to) of the clicks, in order. */
  readonly clicks: readonly (readonly [number, number])[];
}

/**
 * Tones (slowly amplitude-modulated, total amplitude <= 0.5) plus white noise plus a few
 * broadband clicks (decaying noise bursts of amplitude ~0.9) at seeded, well separated places.
 */
export function synthesizeAudio(o: SyntheticAudioOptions): SyntheticAudio {
  const sr = o.sampleRate ?? DEFAULT_SAMPLE_RATE;
  const n = Math.round((o.seconds ?? 2) * sr);
  const tones = o.tones ?? [220, 440, 1000];
  const rng = createRng(o.seed);
  const noise = rng.fork(1);
  const place = rng.fork(2);
  const L = o.clickLength ?? 32;
  const samples = new Float32Array(n);
  const amp = 0.5 / Math.max(1, tones.length);
  const phases = tones.map(() => place.range(0, 2 * Math.PI));
  for (let i = 0; i < n; i++) {
    let s = 0;
    const mod = 0.8 + 0.2 * Math.sin((2 * Math.PI * 0.5 * i) / sr);
    for (let j = 0; j < tones.length; j++) s += amp * mod * Math.sin((2 * Math.PI * tones[j] * i) / sr + phases[j]);
    samples[i] = s + (o.noise ?? 0.01) * noise.normal();
  }
  const count = o.clicks ?? 3;
  const clicks: [number, number][] = [];
  const slot = Math.floor(n / (count + 1));
  for (let c = 0; c < count; c++) {
    // One click in each of `count` slots, away from the slot edges, so clicks never overlap.
    const from = (c + 1) * slot - Math.floor(slot / 2) + place.int(0, Math.max(0, Math.floor(slot / 2) - L));
    for (let k = 0; k < L && from + k < n; k++) samples[from + k] = Math.max(-1, Math.min(1, samples[from + k] + 0.9 * Math.exp(-k / (L / 4)) * (place.uniform() * 2 - 1)));
    clicks.push([from, Math.min(n, from + L)]);
  }
  return { sampleRate: sr, samples, clicks };
}
