// The NAB detector: strictly online (a row's score never depends on later rows), scores in [0, 1],
// a labelled spike in a synthetic NAB-layout folder scores above the null detector, and the
// worker-thread pool returns what the detector computes in this thread.

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataFile } from '@carousel/anomaly';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NabDetector, defaultNabConfig, detectSeries, parseNabConfig, timeFeatures } from './detector.ts';
import { NAB_V11_PROFILES, globToRegExp, listDataFiles, readCorpusWindows, runCorpus, summarize } from './run-corpus.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const NAB_DIR = process.env.NAB_DIR ?? path.resolve(REPO_ROOT, '../shared/nab');
const NAB_FILE = path.join(NAB_DIR, 'data', 'realTraffic', 'speed_7578.csv');
const hasNab = existsSync(NAB_FILE);
if (!hasNab) console.warn(`NAB detector tests on real data skipped: ${NAB_FILE} is absent (set NAB_DIR; third-party data, never committed).`);

/** A seeded series: a daily sine plus noise, 5-minute steps. */
function synthetic(n: number, seed: number): { values: Float64Array; timestamps: Float64Array } {
  let s = seed >>> 0;
  const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const values = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const t0 = Date.UTC(2014, 3, 1) * 1000; // microseconds
  for (let i = 0; i < n; i++) {
    timestamps[i] = t0 + i * 300e6;
    values[i] = 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + (rand() - 0.5) * 2;
  }
  return { values, timestamps };
}

function isoRow(us: number): string {
  return new Date(us / 1000).toISOString().replace('T', ' ').slice(0, 19);
}

describe('NabDetector', () => {
  it('scores every row in [0, 1] with the committed config', () => {
    const { values, timestamps } = synthetic(800, 1);
    const scores = detectSeries(values, timestamps);
    expect(scores.length).toBe(800);
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
  });

  it('gives row t the same score whether or not the rows after t exist (strictly online)', () => {
    const { values, timestamps } = synthetic(900, 2);
    values[700] += 40;
    const config = parseNabConfig({ timeFeatures: true, members: [{ model: { hidden: 8, seed: 3 } }, { model: { hidden: 8, seed: 4 }, horizon: 3 }] });
    const full = detectSeries(values, timestamps, config);
    for (const t of [1, 350, 699, 700, 701]) {
      const prefix = detectSeries(values.subarray(0, t + 1), timestamps.subarray(0, t + 1), config);
      expect(Array.from(prefix)).toEqual(Array.from(full.subarray(0, t + 1)));
    }
    expect(full[700]).toBeGreaterThan(Math.max(...full.subarray(400, 690)));
  });

  it('suppresses for `points` rows after the score reaches `level`', () => {
    const { values, timestamps } = synthetic(900, 5);
    values[700] += 40;
    const free = detectSeries(values, timestamps, parseNabConfig({ suppress: { level: 0.99, points: 0, factor: 0 } }));
    const level = free[700] * 0.99;
    const quiet = detectSeries(values, timestamps, parseNabConfig({ suppress: { level, points: 50, factor: 0 } }));
    const first = quiet.findIndex((s) => s >= level);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(700);
    expect(Math.max(...quiet.subarray(first + 1, first + 51))).toBe(0);
  });

  it('scores 1 for a value beyond the running range by more than spatialTolerance, only then', () => {
    const { values, timestamps } = synthetic(500, 6); // within [39, 61]
    values[400] = 64; // 3 above the max: 14% of the range
    values[450] = 62; // 1 above the max: 5% of the range
    const suppress = { level: 1, points: 0, factor: 0 };
    const off = detectSeries(values, timestamps, parseNabConfig({ spatialTolerance: 0, suppress }));
    const on = detectSeries(values, timestamps, parseNabConfig({ spatialTolerance: 0.1, suppress }));
    expect(on[400]).toBe(1);
    expect(off[400]).toBeLessThan(1);
    expect(on[450]).toBe(off[450]);
  });

  it('encodes time of day and day of week on unit circles', () => {
    const out = new Float64Array(4);
    timeFeatures(Date.UTC(2014, 3, 7, 6) * 1000, out, 0); // Monday 06:00
    expect(out[0]).toBeCloseTo(1, 12); // sin(pi/2)
    expect(out[1]).toBeCloseTo(0, 12);
    expect(out[2]).toBeCloseTo(Math.sin((2 * Math.PI * 0.25) / 7), 12);
    expect(out[3]).toBeCloseTo(Math.cos((2 * Math.PI * 0.25) / 7), 12);
  });

  it('refuses unknown outputs, votes and bad suppression', () => {
    expect(() => parseNabConfig({ output: 'z' as never })).toThrow(/output/);
    expect(() => parseNabConfig({ vote: 'z' as never })).toThrow(/vote/);
    expect(() => parseNabConfig({ suppress: { level: 0.5, points: -1, factor: 0 } })).toThrow(/suppress/);
    expect(() => parseNabConfig({ members: [] })).toThrow(/members/);
    expect(() => parseNabConfig({ spatialTolerance: -1 })).toThrow(/spatialTolerance/);
    expect(() => new NabDetector(parseNabConfig({ members: [{ horizon: 0 }] }))).toThrow(/horizon/);
  });
});

