// `carousel paper <experiment>`: reproduces one of the 1997 LSTM paper's experiments (runExperiment
// of @carousel/tasks) and prints a table beside the paper's figures; `carousel paper list` lists
// them. Progress goes to stderr: one updating line on a TTY, plain lines otherwise.

import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { RUNNER_HEADS, RUNNER_LEARNERS, RUNNER_VARIANTS, formatReport, listExperiments, runExperiment } from '@carousel/tasks';
import type { ExperimentEvent, RunnerHead, RunnerLearner, RunnerVariant } from '@carousel/tasks';

/** Where the command writes; tests pass their own. */
export interface PaperIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether err is a terminal (an updating progress line) or not (plain lines). */
  readonly isTTY: boolean;
}

/** Plain-line progress: at most one line per this many milliseconds per trial (start/end always). */
const PLAIN_PROGRESS_MS = 30_000;
/** TTY progress line refresh, milliseconds. */
const TTY_REFRESH_MS = 200;

const defaultIO: PaperIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: process.stderr.isTTY === true,
};

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer >= 0');
  return n;
}

function nonNegative(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}

function finite(v: string): number {
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('must be a finite number');
  return n;
}

function oneOf<T extends string>(allowed: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(allowed as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${allowed.join(', ')}`);
    return v as T;
  };
}

interface PaperOptions {
  trials?: number;
  firstTrial?: number;
  seed?: number;
  T?: number;
  variant?: RunnerVariant;
  learner?: RunnerLearner;
  json?: string;
  maxSequences?: number;
  parallel?: number;
  alpha?: number;
  k1?: number;
  k2?: number;
  forgetBias?: number;
  head?: RunnerHead;
  hidden?: number;
  symbols?: number;
  testSize?: number;
  checkpointDir?: string;
  checkpointEvery?: number;
}

/** A progress printer for runExperiment's events. */
function progressPrinter(io: PaperIO, now: () => number): { onEvent: (e: ExperimentEvent) => void; finish: () => void } {
  const lines = new Map<number, string>();
  const lastPlain = new Map<number, number>();
  let done = 0;
  let total = 0;
  let lastDraw = 0;
  const draw = (force: boolean): void => {
    const t = now();
    if (!force && t - lastDraw < TTY_REFRESH_MS) return;
    lastDraw = t;
    const parts = [...lines.entries()].map(([trial, s]) => `#${trial} ${s}`);
    io.err(`\r\x1b[K[${done}/${total || '?'} done] ${parts.join(' | ')}`);
  };
  const onEvent = (e: ExperimentEvent): void => {
    if (e.type === 'trial-start') {
      lines.set(e.trial, 'starting');
      if (!io.isTTY) io.err(`trial ${e.trial}: started\n`);
    } else if (e.type === 'progress') {
      const p = e.progress;
      const s = `${p.sequences.toLocaleString('en-US')}/${p.maxSequences.toLocaleString('en-US')} seq, E ${p.trainError.toExponential(2)}, ${(100 * p.recentCorrect).toFixed(1)}% ok`;
      lines.set(p.trial, s);
      if (!io.isTTY && now() - (lastPlain.get(p.trial) ?? 0) >= PLAIN_PROGRESS_MS) {
        lastPlain.set(p.trial, now());
        io.err(`trial ${p.trial}: ${s}\n`);
      }
    } else {
      done = e.done;
      total = e.trials;
      lines.delete(e.result.trial);
      const r = e.result;
      const n = (x: number): string => x.toLocaleString('en-US');
      const outcome = r.success
        ? `stopped after ${n(r.sequencesUntilStop ?? 0)} sequences`
        : r.diverged !== null
          ? `diverged: a loss not finite in sequence ${n(r.diverged)}, training stopped`
          : `not met in ${n(r.sequences)} sequences`;
      const msg = `trial ${r.trial}: ${outcome}, ${r.wrong}/${r.tested} wrong, ${r.seconds.toFixed(1)} s`;
      io.err(io.isTTY ? `\r\x1b[K${msg}\n` : `${msg}\n`);
    }
    if (io.isTTY) draw(e.type !== 'progress');
  };
  return { onEvent, finish: () => (io.isTTY ? io.err('\r\x1b[K') : undefined) };
}

