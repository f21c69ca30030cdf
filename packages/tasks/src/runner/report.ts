// Aggregation of trial results into the reproduction's summary, and the plain-text table that
// prints it beside the paper's published figures. Pure functions; no I/O.

import type { PaperFigures } from '../experiments.ts';
import type { RunnerHead, RunnerLearner, RunnerVariant } from './options.ts';
import type { TrialResult } from './trial.ts';

/** Mean, min and max of a list of numbers. */
export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface ExperimentSummary {
  readonly trials: number;
  readonly successes: number;
  /** successes / trials, in [0, 1]. */
  readonly successRate: number;
  /** Trials whose training stopped on a loss that was not finite (TrialResult.diverged). */
  readonly diverged: number;
  /** Over successful trials only; null when none succeeded. */
  readonly sequencesUntilStop: Spread | null;
  /** Exp. 3: over trials that reached ST1. */
  readonly sequencesUntilST1: Spread | null;
  /** Exp. 2a/2b (sequential construction): over trials whose cell was added. */
  readonly cellsAddedAt: Spread | null;
  /** Over all trials; null unless 2560 sequences were tested. */
  readonly wrongOf2560: Spread | null;
  /** Wrong of `tested`, over all trials. */
  readonly wrong: Spread;
  readonly tested: number;
  readonly mse: Spread;
  readonly meanAbsError: Spread;
  /** Training steps per second of one core, over all trials. */
  readonly stepsPerSecond: Spread;
}

/** Everything `carousel paper` prints and writes with --json. */
export interface ExperimentReport {
  /** Row id that ran (e.g. '4/T100'). */
  readonly experiment: string;
  /** What the caller asked for (e.g. '4'). */
  readonly key: string;
  readonly title: string;
  readonly seed: number;
  readonly learner: RunnerLearner;
  readonly variant: RunnerVariant;
  readonly alpha: number;
  /** The forget-bias override; null when the cell's default was used. */
  readonly forgetBias: number | null;
  /** Output units: 'logistic' (the paper's) or 'linear'. */
  readonly head: RunnerHead;
  readonly maxSequences: number;
  readonly parallel: number;
  /** The paper's figures for this row; null when the paper has none (derived T, 'cerg'). */
  readonly paper: PaperFigures | null;
  /** Remarks on the comparison (e.g. no paper row). */
  readonly note: string | null;
  readonly summary: ExperimentSummary;
  /** Per trial, in trial order. */
  readonly trials: readonly TrialResult[];
  /** Wall time of the whole experiment, seconds. */
  readonly wallSeconds: number;
}

function spread(xs: readonly number[]): Spread | null {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length === 0) return null;
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, min: Math.min(...v), max: Math.max(...v) };
}

const NONE: Spread = { mean: NaN, min: NaN, max: NaN };

export function summarize(results: readonly TrialResult[]): ExperimentSummary {
  const ok = results.filter((r) => r.success);
  const of2560 = results.filter((r) => r.wrongOf2560 !== null).map((r) => r.wrongOf2560 as number);
  return {
    trials: results.length,
    successes: ok.length,
    successRate: results.length === 0 ? 0 : ok.length / results.length,
    diverged: results.filter((r) => r.diverged !== null).length,
    sequencesUntilStop: spread(ok.map((r) => r.sequencesUntilStop as number)),
    sequencesUntilST1: spread(results.filter((r) => r.sequencesUntilST1 !== null).map((r) => r.sequencesUntilST1 as number)),
    cellsAddedAt: spread(results.filter((r) => r.cellsAddedAt !== null).map((r) => r.cellsAddedAt as number)),
    wrongOf2560: of2560.length === results.length ? spread(of2560) : null,
    wrong: spread(results.map((r) => r.wrong)) ?? NONE,
    tested: results[0]?.tested ?? 0,
    mse: spread(results.map((r) => r.mse)) ?? NONE,
    meanAbsError: spread(results.map((r) => r.meanAbsError)) ?? NONE,
    stepsPerSecond: spread(results.map((r) => r.stepsPerSecond)) ?? NONE,
  };
}

