// `carousel nab` on three NAB files: NAB result files with the data's rows and NAB's columns,
// scores in [0, 1], finite corpus scores for ours and the reference detectors, and the strictly
// online property end to end (a file cut after row t gets the same scores up to t). Needs the
// third-party NAB folder (NAB_DIR, default ../shared/nab); without it the suite is skipped.

import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNabTimestamp, readDataFile, readWindows, windowLabels } from '@carousel/anomaly';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../main.ts';
import type { NabReport } from './nab.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const NAB_DIR = process.env.NAB_DIR ?? path.resolve(REPO_ROOT, '../shared/nab');
const FILES = ['realTraffic/speed_7578.csv', 'realAdExchange/exchange-3_cpc_results.csv', 'artificialNoAnomaly/art_noisy.csv'];
const missing = ['labels/combined_windows.json', ...FILES.map((f) => `data/${f}`)].filter((f) => !existsSync(path.join(NAB_DIR, f)));
if (missing.length > 0) console.warn(`carousel nab tests skipped: NAB_DIR=${NAB_DIR} lacks ${missing.join(', ')} (third-party data, never committed).`);

async function carousel(...args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'carousel', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

function parseResult(text: string): { header: string; rows: string[][] } {
  const lines = text.trimEnd().split('\n');
  return { header: lines[0], rows: lines.slice(1).map((l) => l.split(',')) };
}

describe.skipIf(missing.length > 0)('carousel nab on three NAB files', () => {
  let work = '';
  let printed = '';
  let report: NabReport;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'carousel-nab-cli-'));
    printed = await carousel('nab', '--data', path.join(NAB_DIR, 'data'), '--out', path.join(work, 'out'), '--files', FILES.join(','), '--parallel', '2', '--no-progress');
    report = JSON.parse(await readFile(path.join(work, 'out', 'carousel_summary.json'), 'utf8')) as NabReport;
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('writes one result file per data file with its rows and NAB columns, scores in [0, 1]', async () => {
    const windows = await readWindows(path.join(NAB_DIR, 'labels', 'combined_windows.json'));
    for (const f of FILES) {
      const data = await readDataFile(path.join(NAB_DIR, 'data', f));
      const [cat, name] = f.split('/');
      const { header, rows } = parseResult(await readFile(path.join(work, 'out', 'carousel', cat, `carousel_${name}`), 'utf8'));
      expect(header).toBe('timestamp,value,anomaly_score,label');
      expect(rows.length).toBe(data.values.length);
      const labels = windowLabels(data.timestamps, windows.get(f)!);
      rows.forEach((r, i) => {
        expect(r.length).toBe(4);
        expect(parseNabTimestamp(r[0])).toBe(data.timestamps[i]);
        expect(Number(r[1])).toBe(data.values[i]);
        const s = Number(r[2]);
        expect(s >= 0 && s <= 1).toBe(true);
        expect(Number(r[3])).toBe(labels[i]);
      });
    }
  });

  it('scores ours and the reference detectors on the same files with finite numbers', () => {
    expect(report.ours.files).toBe(3);
    const all = [report.ours, ...report.references];
    expect(all.map((s) => s.detector)).toEqual(['carousel', 'ARTime', 'numenta', 'windowedGaussian']);
    for (const s of all) {
      expect(Object.keys(s.profiles)).toEqual(['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']);
      for (const p of Object.values(s.profiles)) {
        expect(Number.isFinite(p.score)).toBe(true);
        expect(Number.isFinite(p.threshold)).toBe(true);
        expect(p.score).toBeLessThanOrEqual(100);
        expect(Object.keys(p.categories).sort()).toEqual(['artificialNoAnomaly', 'realAdExchange', 'realTraffic']);
        expect(p.categories.artificialNoAnomaly.score).toBeNull();
      }
    }
    expect(printed).toMatch(/standard\s+-?\d+\.\d\d\s+-?\d+\.\d\d/);
    expect(printed).toContain('realTraffic');
  });

  it('gives each row the score it had before the rows after it existed', async () => {
    const f = FILES[0];
    const [cat, name] = f.split('/');
    const cut = path.join(work, 'cut');
    await mkdir(path.join(cut, 'data', cat), { recursive: true });
    const text = await readFile(path.join(NAB_DIR, 'data', f), 'utf8');
    const t = 600;
    await writeFile(path.join(cut, 'data', cat, name), text.split('\n').slice(0, t + 2).join('\n') + '\n'); // header + rows 0..t
    await mkdir(path.join(cut, 'labels'));
    await writeFile(path.join(cut, 'labels', 'combined_windows.json'), JSON.stringify({ [f]: [] }));
    await copyFile(path.join(NAB_DIR, 'config', 'profiles.json'), path.join(cut, 'profiles.json'));
    await carousel('nab', '--data', path.join(cut, 'data'), '--out', path.join(cut, 'out'), '--profiles', path.join(cut, 'profiles.json'), '--no-references', '--no-progress', '--parallel', '1');
    const full = parseResult(await readFile(path.join(work, 'out', 'carousel', cat, `carousel_${name}`), 'utf8')).rows;
    const part = parseResult(await readFile(path.join(cut, 'out', 'carousel', cat, `carousel_${name}`), 'utf8')).rows;
    expect(part.length).toBe(t + 1);
    expect(part.map((r) => r[2])).toEqual(full.slice(0, t + 1).map((r) => r[2]));
  }, 60_000);
});
