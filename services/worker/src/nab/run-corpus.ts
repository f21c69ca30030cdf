// `carousel nab` as a library: runs the detector over every CSV of a NAB-layout data folder on a
// pool of worker threads (each file a fresh stream), writes NAB result files, scores them with
// @carousel/anomaly (corpus-optimal thresholds per profile, as NAB does) and summarises per
// profile and per category. Scoring of published reference detectors on the same files is
// references.ts. Not here: the detector (detector.ts) or any printing (the CLI).

import { readWindows, scoreCorpus, windowLabels, writeNabResults, type DetectorResults, type Profiles, type WindowLimits } from '@carousel/anomaly';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { NabDetectorConfig } from './detector.ts';
import { PROGRESS_EVERY, runJob, type NabJob, type NabJobMessage } from './worker-thread.ts';

/** The NAB v1.1 application profiles (config/profiles.json), used when a folder has none. */
export const NAB_V11_PROFILES: Profiles = Object.freeze({
  standard: Object.freeze({ tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 }),
  reward_low_FP_rate: Object.freeze({ tpWeight: 1, fnWeight: 1, fpWeight: 0.22, tnWeight: 1 }),
  reward_low_FN_rate: Object.freeze({ tpWeight: 1, fnWeight: 2, fpWeight: 0.11, tnWeight: 1 }),
});

/** One file's detector output. */
export interface SeriesResult extends DetectorResults {
  readonly values: Float64Array;
  /** Wall time of the detector on this file, ms. */
  readonly ms: number;
}

export interface CorpusProgress {
  readonly filesDone: number;
  readonly files: number;
  readonly rowsDone: number;
  readonly rows: number;
  /** Set when a file has just finished. */
  readonly file?: string;
}

export interface RunCorpusOptions {
  /** The data folder: `<category>/<file>.csv`. */
  readonly dataDir: string;
  readonly config: Readonly<NabDetectorConfig>;
  /** Paths relative to dataDir to run ('<category>/<file>.csv'); default every CSV (listDataFiles). */
  readonly files?: readonly string[];
  /** Worker threads; default the number of cores. 0 runs in this thread. */
  readonly parallel?: number;
  readonly onProgress?: (p: CorpusProgress) => void;
}

/** Turns a glob over '<category>/<file>.csv' into a RegExp: `**` any path, `*` and `?` within a segment; ',' separates globs. */
export function globToRegExp(glob: string): RegExp {
  const one = (g: string) =>
    g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0001').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0001/g, '.*'); // eslint-disable-line no-control-regex -- a placeholder for ** between two passes
  return new RegExp(`^(?:${glob.split(',').map((g) => one(g.trim())).join('|')})$`);
}

/** Every `<category>/<file>.csv` under dataDir, sorted, optionally filtered by a glob. */
export async function listDataFiles(dataDir: string, glob?: string): Promise<string[]> {
  const re = glob ? globToRegExp(glob) : null;
  const out: string[] = [];
  for (const cat of await readdir(dataDir, { withFileTypes: true })) {
    if (!cat.isDirectory()) continue;
    for (const f of await readdir(path.join(dataDir, cat.name), { withFileTypes: true })) {
      const rel = `${cat.name}/${f.name}`;
      if (f.isFile() && f.name.endsWith('.csv') && (!re || re.test(rel))) out.push(rel);
    }
  }
  return out.sort();
}

/**
 * Starts a worker thread running worker-thread.ts. Node 20 does not apply the parent's `--import
 * tsx` hooks to a worker's .ts entry (ERR_UNKNOWN_FILE_EXTENSION, whether inherited through
 * execArgv or passed explicitly), so the thread starts from a two-line script that registers
 * tsx's loader in the thread and then imports the module.
 */
export function startWorkerThread(): Worker {
  const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(path.join(tsxDir, 'dist/esm/api/index.mjs')).href; // the ESM build ('tsx/esm/api' under import)
  const entry = new URL('./worker-thread.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}

/** Runs the detector over every file; files are spread over `parallel` worker threads. */
export async function runCorpus(o: RunCorpusOptions): Promise<Map<string, SeriesResult>> {
  const files = o.files ? [...o.files] : await listDataFiles(o.dataDir);
  const rowsOf = await Promise.all(files.map(async (f) => countRows(path.join(o.dataDir, f))));
  const rows = rowsOf.reduce((a, b) => a + b, 0);
  const results = new Map<string, SeriesResult>();
  let rowsDone = 0;
  const onMessage = (m: NabJobMessage): void => {
    if (m.kind === 'progress') {
      rowsDone += m.rows;
      o.onProgress?.({ filesDone: results.size, files: files.length, rowsDone, rows });
    } else if (m.kind === 'done') {
      const file = files[m.id];
      rowsDone += m.scores.length % PROGRESS_EVERY; // the rows after the last progress block
      results.set(file, { timestamps: m.timestamps, values: m.values, scores: m.scores, ms: m.ms });
      o.onProgress?.({ filesDone: results.size, files: files.length, rowsDone, rows, file });
    }
  };
  const jobs: NabJob[] = files.map((f, id) => ({ id, file: path.resolve(o.dataDir, f), config: o.config }));
  const parallel = Math.min(o.parallel ?? cpus().length, jobs.length);
  if (parallel <= 0) {
    for (const job of jobs) {
      let error: string | undefined;
      await runJob(job, (m) => (m.kind === 'error' ? (error = m.message) : onMessage(m)));
      if (error) throw new Error(error);
    }
  } else {
    await runPool(jobs, parallel, onMessage);
  }
  return new Map(files.map((f) => [f, results.get(f)!]));
}

/** `parallel` threads take jobs from one queue until it is empty; the first error stops them all. */
async function runPool(jobs: NabJob[], parallel: number, onMessage: (m: NabJobMessage) => void): Promise<void> {
  const queue = [...jobs];
  const threads: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: parallel }, () => {
        const w = startWorkerThread();
        threads.push(w);
        return new Promise<void>((resolve, reject) => {
          const next = (): void => {
            const job = queue.shift();
            if (job) w.postMessage(job);
            else resolve();
          };
          w.on('message', (m: NabJobMessage) => {
            if (m.kind === 'error') return reject(new Error(m.message));
            onMessage(m);
            if (m.kind === 'done') next();
          });
          w.on('error', reject);
          w.on('exit', (code) => reject(new Error(`worker thread exited with code ${code}`)));
          next();
        });
      }),
    );
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
}

