// runExperiment: N seeded trials of one experiment on a pool of worker threads (or in this
// thread), with typed progress events, aggregated into an ExperimentReport. Not the protocol
// (trial.ts) and not the printing (report.ts; the CLI's `carousel paper`).
//
// Workers and TypeScript: on Node 20 a worker does not get tsx's loader hooks, neither from an
// inherited `--import tsx` nor from `execArgv: ['--import', 'tsx']` (checked: both fail with
// "Unknown file extension .ts"). So each worker starts from a two-line eval bootstrap that calls
// tsx's register() and then imports worker.ts; that works under `node --import tsx`, under the
// `carousel` bin (which calls register() itself) and under vitest.

import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TASK_ERR, TaskError, checkInt } from '../errors.ts';
import { CERG_KEY, resolveExperiment } from './catalog.ts';
import { CERG_ALPHA } from './continual.ts';
import { parseTrialOptions } from './options.ts';
import type { RunTrialOptions, TrialProgress } from './options.ts';
import { summarize } from './report.ts';
import type { ExperimentReport } from './report.ts';
import { runTrial } from './trial.ts';
import type { TrialResult } from './trial.ts';
import type { RunMessage, WorkerMessage } from './worker.ts';

/** Default number of trials (the paper's tables average 10 to 30). */
export const DEFAULT_TRIALS = 10;

/** Typed progress of an experiment. */
export type ExperimentEvent =
  | { readonly type: 'trial-start'; readonly trial: number }
  | { readonly type: 'progress'; readonly progress: TrialProgress }
  | { readonly type: 'trial-end'; readonly result: TrialResult; readonly done: number; readonly trials: number };

export interface RunExperimentOptions extends Omit<RunTrialOptions, 'trial' | 'onProgress'> {
  /** How many trials: firstTrial..firstTrial+trials-1. Default 10. */
  trials?: number;
  /**
   * Index of the first trial (default 0). Trial k is the same whatever run it is part of (its
   * seeds derive from `seed` and k), so a run cut short can be completed by the trials it lacks.
   */
  firstTrial?: number;
  /** Worker threads. Default: every core (os.availableParallelism()). */
  parallel?: number;
  /** Run the trials one by one in this thread instead of on workers. Default false. */
  inProcess?: boolean;
  /** Progress listener. */
  onEvent?: (e: ExperimentEvent) => void;
}

/** The eval source that registers tsx's loader in a fresh worker, then loads worker.ts. */
function bootstrapSource(): string {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx'));
  const api = new URL('./esm/api/index.mjs', tsxLoader).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
}

/** A worker thread that runs trials (see worker.ts). */
export function spawnTrialWorker(): Worker {
  return new Worker(bootstrapSource(), { eval: true, execArgv: [] });
}

function runPool(experiment: string, base: RunExperimentOptions, trials: number, parallel: number, first: number): Promise<TrialResult[]> {
  const { onEvent, trials: _t, parallel: _p, inProcess: _i, firstTrial: _f, ...trialOptions } = base;
  const results: TrialResult[] = new Array<TrialResult>(trials);
  let nextTrial = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    const retired = new Set<Worker>();
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(err);
    };
    const feed = (w: Worker): void => {
      if (nextTrial >= trials) {
        retired.add(w); // terminate() exits with code 1; that is not a failure
        void w.terminate();
        return;
      }
      const trial = first + nextTrial++;
      onEvent?.({ type: 'trial-start', trial });
      w.postMessage({ type: 'run', experiment, options: { ...trialOptions, trial } } satisfies RunMessage);
    };
    for (let i = 0; i < Math.min(parallel, trials); i++) {
      const w = spawnTrialWorker();
      workers.push(w);
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') onEvent?.({ type: 'progress', progress: m.progress });
        else if (m.type === 'error') fail(new Error(`trial ${m.trial}: ${m.message}`));
        else {
          results[m.result.trial - first] = m.result;
          done++;
          onEvent?.({ type: 'trial-end', result: m.result, done, trials });
          if (done === trials) {
            for (const x of workers) {
              retired.add(x);
              void x.terminate();
            }
            resolve(results);
          } else {
            feed(w);
          }
        }
      });
      w.on('error', (e) => fail(e));
      w.on('exit', (code) => {
        if (code !== 0 && !retired.has(w) && done < trials) fail(new Error(`trial worker exited with code ${code}`));
      });
      feed(w);
    }
  });
}

/**
 * Runs `trials` trials of `experiment` ('4', '4/T500', 'cerg', ...) with seeds from `seed` and
 * returns the aggregated report. Trial options (learner, variant, T, maxSequences, ...) pass
 * through to runTrial; the results are the same for any `parallel`, only timings differ.
 */
export async function runExperiment(experiment: string, options: RunExperimentOptions = {}): Promise<ExperimentReport> {
  const t0 = performance.now();
  const trials = checkInt('trials', options.trials ?? DEFAULT_TRIALS, 1);
  const firstTrial = checkInt('firstTrial', options.firstTrial ?? 0, 0);
  const parallel = options.inProcess ? 1 : checkInt('parallel', options.parallel ?? availableParallelism(), 1);
  const o = parseTrialOptions(options);
  const isCerg = experiment === CERG_KEY;
  if (isCerg && o.T !== undefined) throw new TaskError(TASK_ERR.PARAM, 'the continual task has no T (use symbols)', o.T);
  const resolved = isCerg ? null : resolveExperiment(experiment, o.T);

  let results: TrialResult[];
  if (options.inProcess) {
    const { onEvent, trials: _t, parallel: _p, inProcess: _i, firstTrial: _f, ...trialOptions } = options;
    results = [];
    for (let trial = firstTrial; trial < firstTrial + trials; trial++) {
      onEvent?.({ type: 'trial-start', trial });
      const r = runTrial(experiment, { ...trialOptions, trial, onProgress: (progress) => onEvent?.({ type: 'progress', progress }) });
      results.push(r);
      onEvent?.({ type: 'trial-end', result: r, done: trial - firstTrial + 1, trials });
    }
  } else {
    results = await runPool(experiment, options, trials, parallel, firstTrial);
  }

  const first = results[0];
  const cfg = resolved?.config;
  const note = isCerg
    ? 'Gers et al. 2000: without a forget gate LSTM fails on this task; with forget gates it solves it. No numeric row to compare.'
    : resolved?.paper === null
      ? `No row of the paper has this setting; derived from ${experiment}.`
      : null;
  return {
    experiment: first.experiment,
    key: experiment,
    title: cfg?.title ?? 'Continual embedded Reber grammar, no resets (Gers et al. 2000)',
    seed: o.seed,
    learner: o.learner,
    variant: o.variant,
    alpha: o.alpha ?? cfg?.alpha ?? CERG_ALPHA,
    forgetBias: o.forgetBias ?? null,
    head: o.head,
    maxSequences: first.maxSequences,
    parallel,
    paper: resolved?.paper ?? null,
    note,
    summary: summarize(results),
    trials: results,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}
