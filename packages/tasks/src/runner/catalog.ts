// The runner's experiment names: a short key per experiment of the paper ('1', '2a', ..., '6b')
// mapped to one row of EXPERIMENTS, any full row id ('4/T500'), and 'cerg' (continual.ts). Also
// derives a config for a task length the paper did not run (tests use the adding problem at T 12).

import { EXPERIMENTS, experimentById } from '../experiments.ts';
import type { ExperimentConfig, PaperFigures } from '../experiments.ts';
import { TASK_ERR, TaskError } from '../errors.ts';

/** The continual embedded Reber grammar (Gers et al. 2000); not a row of the 1997 tables. */
export const CERG_KEY = 'cerg';

/** Short key -> the row of the paper's tables it runs by default. */
export const DEFAULT_ROWS: Readonly<Record<string, string>> = Object.freeze({
  '1': '1/3x2/a0.5',
  '2a': '2a/p100',
  '2b': '2b/p100',
  '2c': '2c/q100-p100',
  '3a': '3a/T100-N3',
  '3b': '3b/T100-N3',
  '3c': '3c/T100-N3',
  '4': '4/T100',
  '5': '5/T100-nseq140',
  '6a': '6a',
  '6b': '6b',
});

/** One line of `carousel paper list`. */
export interface ExperimentListing {
  /** What to pass to runExperiment / `carousel paper`. */
  readonly key: string;
  readonly title: string;
  /** The paper's mean "success after" (sequences), where the row has one. */
  readonly paperSequences: number | null;
}

/** Every runnable name: the short keys, every full row id, then 'cerg'. */
export function listExperiments(): ExperimentListing[] {
  const out: ExperimentListing[] = [];
  for (const [key, id] of Object.entries(DEFAULT_ROWS)) {
    const c = experimentById(id);
    out.push({ key, title: `${c.title} (= ${id})`, paperSequences: c.paper.sequencesUntilStop });
  }
  for (const c of EXPERIMENTS) out.push({ key: c.id, title: c.title, paperSequences: c.paper.sequencesUntilStop });
  out.push({ key: CERG_KEY, title: 'Continual embedded Reber grammar, no resets (Gers et al. 2000)', paperSequences: null });
  return out;
}

/** A config to run and the paper's figures for it (null when the paper has no such row). */
export interface ResolvedExperiment {
  readonly config: ExperimentConfig;
  readonly paper: PaperFigures | null;
}

function withT(row: ExperimentConfig, T: number): ExperimentConfig {
  const task = row.task;
  const base = { ...row, title: row.title.replace(/\b(T|p|q) = \d+/g, `$1 = ${T}`) };
  switch (task.kind) {
    case 'adding':
    case 'multiplication':
      return { ...base, id: base.id.replace(/T\d+/, `T${T}`), task: { ...task, T }, minimalLag: T / 2 };
    case 'noise-signal':
      return { ...base, id: base.id.replace(/T\d+/, `T${T}`), task: { ...task, T, N: Math.min(task.N, T) } };
    case 'longlag':
      if (task.variant === '2c') {
        return { ...base, id: `2c/q${T}-p${T}`, task: { ...task, p: T, q: T }, net: { ...base.net, inputs: T + 4 }, minimalLag: T + 1 };
      }
      return {
        ...base,
        id: `${task.variant}/p${T}`,
        task: { ...task, p: T },
        net: { ...base.net, inputs: T + 1, outputs: T + 1 },
        minimalLag: T,
      };
    default:
      throw new TaskError(TASK_ERR.PARAM, `experiment ${base.id} has no length parameter T`, T);
  }
}

/**
 * The config for `key` (a short key or a row id) and task length `T` (optional). When a row of
 * the paper's tables has exactly that setting, it is used with its figures; otherwise the config
 * is derived from the key's row and `paper` is null. Throws TASK_ERR_PARAM for unknown names.
 */
export function resolveExperiment(key: string, T?: number): ResolvedExperiment {
  const baseId = DEFAULT_ROWS[key] ?? key;
  const base = experimentById(baseId);
  if (T === undefined) return { config: base, paper: base.paper };
  const derived = withT(base, T);
  const row = EXPERIMENTS.find((c) => c.id === derived.id);
  if (row !== undefined) return { config: row, paper: row.paper };
  return { config: derived, paper: null };
}
