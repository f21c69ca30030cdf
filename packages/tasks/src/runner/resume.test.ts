// Trial checkpoints (resume.ts): a trial stopped part-way and started again with its checkpoint
// gives the results of one that never stopped, for rules that read the train stream and the
// string sets (Exp. 1), a stopping window larger than the progress window (Exp. 4, ST3 over
// 2000), the test stream during training (Exp. 3a, ST2 checks) and sequential construction
// (Exp. 2a: cells detached, then added). A stop is a throw from the progress callback, after the
// checkpoint of that sequence count is written.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TASK_ERR } from '../errors.ts';
import { trialStreams } from '../streams.ts';
import type { TrialState } from './resume.ts';
import { runTrial } from './trial.ts';
import type { TrialResult } from './trial.ts';
import type { RunTrialOptions } from './options.ts';

function untimed(r: TrialResult): Omit<TrialResult, 'stepsPerSecond' | 'seconds'> {
  const { stepsPerSecond: _s, seconds: _w, ...rest } = r;
  return rest;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'carousel-trial-ck-'));
  dirs.push(d);
  return d;
}

/** Runs the trial until `stopAt` sequences, where the progress callback throws (a stop). */
function stopAt(experiment: string, options: RunTrialOptions, at: number): void {
  expect(() =>
    runTrial(experiment, {
      ...options,
      progressEvery: options.checkpointEvery,
      onProgress: (p) => {
        if (p.sequences === at) throw new Error('stopped');
      },
    }),
  ).toThrow('stopped');
}

/** Name, experiment, options, stop point, and what the saved state must show for the case to test what it says. */
const CASES: [string, string, RunTrialOptions, number, (s: TrialState) => void][] = [
  ['Exp. 1 (SETS; the train stream and the string sets)', '1', { maxSequences: 500, seed: 3 }, 300, (s) => expect([s.window.size, s.recent]).toEqual([100, null])],
  [
    'Exp. 4 at T = 20 (ST3 over a 2000-sequence window)', '4', { T: 20, maxSequences: 3000, testSize: 200, seed: 5 }, 2500,
    (s) => expect([s.window.size, s.recent?.size]).toEqual([2000, 100]), // the rule's window and the progress window
  ],
  [
    'Exp. 3a at T = 20 (ST2: test sequences drawn during training)', '3a', { T: 20, maxSequences: 1500, testSize: 200, seed: 2 }, 1400,
    (s) => expect(s.test).not.toEqual(trialStreams(2, 0).test.state()), // the ST2 checks drew from it before the stop
  ],
  [
    'Exp. 2a at p = 10 (sequential construction: stopped while the cells are detached)', '2a', { T: 10, maxSequences: 1200, testSize: 100, seed: 1 }, 500,
    (s) => expect(s.net.detached).toBe(true), // added at 700 in this trial (next test)
  ],
  [
    'Exp. 2a at p = 10 (stopped after the cells were added)', '2a', { T: 10, maxSequences: 1200, testSize: 100, seed: 1 }, 900,
    (s) => expect([s.net.detached, s.cellsAddedAt]).toEqual([false, 700]),
  ],
];

describe('trial checkpoints', () => {
  for (const [name, exp, options, at, check] of CASES) {
    it(`${name}: stopped at ${at} sequences and resumed, the same result as a trial that never stopped`, () => {
      const straight = runTrial(exp, options);
      const dir = tempDir();
      const o = { ...options, checkpointDir: dir, checkpointEvery: 100 };
      stopAt(exp, o, at);
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      const saved = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { state: TrialState };
      expect(saved.state.seqs).toBe(at);
      check(saved.state);
      const resumed = runTrial(exp, o);
      expect(untimed(resumed)).toEqual(untimed(straight));
      expect(readdirSync(dir)).toHaveLength(0); // removed once the trial ended
    });
  }

  it('the construction case adds the cells after its stop point (so the resumed trial adds them)', () => {
    const r = runTrial('2a', { T: 10, maxSequences: 1200, testSize: 100, seed: 1 });
    expect(r.cellsAddedAt).toBe(700);
  });

  it('refuses a checkpoint of another trial or configuration (TASK_ERR_CHECKPOINT), and leaves it in place', () => {
    const dir = tempDir();
    const o: RunTrialOptions = { T: 20, maxSequences: 400, testSize: 50, seed: 5, checkpointDir: dir, checkpointEvery: 100 };
    stopAt('4', o, 200);
    const [file] = readdirSync(dir);
    const path = join(dir, file!);
    const rec = JSON.parse(readFileSync(path, 'utf8')) as { key: { alpha: number } };
    rec.key.alpha = 0.25;
    writeFileSync(path, JSON.stringify(rec));
    expect(() => runTrial('4', o)).toThrow(expect.objectContaining({ code: TASK_ERR.CHECKPOINT }));
    writeFileSync(path, '{ not json');
    expect(() => runTrial('4', o)).toThrow(expect.objectContaining({ code: TASK_ERR.CHECKPOINT }));
    expect(existsSync(path)).toBe(true);
  });

  it('takes the forget bias into the identity only when set: a checkpoint of the default is refused with one set, and taken up without', () => {
    const dir = tempDir();
    const o: RunTrialOptions = { T: 20, maxSequences: 400, testSize: 50, seed: 6, variant: 'forget', checkpointDir: dir, checkpointEvery: 100 };
    stopAt('4', o, 200);
    const [file] = readdirSync(dir);
    expect((JSON.parse(readFileSync(join(dir, file!), 'utf8')) as { key: object }).key).not.toHaveProperty('forgetBias');
    expect(() => runTrial('4', { ...o, forgetBias: 2 })).toThrow(expect.objectContaining({ code: TASK_ERR.CHECKPOINT }));
    runTrial('4', o); // taken up: a key that differs would throw TASK_ERR_CHECKPOINT
    expect(existsSync(join(dir, file!))).toBe(false);
  });

  it("refuses checkpoints for the continual task ('cerg') and an empty folder name (TASK_ERR_PARAM)", () => {
    expect(() => runTrial('cerg', { checkpointDir: tempDir() })).toThrow(expect.objectContaining({ code: TASK_ERR.PARAM }));
    expect(() => runTrial('4', { T: 20, checkpointDir: '' })).toThrow(expect.objectContaining({ code: TASK_ERR.PARAM }));
  });
});
