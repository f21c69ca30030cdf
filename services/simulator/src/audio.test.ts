import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { audioFeatures, frameCount, synthesizeAudio } from './audio.ts';
import { fft, hann, powerSpectrum } from './fft.ts';
import { dct2, hzToMel, melFilterbank, melToHz } from './mel.ts';
import { decodeWav, encodeWav, readWav, writeWav } from './wav.ts';

const dir = mkdtempSync(join(tmpdir(), 'carousel-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wav - write then read', () => {
  it('round-trips PCM16 mono within half a quantisation step', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7) * 0.9);
    const path = join(dir, 'mono.wav');
    writeWav(path, x, 8000);
    const w = readWav(path);
    expect(w.sampleRate).toBe(8000);
    expect(w.channels).toBe(1);
    expect(w.format).toBe('pcm16');
    expect(w.samples).toHaveLength(1000);
    let max = 0;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(w.samples[i] - x[i]));
    expect(max).toBeLessThanOrEqual(0.5 / 32768);
  });

  it('round-trips float32 stereo exactly, mixed down to the mean of the channels', () => {
    const inter = new Float32Array([0.5, -0.25, 0.125, 0.375, -1, 1]);
    const w = decodeWav(encodeWav(inter, 44100, { channels: 2, format: 'float32' }));
    expect(w.channels).toBe(2);
    expect(w.format).toBe('float32');
    expect([...w.samples]).toEqual([0.125, 0.25, 0]);
  });

  it('refuses what is not a RIFF WAVE', () => {
    expect(() => decodeWav(new TextEncoder().encode('not a wave file at all'))).toThrow(RangeError);
  });
});

describe('fft', () => {
  it('peaks at bin k for a pure tone of k cycles per frame', () => {
    const N = 256;
    const k = 19;
    const frame = Float64Array.from({ length: N }, (_, n) => Math.cos((2 * Math.PI * k * n) / N + 0.3));
    const p = new Float64Array(N / 2 + 1);
    powerSpectrum(p, frame, hann(N), new Float64Array(N), new Float64Array(N));
    let arg = 0;
    for (let b = 1; b < p.length; b++) if (p[b] > p[arg]) arg = b;
    expect(arg).toBe(k);
  });

  it('matches a direct DFT on random input (max difference printed)', () => {
    const N = 64;
    const re = Float64Array.from({ length: N }, (_, i) => Math.sin(i * 1.7) + Math.cos(i * i * 0.1));
    const im = new Float64Array(N);
    const x = re.slice();
    fft(re, im);
    let max = 0;
    for (let k = 0; k < N; k++) {
      let sr = 0;
      let si = 0;
      for (let n = 0; n < N; n++) {
        sr += x[n] * Math.cos((-2 * Math.PI * k * n) / N);
        si += x[n] * Math.sin((-2 * Math.PI * k * n) / N);
      }
      max = Math.max(max, Math.abs(sr - re[k]), Math.abs(si - im[k]));
    }
    console.log(`fft vs direct DFT, N=${N}: max difference ${max.toExponential(2)}`);
    expect(max).toBeLessThan(1e-9);
  });

  it('refuses a size that is not a power of two', () => {
    expect(() => fft(new Float64Array(12), new Float64Array(12))).toThrow(RangeError);
  });
});