const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const num = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toPrecision(digits) : '-');
const spreadText = (s: Spread | null, f: (x: number) => string): string =>
  s === null ? '-' : `${f(s.mean)} (min ${f(s.min)}, max ${f(s.max)})`;

/** The output units in the report's header: nothing for the paper's. */
const HEAD_TEXT: Readonly<Record<RunnerHead, string>> = {
  logistic: '',
  linear: ", linear output (not the paper's)",
  'logistic-ce': ", logistic output learning cross-entropy, its error without f' (not the paper's)",
};

/** The report as a plain-text table: one metric per line, this run next to the paper. */
export function formatReport(r: ExperimentReport): string {
  const s = r.summary;
  const p = r.paper;
  const rows: [string, string, string][] = [
    ['success rate', `${(100 * s.successRate).toFixed(0)}% (${s.successes}/${s.trials})`, p?.successPercent !== undefined ? `${p.successPercent}%` : '-'],
    ['sequences until stop', spreadText(s.sequencesUntilStop, int), p ? int(p.sequencesUntilStop) : '-'],
  ];
  if (s.diverged > 0) rows.push(['diverged (a loss not finite)', `${s.diverged} of ${s.trials}`, '-']);
  if (s.sequencesUntilST1 !== null || p?.sequencesUntilST1 !== undefined) {
    rows.push(['sequences until ST1', spreadText(s.sequencesUntilST1, int), p?.sequencesUntilST1 !== undefined ? int(p.sequencesUntilST1) : '-']);
  }
  if (s.cellsAddedAt !== null) rows.push(['cell added after (sequences)', spreadText(s.cellsAddedAt, int), '-']);
  if (s.wrongOf2560 !== null) {
    rows.push(['wrong of 2560', spreadText(s.wrongOf2560, (x) => num(x, 3)), p?.wrongOf2560 !== undefined ? String(p.wrongOf2560) : '-']);
    if (p?.fractionMisclassified !== undefined) {
      rows.push(['fraction misclassified', num(s.wrongOf2560.mean / 2560, 3), String(p.fractionMisclassified)]);
    }
  } else {
    rows.push([`wrong of ${s.tested}`, spreadText(s.wrong, (x) => num(x, 3)), '-']);
  }
  rows.push(['test MSE', num(s.mse.mean), p?.mse !== undefined ? String(p.mse) : '-']);
  rows.push(['test mean |error|', num(s.meanAbsError.mean), p?.avgDifference !== undefined ? String(p.avgDifference) : '-']);
  rows.push(['steps/s (one core)', int(s.stepsPerSecond.mean), '-']);
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max('this run'.length, ...rows.map((x) => x[1].length));
  const head =
    `${r.experiment}: ${r.title}\n` +
    `learner ${r.learner}, variant ${r.variant}, alpha ${r.alpha}${r.forgetBias === null ? '' : `, forget bias ${r.forgetBias}`}${HEAD_TEXT[r.head]}, seed ${r.seed}, ${s.trials} trials, ` +
    `budget ${int(r.maxSequences)} sequences, ${r.wallSeconds.toFixed(1)} s wall on ${r.parallel} worker(s)\n`;
  const lines = [
    `${''.padEnd(w0)}  ${'this run'.padEnd(w1)}  paper${p ? ` (${p.source}, ${p.trials} trials)` : ''}`,
    ...rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`),
  ];
  // The paper's remark is about the paper's runs (e.g. "never more than 3 wrong predictions"), so it
  // is labelled as the paper's: under a run that failed, a bare "note:" would read as this run's.
  const notes = [
    ...(r.note ? [`note: ${r.note}`] : []),
    ...(p?.note ? [`paper (${p.source}): ${p.note}`] : []),
  ];
  return head + lines.join('\n') + (notes.length ? `\n${notes.join('\n')}` : '') + '\n';
}