describe('globToRegExp', () => {
  it('matches within a segment with * and across segments with **', () => {
    expect(globToRegExp('realTraffic/*').test('realTraffic/speed_7578.csv')).toBe(true);
    expect(globToRegExp('*/speed_*').test('realTraffic/speed_7578.csv')).toBe(true);
    expect(globToRegExp('*').test('realTraffic/speed_7578.csv')).toBe(false);
    expect(globToRegExp('**').test('realTraffic/speed_7578.csv')).toBe(true);
    expect(globToRegExp('a/x.csv, b/*').test('b/y.csv')).toBe(true);
  });
});

describe('a synthetic NAB-layout folder with a labelled spike', () => {
  let dir = '';
  const n = 3000;
  const spike = 2300;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'carousel-nab-synth-'));
    const windows: Record<string, [string, string][]> = {};
    for (const [cat, file, seed, withSpike] of [['synth', 'spike.csv', 7, true], ['synth', 'quiet.csv', 8, false]] as const) {
      const { values, timestamps } = synthetic(n, seed);
      if (withSpike) values[spike] += 30;
      await mkdir(path.join(dir, 'data', cat), { recursive: true });
      const lines = ['timestamp,value', ...Array.from(values, (v, i) => `${isoRow(timestamps[i])},${v}`)];
      await writeFile(path.join(dir, 'data', cat, file), lines.join('\n') + '\n');
      windows[`${cat}/${file}`] = withSpike ? [[`${isoRow(timestamps[spike - 100])}.000000`, `${isoRow(timestamps[spike + 100])}.000000`]] : [];
    }
    await mkdir(path.join(dir, 'labels'));
    await writeFile(path.join(dir, 'labels', 'combined_windows.json'), JSON.stringify(windows));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('scores above the null detector in every profile, on worker threads as in this thread', async () => {
    const dataDir = path.join(dir, 'data');
    const files = await listDataFiles(dataDir);
    expect(files).toEqual(['synth/quiet.csv', 'synth/spike.csv']);
    const config = defaultNabConfig();
    const pooled = await runCorpus({ dataDir, files, config, parallel: 2 });
    const inline = await runCorpus({ dataDir, files, config, parallel: 0 });
    for (const f of files) expect(Array.from(pooled.get(f)!.scores)).toEqual(Array.from(inline.get(f)!.scores));
    const { windows, unlabelled } = await readCorpusWindows(path.join(dir, 'labels', 'combined_windows.json'), files);
    expect(unlabelled).toEqual([]);
    const summary = summarize('carousel', pooled, windows, NAB_V11_PROFILES);
    expect(summary.windows).toBe(1);
    for (const p of Object.values(summary.profiles)) {
      expect(p.score).toBeGreaterThan(0); // the null detector scores 0
      expect(p.categories.synth.score).toBeCloseTo(p.score, 9);
    }
  }, 60_000);
});

describe.skipIf(!hasNab)('on a NAB file', () => {
  it('gives each row the score it had before later rows were seen', async () => {
    const { values, timestamps } = await readDataFile(NAB_FILE);
    const config = defaultNabConfig();
    const full = detectSeries(values, timestamps, config);
    const t = 700;
    const prefix = detectSeries(values.subarray(0, t + 1), timestamps.subarray(0, t + 1), config);
    expect(Array.from(prefix)).toEqual(Array.from(full.subarray(0, t + 1)));
    expect(full.every((s) => s >= 0 && s <= 1)).toBe(true);
  }, 60_000);
});