describe('mel filterbank', () => {
  it('uses the HTK mel scale (1000 Hz is 1000 mel) and inverts it', () => {
    expect(hzToMel(1000)).toBeCloseTo(1000, 0);
    expect(melToHz(hzToMel(3210))).toBeCloseTo(3210, 9);
  });

  it('has triangles peaking near 1 at increasing centres, overlapping so interior bins sum to 1', () => {
    const fb = melFilterbank(20, 1024, 16000, 0, 8000);
    const B = fb.bins;
    for (let m = 1; m < fb.filters; m++) expect(fb.centers[m]).toBeGreaterThan(fb.centers[m - 1]);
    for (let m = 0; m < fb.filters; m++) {
      const row = fb.weights.subarray(m * B, (m + 1) * B);
      const peak = Math.max(...row);
      expect(peak).toBeGreaterThan(0.8);
      expect(peak).toBeLessThanOrEqual(1);
      // One rise then one fall: the nonzero weights are contiguous.
      const nz = [...row.keys()].filter((k) => row[k] > 0);
      expect(nz[nz.length - 1] - nz[0] + 1).toBe(nz.length);
    }
    // Between the first and the last centre, adjacent triangles add to 1.
    for (let k = 0; k < B; k++) {
      const f = (k * 16000) / 1024;
      if (f <= fb.centers[0] || f >= fb.centers[fb.filters - 1]) continue;
      let s = 0;
      for (let m = 0; m < fb.filters; m++) s += fb.weights[m * B + k];
      expect(s).toBeCloseTo(1, 9);
    }
  });

  it('makes the DCT-II orthonormal: a constant vector has only a c0 term', () => {
    const out = new Float64Array(5);
    dct2(out, new Float64Array(8).fill(2));
    expect(out[0]).toBeCloseTo(2 * Math.sqrt(8), 12);
    for (let c = 1; c < 5; c++) expect(out[c]).toBeCloseTo(0, 12);
  });
});

describe('audio features', () => {
  it('emits floor((N - frame) / hop) + 1 frames', () => {
    expect(frameCount(1000, 256, 128)).toBe(6);
    expect(frameCount(255, 256, 128)).toBe(0);
    const n = 5000;
    const frames = [...audioFeatures(new Float32Array(n), 16000, { frame: 512, hop: 160 })];
    expect(frames).toHaveLength(Math.floor((n - 512) / 160) + 1);
    expect(frames[0].x).toHaveLength(26);
  });

  it('gives different MFCCs for silence and a tone, and the tone is louder in c0', () => {
    const sr = 16000;
    const tone = Float32Array.from({ length: 4096 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / sr));
    const silent = [...audioFeatures(new Float32Array(4096), sr, { mfcc: 13 })];
    const toned = [...audioFeatures(tone, sr, { mfcc: 13 })];
    expect(silent[0].x).toHaveLength(13);
    expect(toned[0].x[0]).toBeGreaterThan(silent[0].x[0] + 20);
    let diff = 0;
    for (let c = 1; c < 13; c++) diff += Math.abs(toned[3].x[c] - silent[3].x[c]);
    expect(diff).toBeGreaterThan(1);
  });

  it('labels exactly the frames that overlap a synthetic click, and clicks raise high-band energy', () => {
    const a = synthesizeAudio({ seed: 4, seconds: 1, clicks: 3 });
    expect(a.clicks).toHaveLength(3);
    expect(synthesizeAudio({ seed: 4, seconds: 1 }).samples).toEqual(a.samples);
    const path = join(dir, 'synth.wav');
    writeWav(path, a.samples, a.sampleRate);
    const w = readWav(path);
    const frames = [...audioFeatures(w.samples, w.sampleRate, { anomalies: a.clicks })];
    frames.forEach((f, i) => {
      const from = i * 256;
      const hit = a.clicks.some(([s, e]) => s < from + 512 && e > from);
      expect(f.label).toBe(hit ? 1 : 0);
      if (hit) expect(f.kind).toBe('click');
    });
    // The top mel band: clicks are broadband, the tones stop at 1 kHz.
    const top = (f: { x: number[] }): number => f.x[25];
    const quietTop = frames.filter((f) => f.label === 0).map(top).sort((x, y) => x - y);
    const median = quietTop[Math.floor(quietTop.length / 2)];
    for (const [s, e] of a.clicks) {
      // The frame centred best on the click (frames that only graze it sit under the window's tail).
      const best = Math.max(...frames.filter((_, i) => i * 256 < e && i * 256 + 512 > s).map(top));
      expect(best).toBeGreaterThan(median + 2);
    }
  });
});
