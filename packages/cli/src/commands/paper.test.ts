// `carousel paper` through the real program (buildProgram), on budgets of a second.

import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExperimentReport } from '@carousel/tasks';
import { buildProgram } from '../main.ts';

let dir: string;
let out: string[];
let err: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'carousel-paper-'));
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

function paperCommand(): ReturnType<typeof buildProgram> {
  const program = buildProgram();
  const paper = program.commands.find((c) => c.name() === 'paper');
  if (paper === undefined) throw new Error('paper command not registered');
  paper.exitOverride().configureOutput({ writeErr: (s) => err.push(s), writeOut: (s) => out.push(s) });
  return program;
}

describe('carousel paper', () => {
  it('parses every option, runs the trials on workers and writes the report as JSON', async () => {
    const file = join(dir, 'r.json');
    const argv = ['paper', '4', '--T', '12', '--trials', '2', '--seed', '3', '--max-sequences', '300', '--test-size', '40', '--parallel', '2', '--json', file];
    await paperCommand().parseAsync(argv, { from: 'user' });
    const report = JSON.parse(await readFile(file, 'utf8')) as ExperimentReport;
    expect(report.experiment).toBe('4/T12');
    expect(report.key).toBe('4');
    expect(report.seed).toBe(3);
    expect(report.learner).toBe('rtrl97');
    expect(report.variant).toBe('lstm97');
    expect(report.parallel).toBe(2);
    expect(report.maxSequences).toBe(300);
    expect(report.trials.map((t) => [t.trial, t.sequences, t.tested])).toEqual([[0, 300, 40], [1, 300, 40]]);
    expect(report.summary.trials).toBe(2);
    const text = out.join('');
    expect(text).toContain('4/T12: Adding problem, T = 12');
    expect(text).toContain('success rate');
    expect(text).toContain(`wrote ${file}`);
    expect(err.join('')).toContain('trial 1: not met in 300 sequences');
  }, 60_000);

  it('passes --checkpoint-dir and --checkpoint-every to the trials: a finished trial leaves no checkpoint, a foreign one is refused', async () => {
    const ck = join(dir, 'ck');
    const file = join(dir, 'c.json');
    const argv = ['paper', '4', '--T', '12', '--trials', '1', '--max-sequences', '300', '--test-size', '20', '--parallel', '1', '--checkpoint-dir', ck, '--checkpoint-every', '100', '--json', file];
    await paperCommand().parseAsync(argv, { from: 'user' });
    const report = JSON.parse(await readFile(file, 'utf8')) as ExperimentReport;
    expect(report.trials[0]!.sequences).toBe(300);
    expect(await readdir(ck)).toEqual([]); // written every 100 sequences, removed at the end
    // a file at this trial's checkpoint path that is not a checkpoint of it stops the run
    await writeFile(join(ck, '4_T12-lstm97-rtrl97-seed1-trial0.json'), '{ "version": 2, "key": {}, "state": {} }');
    await expect(paperCommand().parseAsync(argv, { from: 'user' })).rejects.toThrow(/TASK_ERR_CHECKPOINT/);
  }, 60_000);

  it('passes learner, variant and alpha through', async () => {
    const file = join(dir, 'v.json');
    const argv = ['paper', '4', '--T', '12', '--trials', '1', '--max-sequences', '50', '--test-size', '10', '--learner', 'tbptt', '--variant', 'cifg', '--alpha', '0.1', '--k1', '4', '--k2', '12', '--forget-bias', '2.5', '--hidden', '3', '--parallel', '1', '--json', file];
    await paperCommand().parseAsync(argv, { from: 'user' });
    const report = JSON.parse(await readFile(file, 'utf8')) as ExperimentReport;
    expect([report.learner, report.variant, report.alpha, report.forgetBias, report.trials[0]!.forgetBias]).toEqual(['tbptt', 'cifg', 0.1, 2.5, 2.5]);
    expect(out.join('')).toMatch(/alpha 0\.1, forget bias 2\.5, seed/);
    // cifg with 3 units, 2 inputs, 1 output: 3 gate blocks of 3 × (2 + 3 + 1), peepholes 3 × 2, a head of 3 + 1.
    expect(report.trials[0]!.weights).toBe(3 * 3 * 6 + 3 * 2 + 4);
  }, 60_000);

  it("lists the experiments with 'list'", async () => {
    await paperCommand().parseAsync(['paper', 'list'], { from: 'user' });
    const text = out.join('');
    expect(text).toMatch(/^4 +Adding problem, T = 100 \(= 4\/T100\) \(paper: 74,000 sequences\)$/m);
    expect(text).toMatch(/^cerg +Continual embedded Reber grammar/m);
  });

  it('rejects a bad option value before running anything', async () => {
    await expect(paperCommand().parseAsync(['paper', '4', '--trials', '0'], { from: 'user' })).rejects.toThrow(/positive integer/);
    await expect(paperCommand().parseAsync(['paper', '4', '--learner', 'sgd'], { from: 'user' })).rejects.toThrow(/must be one of/);
    await expect(paperCommand().parseAsync(['paper', '4', '--forget-bias', 'open'], { from: 'user' })).rejects.toThrow(/finite number/);
  });
});
