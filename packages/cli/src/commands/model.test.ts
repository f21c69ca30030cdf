import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../main.ts';
import { runModel } from './model.ts';

function sineCsv(dir: string, n: number): string {
  const rows = ['t,value,next'];
  for (let t = 0; t < n; t++) rows.push(`${t},${Math.sin(0.3 * t).toFixed(6)},${Math.sin(0.3 * (t + 1)).toFixed(6)}`);
  const f = join(dir, 'sine.csv');
  writeFileSync(f, rows.join('\n'));
  return f;
}

const outRows = (f: string): string[][] => readFileSync(f, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));

describe('carousel model run', () => {
  it('trains a model from options on target columns, writes one row per step, and the saved checkpoint continues where it stopped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'carousel-model-'));
    const csv = sineCsv(dir, 1200);
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ cell: 'forget', inputs: 1, outputs: 1, hidden: 8, optimizer: { kind: 'adam', lr: 0.01 } }));
    const r = runModel({ model: join(dir, 'm.json'), input: csv, out: join(dir, 'out.csv'), inputs: ['value'], targets: ['next'], train: true, save: join(dir, 'm.ckpt') });
    expect(r.steps).toBe(1200);
    expect(r.learned).toBe(1200);
    const rows = outRows(join(dir, 'out.csv'));
    expect(rows).toHaveLength(1200);
    const loss = rows.map((x) => Number(x[2]));
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(loss.slice(-200))).toBeLessThan(mean(loss.slice(0, 200)) / 5);
    // Inference from the checkpoint: the error stays at the trained level.
    const r2 = runModel({ model: join(dir, 'm.ckpt'), input: csv, out: join(dir, 'out2.csv'), inputs: ['value'], targets: ['next'] });
    expect(r2.learned).toBe(0);
    const loss2 = outRows(join(dir, 'out2.csv')).map((x) => Number(x[2]));
    expect(mean(loss2.slice(-200))).toBeLessThan(mean(loss.slice(0, 200)) / 5);
  });

  it('round-trips PyTorch weights: exported safetensors and JSON load back to the same outputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'carousel-model-'));
    const csv = sineCsv(dir, 50);
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ cell: 'vanilla', inputs: 1, outputs: 1, hidden: [6, 4], seed: 3 }));
    runModel({ model: join(dir, 'm.json'), input: csv, out: join(dir, 'a.csv'), inputs: ['value'], targets: ['next'], train: true, save: join(dir, 'w.json') });
    runModel({ model: join(dir, 'w.json'), input: csv, out: join(dir, 'b.csv'), inputs: ['value'], targets: ['next'], save: join(dir, 'w.safetensors') });
    runModel({ model: join(dir, 'w.safetensors'), input: csv, out: join(dir, 'c.csv'), inputs: ['value'], targets: ['next'] });
    const b = outRows(join(dir, 'b.csv')).map((x) => Number(x[1]));
    const c = outRows(join(dir, 'c.csv')).map((x) => Number(x[1]));
    // F32 safetensors: equal to float32 precision.
    b.forEach((v, i) => expect(Math.abs(v - c[i]!)).toBeLessThan(1e-5));
  });

  it('is reachable from the command line with --forecast, and explains a bad column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carousel-model-'));
    const csv = sineCsv(dir, 100);
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ cell: 'gru', inputs: 1, outputs: 1, hidden: 4 }));
    await buildProgram().parseAsync(['node', 'carousel', 'model', 'run', '--model', join(dir, 'm.json'), '--input', csv, '--inputs', 'value', '--forecast', '--train', '--lr', '0.05', '--out', join(dir, 'o.csv')]);
    const rows = outRows(join(dir, 'o.csv'));
    expect(rows).toHaveLength(100);
    expect(rows[0]![2]).toBe(''); // no target yet for the first output
    expect(Number(rows[1]![2])).toBeGreaterThanOrEqual(0);
    expect(() => runModel({ model: join(dir, 'm.json'), input: csv, out: join(dir, 'x.csv'), inputs: ['nope'] })).toThrow(/no column nope/);
  });

  it('sizes a model from options to the CSV when the options leave inputs and outputs out, and leaves a timestamp column out of the inputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'carousel-model-'));
    const rows = ['timestamp,a,b'];
    for (let t = 0; t < 30; t++) rows.push(`2014-04-01 00:${String(t).padStart(2, '0')}:00,${Math.sin(t).toFixed(4)},${Math.cos(t).toFixed(4)}`);
    const csv = join(dir, 'nab.csv');
    writeFileSync(csv, rows.join('\n'));
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ cell: 'vanilla', hidden: 4 }));
    // Forecast: two inputs (a, b; not the timestamp), two outputs.
    const r = runModel({ model: join(dir, 'm.json'), input: csv, out: join(dir, 'f.csv'), forecast: true, train: true, save: join(dir, 'f.ckpt') });
    expect(r).toMatchObject({ steps: 30, learned: 29 });
    expect(readFileSync(join(dir, 'f.csv'), 'utf8').split('\n')[0]).toBe('step,y0,y1,loss');
    // Targets: the inputs are the other columns (a), the outputs the targets (b).
    runModel({ model: join(dir, 'm.json'), input: csv, out: join(dir, 't.csv'), targets: ['b'], train: true });
    expect(readFileSync(join(dir, 't.csv'), 'utf8').split('\n')[0]).toBe('step,y0,loss');
    // Sizes the options give win: a model with 3 inputs does not fit the CSV's 2.
    writeFileSync(join(dir, 'm3.json'), JSON.stringify({ cell: 'vanilla', hidden: 4, inputs: 3, outputs: 2 }));
    expect(() => runModel({ model: join(dir, 'm3.json'), input: csv, out: join(dir, 'x.csv'), forecast: true })).toThrow(/the model has 3 inputs, the CSV gives 2 \(a, b\)/);
  });
});
