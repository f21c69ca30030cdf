// Validation against NAB v1.1's published results (results/final_results.json): the per-file
// outputs of three detectors are extracted from the shared NAB folder and scored from scratch.
// The NAB folder is third-party data that is never committed; without it this suite is skipped.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAB_PROFILE_NAMES } from './profiles.ts';
import type { Profiles } from './profiles.ts';
import { readDataFolder, readProfiles, readResults, readWindows } from './reader.ts';
import { scoreCorpus } from './scorer.ts';
import type { CorpusScore, DetectorResults } from './scorer.ts';
import type { WindowLimits } from './windows.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NAB_DIR = process.env.NAB_DIR ?? path.resolve(REPO_ROOT, '../shared/nab');
const DETECTORS = ['numenta', 'ARTime', 'windowedGaussian'] as const;
const REQUIRED = [
  'labels/combined_windows.json',
  'config/profiles.json',
  ...DETECTORS.map((d) => `reference-results/${d}.tar.gz`),
];
const missing = REQUIRED.filter((f) => !existsSync(path.join(NAB_DIR, f)));
if (missing.length > 0) {
  console.warn(`NAB validation skipped: NAB_DIR=${NAB_DIR} lacks ${missing.join(', ')} (third-party data, never committed).`);
}

// results/final_results.json of NAB v1.1: standard / reward_low_FP_rate / reward_low_FN_rate.
const PUBLISHED: Record<(typeof DETECTORS)[number], readonly [number, number, number]> = {
  numenta: [70.10106, 63.11684, 74.32024],
  ARTime: [74.85377, 65.15400, 80.36228],
  windowedGaussian: [39.64952, 20.86799, 47.41003],
};
// numenta reward_low_FP_rate was published from NAB's older hill-climbing threshold search
// (twiddle); the exact sweep over every threshold finds a slightly better one, 63.20919. That is
// within the 0.1 tolerance; we pin our figure exactly as well, below.
const TOLERANCE = 0.1;

describe.skipIf(missing.length > 0)('NAB v1.1 scorer reproduces the published results', () => {
  let work = '';
  let windows: Map<string, WindowLimits[]>;
  let profiles: Profiles;
  const results = new Map<string, Map<string, DetectorResults>>();
  const scores = new Map<string, CorpusScore>();

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'carousel-nab-results-'));
    await Promise.all(DETECTORS.map((d) => tar.x({ file: path.join(NAB_DIR, 'reference-results', `${d}.tar.gz`), cwd: work })));
    windows = await readWindows(path.join(NAB_DIR, 'labels', 'combined_windows.json'));
    profiles = await readProfiles(path.join(NAB_DIR, 'config', 'profiles.json'));
    for (const d of DETECTORS) {
      const r = await readResults(work, d);
      results.set(d, r);
      scores.set(d, scoreCorpus(r, windows, profiles));
    }
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('reads 58 result files and 116 windows, and the profiles NAB names', () => {
    expect(NAB_PROFILE_NAMES.every((p) => p in profiles)).toBe(true);
    expect([...windows.values()].reduce((n, w) => n + w.length, 0)).toBe(116);
    for (const d of DETECTORS) expect([...results.get(d)!.keys()].sort()).toEqual([...windows.keys()].sort());
  });

  it('result rows line up with the data rows of every data file present, duplicates included', async () => {
    const dataDir = path.join(NAB_DIR, 'data');
    const data = existsSync(dataDir) ? await readDataFolder(dataDir) : new Map();
    const mismatches: string[] = [];
    for (const [file, series] of data) {
      for (const d of DETECTORS) {
        const t = results.get(d)!.get(file)!.timestamps;
        const first = t.length === series.timestamps.length ? t.findIndex((v, i) => v !== series.timestamps[i]) : 0;
        if (first >= 0) mismatches.push(`${d} ${file} from row ${first}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  for (const d of DETECTORS) {
    it(`${d}: standard, reward_low_FP_rate and reward_low_FN_rate within ${TOLERANCE} of final_results.json`, () => {
      const s = scores.get(d)!;
      const ours = NAB_PROFILE_NAMES.map((p) => s.profiles[p].normalizedScore);
      console.info(`${d}: ${ours.map((v) => v.toFixed(5)).join(' / ')} (published ${PUBLISHED[d].join(' / ')})`);
      NAB_PROFILE_NAMES.forEach((p, i) => {
        expect(Math.abs(ours[i] - PUBLISHED[d][i]), `${d} ${p}`).toBeLessThanOrEqual(TOLERANCE);
        expect(s.profiles[p].nullScore).toBe(-116 * profiles[p].fnWeight);
        expect(s.profiles[p].perfectScore).toBe(116 * profiles[p].tpWeight);
      });
    });
  }

  it('pins the figures this scorer produces, five decimals, including the exact-sweep numenta low-FP 63.20919', () => {
    const figures = Object.fromEntries(
      DETECTORS.map((d) => [d, NAB_PROFILE_NAMES.map((p) => Number(scores.get(d)!.profiles[p].normalizedScore.toFixed(5)))]),
    );
    expect(figures).toEqual({
      numenta: [70.10106, 63.20919, 74.32024],
      ARTime: [74.85377, 65.154, 80.36228],
      windowedGaussian: [39.64952, 20.86799, 47.41003],
    });
  });

  it('finds the thresholds of NAB config/thresholds.json where the sweep was used (ARTime)', () => {
    const a = scores.get('ARTime')!.profiles;
    expect([a.standard.threshold, a.reward_low_FP_rate.threshold, a.reward_low_FN_rate.threshold]).toEqual([0.317486, 0.317585, 0.317486]);
    expect(a.standard.rawScore).toBeCloseTo(57.66075157860638, 9);
  });
});
