// `carousel nab`: Carousel's streaming detector measured on the Numenta Anomaly Benchmark. Runs the
// worker's StreamProcessor over every CSV of a NAB-layout folder (each file a fresh stream, files
// in parallel on worker threads), writes NAB result files, scores them under every profile and
// prints the scores, per category, next to published reference detectors on the same files.
// The detector and scoring live in @carousel/worker and @carousel/anomaly; this is the command.

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { readProfiles, type Profiles } from '@carousel/anomaly';
import {
  NAB_V11_PROFILES,
  defaultNabConfig,
  listDataFiles,
  parseNabConfig,
  readCorpusWindows,
  runCorpus,
  scoreReferences,
  summarize,
  writeCorpusResults,
  type CorpusProgress,
  type CorpusSummary,
  type NabDetectorConfig,
} from '@carousel/worker';

export interface NabOptions {
  data: string;
  /** combined_windows.json; default <data>/../labels/combined_windows.json. */
  labels?: string;
  out: string;
  /** Profiles to report; default every profile of the profiles file. */
  profile?: string[];
  /** profiles.json; default <data>/../config/profiles.json, else NAB v1.1's weights. */
  profiles?: string;
  /** A JSON file (or inline JSON) merged over nab-config.json. */
  config?: string;
  parallel?: number;
  files?: string;
  /** Folder of reference `<detector>.tar.gz`; default <data>/../reference-results; false: none. */
  references?: string | false;
  /** Progress on stderr (default true). */
  progress?: boolean;
}

/** What `carousel nab` produced: also written to `<out>/<detector>_summary.json`. */
export interface NabReport {
  readonly command: string;
  readonly wallSeconds: number;
  readonly parallel: number;
  readonly config: Readonly<NabDetectorConfig>;
  readonly unlabelled: readonly string[];
  readonly ours: CorpusSummary;
  readonly references: readonly CorpusSummary[];
}

export function registerNab(program: Command): void {
  program
    .command('nab')
    .description('Run the streaming detector over a NAB-layout data folder, write NAB result files and score them.')
    .requiredOption('--data <dir>', 'NAB data folder: <category>/<file>.csv with columns timestamp,value')
    .requiredOption('--out <dir>', 'where to write <detector>/<category>/<detector>_<file>.csv and the summary JSON')
    .option('--labels <file>', 'combined_windows.json (default <data>/../labels/combined_windows.json)')
    .option('--profile <names...>', 'profiles to report (default: all of the profiles file)')
    .option('--profiles <file>', 'profiles.json (default <data>/../config/profiles.json, else NAB v1.1 weights)')
    .option('--config <json>', 'detector config: a JSON file or inline JSON, merged over services/worker/src/nab/nab-config.json')
    .option('--parallel <n>', 'worker threads (default: all cores)', int)
    .option('--files <glob>', "only files whose '<category>/<file>.csv' matches (*, **, ?; comma-separated globs)")
    .option('--references <dir>', 'folder of reference <detector>.tar.gz to score on the same files (default <data>/../reference-results)')
    .option('--no-references', 'do not score reference detectors')
    .option('--no-progress', 'no progress on stderr')
    .action(async (o: NabOptions) => {
      const report = await runNab(o);
      process.stdout.write(formatReport(report, o.profile));
    });
}