async function countRows(file: string): Promise<number> {
  const text = await readFile(file, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) if (i + 1 < text.length) n++;
  return n;
}

/** Windows for every file; files the labels do not know get none (listed in `unlabelled`). */
export async function readCorpusWindows(labelsFile: string, files: readonly string[]): Promise<{ windows: Map<string, WindowLimits[]>; unlabelled: string[] }> {
  const all = await readWindows(labelsFile);
  const windows = new Map<string, WindowLimits[]>();
  const unlabelled: string[] = [];
  for (const f of files) {
    const w = all.get(f);
    if (!w) unlabelled.push(f);
    windows.set(f, w ?? []);
  }
  return { windows, unlabelled };
}

/** Writes one NAB result file per series (timestamp,value,anomaly_score,label). */
export async function writeCorpusResults(outDir: string, detector: string, results: ReadonlyMap<string, SeriesResult>, windows: ReadonlyMap<string, readonly WindowLimits[]>): Promise<void> {
  for (const [file, r] of results) {
    await writeNabResults(outDir, detector, file, { timestamps: r.timestamps, values: r.values, scores: r.scores, labels: windowLabels(r.timestamps, windows.get(file) ?? []) });
  }
}

/** One category at its profile's corpus threshold. */
export interface CategorySummary {
  readonly files: number;
  readonly windows: number;
  /** Normalised score of the category's files at the corpus threshold; null without windows. */
  readonly score: number | null;
  /** Sum of the files' raw scores (for a category without windows: minus its false positives' cost). */
  readonly rawScore: number;
  readonly fp: number;
}

export interface ProfileSummary {
  readonly threshold: number;
  /** Normalised NAB score, 0 = null detector, 100 = perfect. */
  readonly score: number;
  readonly rawScore: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly categories: Readonly<Record<string, CategorySummary>>;
}

export interface CorpusSummary {
  readonly detector: string;
  readonly files: number;
  readonly rows: number;
  readonly windows: number;
  readonly profiles: Readonly<Record<string, ProfileSummary>>;
}

/**
 * Scores results over the corpus under every profile (one threshold per profile over all files,
 * NAB's sweep), then each category at that threshold, normalised against the category's own null
 * and perfect detectors.
 */
export function summarize(detector: string, results: ReadonlyMap<string, DetectorResults>, windows: ReadonlyMap<string, readonly WindowLimits[]>, profiles: Profiles): CorpusSummary {
  const corpus = scoreCorpus(results, windows, profiles);
  const byCategory = new Map<string, Map<string, DetectorResults>>();
  for (const [f, r] of results) {
    const cat = f.split('/')[0];
    if (!byCategory.has(cat)) byCategory.set(cat, new Map());
    byCategory.get(cat)!.set(f, r);
  }
  const catScores = new Map([...byCategory].map(([cat, sub]) => [cat, scoreCorpus(sub, windows, profiles)]));
  const out: Record<string, ProfileSummary> = {};
  for (const [name, p] of Object.entries(corpus.profiles)) {
    const categories: Record<string, CategorySummary> = {};
    for (const [cat, sub] of byCategory) {
      const ref = catScores.get(cat)!.profiles[name]; // its null and perfect scores
      const files = p.files.filter((f) => sub.has(f.file));
      const rawScore = files.reduce((s, f) => s + f.rawScore, 0);
      const nWindows = [...sub.keys()].reduce((s, f) => s + (windows.get(f)?.length ?? 0), 0);
      categories[cat] = {
        files: sub.size,
        windows: nWindows,
        score: ref.perfectScore > ref.nullScore ? (100 * (rawScore - ref.nullScore)) / (ref.perfectScore - ref.nullScore) : null,
        rawScore,
        fp: files.reduce((s, f) => s + f.fp, 0),
      };
    }
    out[name] = { threshold: p.threshold, score: p.normalizedScore, rawScore: p.rawScore, tp: p.tp, fp: p.fp, fn: p.fn, categories };
  }
  return {
    detector,
    files: results.size,
    rows: [...results.values()].reduce((s, r) => s + r.scores.length, 0),
    windows: [...results.keys()].reduce((s, f) => s + (windows.get(f)?.length ?? 0), 0),
    profiles: out,
  };
}
