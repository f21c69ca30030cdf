import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { timedWindows, writeLabels } from './labels.ts';
import { SENSOR_ANOMALY_KINDS } from './point.ts';
import { listSensorAnomalies, sensors, type AnomalyWindow, type SensorOptions } from './sensors.ts';

const dir = mkdtempSync(join(tmpdir(), 'carousel-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const take = (o: SensorOptions) => [...sensors(o)];

describe('sensors - seasonal streams with injected anomalies', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const o = { seed: 9, channels: 2, count: 3000, anomalyRate: 0.005 };
    expect(take(o)).toEqual(take(o));
    expect(take({ ...o, seed: 10 }).map((p) => p.x)).not.toEqual(take(o).map((p) => p.x));
  });

  it('labels exactly the samples inside the drawn windows, with their kinds, and draws every kind', () => {
    const o = { seed: 2, channels: 3, count: 20_000, anomalyRate: 0.004 };
    const windows = listSensorAnomalies(o, o.count);
    expect(new Set(windows.map((w) => w.kind))).toEqual(new Set(SENSOR_ANOMALY_KINDS));
    const pts = take(o);
    const expected = new Array<string | undefined>(o.count).fill(undefined);
    for (const w of windows) for (let t = w.start; t < Math.min(w.end, o.count); t++) expected[t] = w.kind;
    expect(pts.map((p) => p.kind)).toEqual(expected);
    expect(pts.map((p) => p.label)).toEqual(expected.map((k) => (k ? 1 : 0)));
    for (let i = 1; i < windows.length; i++) expect(windows[i].start).toBeGreaterThanOrEqual(windows[i - 1].end + 50);
  });

  it('has a daily cycle: samples one day apart agree far better than samples half a day apart', () => {
    const pts = take({ seed: 1, count: 288 * 6, anomalyRate: 0 });
    let day = 0;
    let half = 0;
    for (let t = 0; t + 288 < pts.length; t++) {
      day += (pts[t + 288].x[0] - pts[t].x[0]) ** 2;
      half += (pts[t + 144].x[0] - pts[t].x[0]) ** 2;
    }
    expect(day).toBeLessThan(half / 4);
  });

  // Each kind against the same seed without anomalies: the clean signal and noise are identical,
  // so the difference inside the window is the anomaly's effect alone, and outside it is zero.
  describe('each anomaly kind changes the signal as described', () => {
    const base = { seed: 21, count: 2000, channels: 2 };
    const clean = take({ ...base, schedule: [] });
    const effect = (w: AnomalyWindow): { pts: ReturnType<typeof take>; d: number[] } => {
      const pts = take({ ...base, schedule: [w] });
      const d = pts.map((p, t) => p.x[w.channel] - clean[t].x[w.channel]);
      // Outside the window, and on the other channel, nothing changes.
      for (let t = 0; t < pts.length; t++) {
        if (t < w.start || t >= w.end) expect(pts[t].x).toEqual(clean[t].x);
        expect(pts[t].x[1 - w.channel]).toBe(clean[t].x[1 - w.channel]);
      }
      return { pts, d };
    };
    const win = (d: number[], w: AnomalyWindow): number[] => d.slice(w.start, w.end);

    it('spike: one sample moved by the magnitude', () => {
      const w: AnomalyWindow = { kind: 'spike', start: 500, end: 501, channel: 0, magnitude: -8 };
      expect(effect(w).d[500]).toBeCloseTo(-8, 9);
    });

    it('levelShift: the whole window moved by the magnitude', () => {
      const w: AnomalyWindow = { kind: 'levelShift', start: 500, end: 600, channel: 1, magnitude: 3 };
      for (const v of win(effect(w).d, w)) expect(v).toBeCloseTo(3, 9);
    });

    it('varianceBurst: the noise scaled by the magnitude', () => {
      const w: AnomalyWindow = { kind: 'varianceBurst', start: 500, end: 580, channel: 0, magnitude: 6 };
      const d = win(effect(w).d, w);
      const sd = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
      expect(sd).toBeGreaterThan(0.2 * 5 * 0.7);
      expect(sd).toBeLessThan(0.2 * 5 * 1.3);
    });

    it('stuck: the value frozen at its first sample', () => {
      const w: AnomalyWindow = { kind: 'stuck', start: 500, end: 560, channel: 0, magnitude: 0 };
      const v = effect(w).pts.slice(500, 560).map((p) => p.x[0]);
      expect(new Set(v).size).toBe(1);
      expect(v[0]).toBe(clean[500].x[0]);
    });

    it('frequencyChange: the daily cycle runs magnitude times faster (the smoothed signal travels about that much further)', () => {
      const w: AnomalyWindow = { kind: 'frequencyChange', start: 300, end: 876, channel: 0, magnitude: 4 };
      // Total variation of a 9-sample moving average: amplitude times cycles, noise mostly averaged out.
      const travel = (v: number[]): number => {
        const sm = v.map((_, i) => {
          const part = v.slice(Math.max(0, i - 4), i + 5);
          return part.reduce((a, b) => a + b, 0) / part.length;
        });
        let tv = 0;
        for (let i = 1; i < sm.length; i++) tv += Math.abs(sm[i] - sm[i - 1]);
        return tv;
      };
      const fast = travel(effect(w).pts.slice(w.start, w.end).map((p) => p.x[0]));
      const slow = travel(clean.slice(w.start, w.end).map((p) => p.x[0]));
      expect(fast).toBeGreaterThan(2.5 * slow);
    });

    it('driftAcceleration: an extra ramp growing to the magnitude at the window end', () => {
      const w: AnomalyWindow = { kind: 'driftAcceleration', start: 500, end: 600, channel: 1, magnitude: 5 };
      const d = win(effect(w).d, w);
      for (let k = 0; k < d.length; k++) expect(d[k]).toBeCloseTo((5 * (k + 1)) / 100, 9);
    });
  });

  it('writes the labels as CSV and as NAB windows', () => {
    const o = { seed: 2, count: 5000, anomalyRate: 0.004, periodMs: 60_000, start: Date.UTC(2024, 0, 1) };
    const windows = timedWindows(listSensorAnomalies(o, o.count), o.start, o.periodMs);
    expect(windows.length).toBeGreaterThan(3);
    const csv = join(dir, 'labels.csv');
    const nab = join(dir, 'labels.json');
    writeLabels(csv, windows);
    writeLabels(nab, windows, 'sensor-0.csv');
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('kind,start,end,channel,magnitude,start_ts,end_ts');
    expect(rows).toHaveLength(windows.length + 1);
    expect(rows[1].split(',')[0]).toBe(windows[0].kind);
    const j = JSON.parse(readFileSync(nab, 'utf8')) as Record<string, [string, string][]>;
    expect(j['sensor-0.csv'][0]).toEqual([new Date(o.start + windows[0].start * 60_000).toISOString(), new Date(o.start + (windows[0].end - 1) * 60_000).toISOString()]);
  });
});
