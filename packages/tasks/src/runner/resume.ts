// Trial checkpoints: a long trial (Exp. 4 at T = 1000, 6b: hours each) writes its whole state to a
// file every so many training sequences, and a trial started again with that file goes on from
// there. The state is taken between two sequences, where the net's activations, traces and
// gradient are reset, so it is the weights, the random streams' positions, the counters and the
// windows of the stopping rule; a resumed trial gives the results (everything but the timings) of
// one that never stopped (runner.test.ts). JSON: numbers round-trip exactly, and the file stays
// readable.

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TASK_ERR, TaskError } from '../errors.ts';
import type { TrialNetState } from './network.ts';
import type { WindowRecord } from './window.ts';

/** Format version of the checkpoint file. */
export const TRIAL_CHECKPOINT_VERSION = 2;

/** What identifies a trial: a checkpoint is only taken up by the same trial of the same configuration. */
export interface TrialKey {
  readonly experiment: string;
  readonly seed: number;
  readonly trial: number;
  readonly learner: string;
  readonly variant: string;
  readonly alpha: number;
  readonly budget: number;
  readonly perStep: boolean;
  readonly k1: number;
  readonly k2: number;
  readonly hidden: number | null;
  readonly reberTarget: string;
  /** Only when set (keys written before the option existed stay valid). */
  readonly forgetBias?: number;
  /** Only when not the paper's 'logistic' (likewise). */
  readonly head?: string;
}

/** A trial's state between two training sequences. */
export interface TrialState {
  readonly seqs: number;
  readonly steps: number;
  readonly trainMs: number;
  /** Wall seconds the trial has run before this checkpoint (over every earlier run). */
  readonly seconds: number;
  readonly untilST1: number | null;
  readonly streak: number;
  readonly cellsAddedAt: number | null;
  readonly windowE: number;
  /** null for +Infinity (no window of the construction rule finished yet). */
  readonly previousWindowE: number | null;
  readonly window: WindowRecord;
  /** The progress window when it is not the stopping rule's own. */
  readonly recent: WindowRecord | null;
  /** xoshiro128 state words of the train and test streams. */
  readonly train: number[];
  readonly test: number[];
  readonly net: TrialNetState;
}

interface TrialCheckpointFile {
  readonly version: number;
  readonly key: TrialKey;
  readonly state: TrialState;
}

/** The trial's checkpoint file in `dir`: one per experiment row, cell, output units, learner, seed and trial. */
export function trialCheckpointPath(dir: string, key: TrialKey): string {
  const row = key.experiment.replace(/[^A-Za-z0-9_.-]/g, '_');
  const head = key.head === undefined ? '' : `-${key.head}`;
  return join(dir, `${row}-${key.variant}${head}-${key.learner}-seed${key.seed}-trial${key.trial}.json`);
}

/**
 * The state saved at `path`, or null when there is no file. TASK_ERR_CHECKPOINT when the file is
 * unreadable, of another version, or of another trial or configuration (it is never half-used).
 */
export function readTrialCheckpoint(path: string, key: TrialKey): TrialState | null {
  if (!existsSync(path)) return null;
  let file: TrialCheckpointFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as TrialCheckpointFile;
  } catch (e) {
    throw new TaskError(TASK_ERR.CHECKPOINT, `trial checkpoint ${path} is not readable: ${(e as Error).message}`, path);
  }
  if (file?.version !== TRIAL_CHECKPOINT_VERSION) {
    throw new TaskError(TASK_ERR.CHECKPOINT, `trial checkpoint ${path} has version ${String(file?.version)}, expected ${TRIAL_CHECKPOINT_VERSION}`, path);
  }
  const want = JSON.stringify(key);
  const have = JSON.stringify(file.key);
  if (have !== want) throw new TaskError(TASK_ERR.CHECKPOINT, `trial checkpoint ${path} is of another trial or configuration: ${have}, this trial is ${want}`, path);
  return file.state;
}

/** Writes the state to `path` (a temporary file renamed over it, so a stop mid-write keeps the last one). */
export function writeTrialCheckpoint(path: string, key: TrialKey, state: TrialState): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: TRIAL_CHECKPOINT_VERSION, key, state } satisfies TrialCheckpointFile));
  renameSync(tmp, path);
}

/** Removes the checkpoint of a finished trial. */
export function removeTrialCheckpoint(path: string): void {
  rmSync(path, { force: true });
}