/** The command's work, without printing the report (tests call this). */
export async function runNab(o: NabOptions): Promise<NabReport> {
  const started = performance.now();
  const nabRoot = path.resolve(o.data, '..');
  const labels = o.labels ?? path.join(nabRoot, 'labels', 'combined_windows.json');
  const config = parseNabConfig(o.config ? readConfig(o.config) : {}, defaultNabConfig());
  const profiles = await loadProfiles(o.profiles ?? path.join(nabRoot, 'config', 'profiles.json'), o.profiles !== undefined, o.profile);
  const files = await listDataFiles(o.data, o.files);
  if (files.length === 0) throw new Error(`no <category>/<file>.csv under ${o.data}${o.files ? ` matching ${o.files}` : ''}`);
  const { windows, unlabelled } = await readCorpusWindows(labels, files);
  for (const f of unlabelled) console.warn(`carousel nab: ${f} has no windows in ${labels}; scored as a file without anomalies`);
  const parallel = o.parallel ?? cpus().length;
  const progress = o.progress === false ? undefined : progressPrinter();
  const results = await runCorpus({ dataDir: o.data, files, config, parallel, onProgress: progress });
  await writeCorpusResults(o.out, config.detector, results, windows);
  const ours = summarize(config.detector, results, windows, profiles);
  const refDir = o.references === false ? undefined : (o.references ?? path.join(nabRoot, 'reference-results'));
  const references = refDir && existsSync(refDir) ? await scoreReferences(refDir, windows, profiles) : [];
  const report: NabReport = {
    command: ['carousel', ...process.argv.slice(2)].join(' '),
    wallSeconds: (performance.now() - started) / 1000,
    parallel,
    config,
    unlabelled,
    ours,
    references,
  };
  await mkdir(o.out, { recursive: true });
  await writeFile(path.join(o.out, `${config.detector}_summary.json`), JSON.stringify(report, null, 2) + '\n');
  return report;
}

/** The printed tables: one row per profile (ours, then each reference), then per category. */
export function formatReport(r: NabReport, only?: string[]): string {
  const all = [r.ours, ...r.references];
  const profiles = Object.keys(r.ours.profiles).filter((p) => !only || only.includes(p));
  const lines: string[] = [];
  lines.push(`${r.ours.files} files, ${r.ours.rows} rows, ${r.ours.windows} windows; ${r.wallSeconds.toFixed(1)} s on ${r.parallel} threads`);
  lines.push('');
  lines.push(row(['profile', ...all.map((s) => s.detector)]));
  for (const p of profiles) lines.push(row([p, ...all.map((s) => s.profiles[p].score.toFixed(2))]));
  for (const p of profiles) {
    lines.push('');
    lines.push(row([`${p} by category`, ...all.map((s) => s.detector)]));
    for (const cat of Object.keys(r.ours.profiles[p].categories)) {
      lines.push(row([cat, ...all.map((s) => formatCategory(s, p, cat))]));
    }
  }
  lines.push('');
  lines.push(`thresholds (${r.ours.detector}): ${profiles.map((p) => `${p} ${r.ours.profiles[p].threshold.toPrecision(6)}`).join(', ')}`);
  return lines.join('\n') + '\n';
}

function formatCategory(s: CorpusSummary, profile: string, cat: string): string {
  const c = s.profiles[profile].categories[cat];
  if (!c) return '-';
  return c.score === null ? `${c.fp} FP` : c.score.toFixed(2);
}

function row(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(30) : c.padStart(18))).join('');
}

/** Progress on stderr: one line rewritten in place on a terminal, a line per finished file otherwise. */
function progressPrinter(): (p: CorpusProgress) => void {
  const t0 = performance.now();
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  return (p) => {
    const now = performance.now();
    if (!p.file && (!tty || now - lastDraw < 200)) return;
    lastDraw = now;
    const s = (now - t0) / 1000;
    const pct = ((100 * p.rowsDone) / p.rows).toFixed(0);
    const msg = `nab: ${p.filesDone}/${p.files} files, ${p.rowsDone}/${p.rows} rows (${pct}%), ${(p.rowsDone / s).toFixed(0)} rows/s${p.file ? `, done ${p.file}` : ''}`;
    if (tty) process.stderr.write(`\r\x1b[K${msg}${p.filesDone === p.files ? '\n' : ''}`);
    else process.stderr.write(msg + '\n');
  };
}

function readConfig(arg: string): Partial<NabDetectorConfig> {
  const text = arg.trimStart().startsWith('{') ? arg : readFileSync(arg, 'utf8');
  return JSON.parse(text) as Partial<NabDetectorConfig>;
}

async function loadProfiles(file: string, required: boolean, only?: string[]): Promise<Profiles> {
  const all = existsSync(file) || required ? await readProfiles(file) : NAB_V11_PROFILES;
  if (!only) return all;
  const missing = only.filter((p) => !(p in all));
  if (missing.length > 0) throw new Error(`unknown profile(s) ${missing.join(', ')}; known: ${Object.keys(all).join(', ')}`);
  return Object.fromEntries(only.map((p) => [p, all[p]]));
}

function int(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${v}`);
  return n;
}