/** Registers `carousel paper` on the program. */
export function registerPaper(program: Command, io: PaperIO = defaultIO): void {
  program
    .command('paper')
    .description("reproduce an experiment of the 1997 LSTM paper (Hochreiter & Schmidhuber); 'list' lists them")
    .argument('<experiment>', "experiment key ('1', '2a', '4', '6a', 'cerg', a row id like '4/T500') or 'list'")
    .option('--trials <n>', 'trials (seeds trial 0..n-1)', positiveInt, 10)
    .option('--first-trial <k>', 'run trials k..k+n-1 (each trial is the same in any run: completes a run cut short)', nonNegativeInt, 0)
    .option('--seed <s>', 'master seed', nonNegativeInt, 1)
    .option('--T <n>', "task length: T (Exp. 3-5), p (2a/2b), q = p (2c)", positiveInt)
    .option('--variant <v>', `cell: ${RUNNER_VARIANTS.join(', ')} (default lstm97 with rtrl97, vanilla otherwise)`, oneOf(RUNNER_VARIANTS))
    .option('--learner <l>', `learner: ${RUNNER_LEARNERS.join(', ')}`, oneOf(RUNNER_LEARNERS), 'rtrl97')
    .option('--json <file>', 'also write the report as JSON to this file')
    .option('--max-sequences <n>', "training budget in sequences (default: the paper's, else 10x its mean)", positiveInt)
    .option('--parallel <n>', 'worker threads (default: all cores)', positiveInt)
    .option('--alpha <a>', "learning rate (default: the paper's)", nonNegative)
    .option('--k1 <n>', 'TBPTT: backward every k1 steps', positiveInt)
    .option('--k2 <n>', 'TBPTT: window of k2 steps', positiveInt)
    .option('--hidden <n>', "hidden units of a vanilla, cifg or gru net (default: the 1997 net's number of cells)", positiveInt)
    .option('--forget-bias <b>', 'initial forget-gate bias of every block (forget) or unit (vanilla, cifg)', finite)
    .option('--head <h>', `output units: ${RUNNER_HEADS.join(', ')} (logistic is the paper's; linear, and logistic-ce (logistic units learning cross-entropy: their error without f') are probes, not the paper's)`, oneOf(RUNNER_HEADS))
    .option('--symbols <n>', 'cerg: consecutive correct symbols that count as solved', positiveInt)
    .option('--test-size <n>', "test sequences (default: the paper's, 2560 for Exp. 3-6)", positiveInt)
    .option('--checkpoint-dir <dir>', 'save each trial there every --checkpoint-every sequences; run the same command again to go on from it (sequence tasks)')
    .option('--checkpoint-every <n>', 'training sequences between trial checkpoints', positiveInt, 10_000)
    .action(async (experiment: string, opts: PaperOptions) => {
      if (experiment === 'list') {
        const rows = listExperiments();
        const w = Math.max(...rows.map((r) => r.key.length));
        for (const r of rows) {
          const after = r.paperSequences === null ? '' : ` (paper: ${r.paperSequences.toLocaleString('en-US')} sequences)`;
          io.out(`${r.key.padEnd(w)}  ${r.title}${after}\n`);
        }
        return;
      }
      const progress = progressPrinter(io, () => performance.now());
      const report = await runExperiment(experiment, {
        trials: opts.trials,
        firstTrial: opts.firstTrial,
        seed: opts.seed,
        learner: opts.learner,
        ...(opts.variant !== undefined ? { variant: opts.variant } : {}),
        ...(opts.T !== undefined ? { T: opts.T } : {}),
        ...(opts.maxSequences !== undefined ? { maxSequences: opts.maxSequences } : {}),
        ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
        ...(opts.alpha !== undefined ? { alpha: opts.alpha } : {}),
        ...(opts.k1 !== undefined ? { k1: opts.k1 } : {}),
        ...(opts.k2 !== undefined ? { k2: opts.k2 } : {}),
        ...(opts.forgetBias !== undefined ? { forgetBias: opts.forgetBias } : {}),
        ...(opts.hidden !== undefined ? { hidden: opts.hidden } : {}),
        ...(opts.head !== undefined ? { head: opts.head } : {}),
        ...(opts.symbols !== undefined ? { symbols: opts.symbols } : {}),
        ...(opts.testSize !== undefined ? { testSize: opts.testSize } : {}),
        ...(opts.checkpointDir !== undefined ? { checkpointDir: opts.checkpointDir, checkpointEvery: opts.checkpointEvery } : {}),
        onEvent: progress.onEvent,
      }).finally(progress.finish);
      io.out(formatReport(report));
      if (opts.json !== undefined) {
        await writeFile(opts.json, JSON.stringify(report, null, 2) + '\n');
        io.out(`wrote ${opts.json}\n`);
      }
    });
}
