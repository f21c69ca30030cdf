// Reads NAB's on-disk layout: data (<category>/<file>.csv: timestamp,value), labels
// (combined_windows.json), profiles (config/profiles.json) and one detector's result files
// (<detector>/<category>/<detector>_<file>.csv: timestamp, anomaly_score and any other columns).
// It only reads and parses; scoring is scorer.ts.

import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { columnIndex, numericColumn, parseCsv } from './csv.ts';
import { ANOMALY_ERR, AnomalyError } from './errors.ts';
import { parseProfiles } from './profiles.ts';
import type { Profiles } from './profiles.ts';
import type { DetectorResults } from './scorer.ts';
import { parseNabTimestamp } from './timestamps.ts';
import { parseWindows } from './windows.ts';
import type { WindowLimits } from './windows.ts';

/** One NAB data file. */
export interface NabSeries {
  /** [N] row timestamps in microseconds (timestamps.ts), in file order. */
  readonly timestamps: Float64Array;
  /** [N] the metric's value per row. */
  readonly values: Float64Array;
}

/** What readNabCorpus finds under a NAB folder. */
export interface NabCorpus {
  /** '<category>/<file>.csv' -> series, for every data file present (sorted by path). */
  readonly data: ReadonlyMap<string, NabSeries>;
  /** '<category>/<file>.csv' -> windows, from labels/combined_windows.json. */
  readonly windows: ReadonlyMap<string, readonly WindowLimits[]>;
  /** From config/profiles.json. */
  readonly profiles: Profiles;
}

/** Reads `<nabDir>/data`, `<nabDir>/labels/combined_windows.json` and `<nabDir>/config/profiles.json`. */
export async function readNabCorpus(nabDir: string): Promise<NabCorpus> {
  const [data, windows, profiles] = await Promise.all([
    readDataFolder(path.join(nabDir, 'data')),
    readWindows(path.join(nabDir, 'labels', 'combined_windows.json')),
    readProfiles(path.join(nabDir, 'config', 'profiles.json')),
  ]);
  return { data, windows, profiles };
}

/** Reads every `<category>/<file>.csv` under `dataDir`, keyed by that relative path. */
export async function readDataFolder(dataDir: string): Promise<Map<string, NabSeries>> {
  const out = new Map<string, NabSeries>();
  for (const rel of await listCategoryCsvs(dataDir)) {
    out.set(rel.join('/'), await readDataFile(path.join(dataDir, ...rel)));
  }
  return out;
}

/** Reads one data file (columns timestamp, value). */
export async function readDataFile(file: string): Promise<NabSeries> {
  const table = parseCsv(await readText(file), file);
  const values = numericColumn(table, columnIndex(table, 'value', file), file);
  return { timestamps: timestampColumn(table.rows, columnIndex(table, 'timestamp', file), file), values };
}

/** Reads combined_windows.json. */
export async function readWindows(file: string): Promise<Map<string, WindowLimits[]>> {
  return parseWindows(await readJson(file), file);
}

/** Reads profiles.json. */
export async function readProfiles(file: string): Promise<Profiles> {
  return parseProfiles(await readJson(file), file);
}

/**
 * Reads one detector's results under `resultsDir/<detector>/`: each
 * `<category>/<detector>_<file>.csv`, keyed by the data path '<category>/<file>.csv'. Files at the
 * detector's top level (NAB's `<detector>_<profile>_scores.csv`) are not results and are skipped.
 */
export async function readResults(resultsDir: string, detector: string): Promise<Map<string, DetectorResults>> {
  const root = path.join(resultsDir, detector);
  const prefix = `${detector}_`;
  const out = new Map<string, DetectorResults>();
  for (const [category, name] of await listCategoryCsvs(root)) {
    if (!name.startsWith(prefix)) {
      throw new AnomalyError(ANOMALY_ERR.INPUT, `${path.join(root, category, name)}: result file name lacks '${prefix}'`, name);
    }
    out.set(`${category}/${name.slice(prefix.length)}`, await readResultFile(path.join(root, category, name)));
  }
  return out;
}

/** Reads one result file: columns timestamp and anomaly_score are used, others ignored. */
export async function readResultFile(file: string): Promise<DetectorResults> {
  const table = parseCsv(await readText(file), file);
  const scores = numericColumn(table, columnIndex(table, 'anomaly_score', file), file);
  return { timestamps: timestampColumn(table.rows, columnIndex(table, 'timestamp', file), file), scores };
}

/** `[category, file]` for every `<category>/<file>.csv` under `dir`, sorted. */
async function listCategoryCsvs(dir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const entry of await readDir(dir)) {
    if (!entry.isDirectory()) continue;
    for (const f of await readDir(path.join(dir, entry.name))) {
      if (f.isFile() && f.name.endsWith('.csv')) out.push([entry.name, f.name]);
    }
  }
  return out.sort((a, b) => (a.join('/') < b.join('/') ? -1 : 1));
}

function timestampColumn(rows: readonly (readonly string[])[], col: number, source: string): Float64Array {
  const out = new Float64Array(rows.length); // [N]
  for (let i = 0; i < rows.length; i++) {
    try {
      out[i] = parseNabTimestamp(rows[i][col]);
    } catch (err) {
      throw new AnomalyError(ANOMALY_ERR.PARSE, `${source}:${i + 2}: bad timestamp '${rows[i][col]}'`, { source, row: i }, { cause: err });
    }
  }
  return out;
}

async function readDir(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new AnomalyError(ANOMALY_ERR.IO, `cannot list ${dir}`, dir, { cause: err });
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new AnomalyError(ANOMALY_ERR.IO, `cannot read ${file}`, file, { cause: err });
  }
}

async function readJson(file: string): Promise<unknown> {
  const text = await readText(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AnomalyError(ANOMALY_ERR.PARSE, `${file}: invalid JSON`, file, { cause: err });
  }
}
