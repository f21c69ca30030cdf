// `carousel model run`: runs a model over a CSV of input rows, optionally training it online,
// writes one row of outputs per step and saves the weights. The same createModel / Trainer code
// path as the worker, for debugging a model offline. `carousel model upload`: puts PyTorch weights
// where streams warm-start from them (upload.ts).

import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { parse } from 'csv-parse/sync';
import {
  LEARNER_KINDS,
  OPTIMIZER_KINDS,
  createModel,
  loadModel,
  modelFromPytorch,
  modelToPytorch,
  readSafetensors,
  saveModel,
  stateDictFromJson,
  stateDictToJson,
  writeSafetensors,
  type Model,
  type ModelOptions,
  type StreamState,
} from '@carousel/lstm';
import { TIMESTAMP_COLUMN_NAMES } from '@carousel/simulator';
import { natsOptions, withNats, type NatsFlags } from './connect.ts';
import { uploadModel } from './upload.ts';

export interface ModelRunOptions {
  model: string;
  input: string;
  out: string;
  inputs?: string[];
  targets?: string[];
  forecast?: boolean;
  train?: boolean;
  learner?: ModelOptions['learner'];
  k1?: number;
  k2?: number;
  optimizer?: 'sgd' | 'adam' | 'adamw' | 'rmsprop';
  lr?: number;
  save?: string;
}

export function registerModel(program: Command): void {
  const model = program.command('model').description("Models: run one offline on the service's code path, or upload PyTorch weights for warm starts.");
  model
    .command('run')
    .description('Run a model over a CSV (and train it on target columns), one output row per input row.')
    .requiredOption('--model <file>', 'a Carousel checkpoint (.ckpt), model options (.json with "cell"; inputs and outputs default to the CSV\'s), or PyTorch weights (.safetensors, or state-dict .json)')
    .requiredOption('--input <csv>', 'CSV with a header row; one row per step')
    .requiredOption('--out <csv>', 'where to write step, outputs y0..yK-1 and loss')
    .option('--inputs <cols>', `input columns, comma separated (default: every column not in --targets, nor named ${TIMESTAMP_COLUMN_NAMES.join('/')})`, list)
    .option('--targets <cols>', 'target columns, comma separated: the target of the output at the same row', list)
    .option('--forecast', 'targets are the next row\'s inputs: learn to predict one step ahead')
    .option('--train', 'learn online from the targets (default: inference only)')
    .addOption(new Option('--learner <kind>', 'learner when the model is built from options or PyTorch weights').choices(LEARNER_KINDS as string[]))
    .option('--k1 <n>', 'tbptt: backward pass every k1 steps', int)
    .option('--k2 <n>', 'tbptt: over the last k2 steps', int)
    .addOption(new Option('--optimizer <kind>', 'optimizer').choices(OPTIMIZER_KINDS as string[]))
    .option('--lr <x>', 'learning rate', Number.parseFloat)
    .option('--save <file>', 'save the model after the run: .safetensors or .json for PyTorch layout, anything else a Carousel checkpoint')
    .action((o: ModelRunOptions) => {
      const r = runModel(o);
      process.stderr.write(`${r.steps} steps${r.learned ? `, mean loss ${r.meanLoss.toPrecision(6)} over ${r.learned} targets` : ''}; wrote ${o.out}\n`);
    });
  natsOptions(model.command('upload <file>'))
    .description("Store PyTorch weights (.safetensors, or a state dict as .json) where streams and model groups warm-start from them; checked as a worker reads them first")
    .option('--name <obj>', 'object name (default: the file\'s base name and the first 12 hex digits of its SHA-256)')
    .addOption(new Option('--format <format>', 'the file\'s format (default: json for .json, else safetensors)').choices(['safetensors', 'json']))
    .action(async (file: string, o: NatsFlags & { name?: string; format?: string }) => {
      const u = await withNats(o, 'carousel-cli', (t) => uploadModel(t, o.prefix, file, o));
      process.stdout.write(JSON.stringify(u, null, 2) + '\n');
      process.stderr.write(`stored as ${u.obj} in ${u.bucket}; start a stream from it: carousel streams configure <stream> '${JSON.stringify({ warm: { obj: u.obj, format: u.format } })}'\n`);
    });
}

function list(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

function int(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${v}`);
  return n;
}

/** Builds or loads the model a run starts from. */
export function openModel(file: string, o: Partial<ModelRunOptions> = {}, shape?: { inputs: number; outputs: number }): { model: Model<StreamState>; stream: StreamState } {
  const extra: Partial<ModelOptions> = {};
  if (o.learner) extra.learner = o.learner;
  if (o.k1) extra.k1 = o.k1;
  if (o.k2) extra.k2 = o.k2;
  if (o.optimizer || o.lr !== undefined) extra.optimizer = { ...(o.optimizer ? { kind: o.optimizer } : {}), ...(o.lr !== undefined ? { lr: o.lr } : {}) };
  const ext = extname(file).toLowerCase();
  if (ext === '.safetensors') return fresh(modelFromPytorch(readSafetensors(new Uint8Array(readFileSync(file))).tensors, extra));
  if (ext === '.json') {
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    // Model options may leave the sizes to the data: inputs and outputs as the CSV's columns give them.
    if (typeof json.cell === 'string' || typeof json.inputs === 'number') return fresh(createModel({ ...shape, ...(json as unknown as ModelOptions), ...extra }));
    return fresh(modelFromPytorch(stateDictFromJson(json), extra));
  }
  const { model, streams } = loadModel(new Uint8Array(readFileSync(file)));
  const stream = streams.main ?? Object.values(streams)[0] ?? model.learner.newStream();
  if (extra.optimizer?.lr !== undefined) model.trainer.optimizer.setLr(extra.optimizer.lr);
  return { model, stream };
}

function fresh(model: Model<StreamState>): { model: Model<StreamState>; stream: StreamState } {
  return { model, stream: model.learner.newStream() };
}

export interface ModelRunResult {
  steps: number;
  learned: number;
  meanLoss: number;
}

/** The whole command, as a function (tests call it directly). */
export function runModel(o: ModelRunOptions): ModelRunResult {
  const rows = parse(readFileSync(o.input, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  if (rows.length === 0) throw new Error(`${o.input}: no rows`);
  const header = Object.keys(rows[0]!);
  const targets = o.targets ?? [];
  // By default every column but the targets and a timestamp column (named as `carousel replay` finds one).
  const inputs = o.inputs ?? header.filter((c) => !targets.includes(c) && !TIMESTAMP_COLUMN_NAMES.includes(c.toLowerCase()));
  for (const c of [...inputs, ...targets]) if (!header.includes(c)) throw new Error(`${o.input}: no column ${c} (columns: ${header.join(', ')})`);
  if (o.train && targets.length === 0 && !o.forecast) throw new Error('--train needs --targets or --forecast');
  const num = (row: Record<string, string>, cols: string[], line: number): number[] =>
    cols.map((c) => {
      const v = Number(row[c]);
      if (!Number.isFinite(v)) throw new Error(`${o.input}:${line + 2}: column ${c} is not a finite number: ${row[c]}`);
      return v;
    });

  const { model, stream } = openModel(o.model, o, { inputs: inputs.length, outputs: targets.length > 0 ? targets.length : inputs.length });
  if (model.learner.inputs !== inputs.length) throw new Error(`the model has ${model.learner.inputs} inputs, the CSV gives ${inputs.length} (${inputs.join(', ')})`);
  const K = model.learner.outputs;
  const out: string[] = [['step', ...Array.from({ length: K }, (_, k) => `y${k}`), 'loss'].join(',')];
  let lossSum = 0;
  let learned = 0;
  let pending: Float64Array | null = null; // --forecast: y(t-1) waits for row t as its target
  rows.forEach((row, t) => {
    const x = num(row, inputs, t);
    let loss = '';
    if (o.forecast && pending && o.train) {
      const l = model.trainer.learn(stream, x);
      lossSum += l;
      learned++;
      loss = String(l);
    }
    const y = model.trainer.step(stream, x);
    if (!o.forecast && targets.length > 0) {
      const d = num(row, targets, t);
      if (o.train) {
        const l = model.trainer.learn(stream, d);
        lossSum += l;
        learned++;
        loss = String(l);
      } else {
        let e = 0;
        for (let k = 0; k < K; k++) e += 0.5 * (d[k]! - y[k]!) ** 2;
        loss = String(e);
      }
    }
    pending = y;
    out.push([t, ...y, loss].join(','));
  });
  writeFileSync(o.out, out.join('\n') + '\n');
  // The end of the run: a partial accumulation window is applied, not saved open.
  if (o.save) {
    model.trainer.flush();
    saveAs(o.save, model, stream);
  }
  return { steps: rows.length, learned, meanLoss: learned ? lossSum / learned : NaN };
}

function saveAs(file: string, model: Model<StreamState>, stream: StreamState): void {
  const ext = extname(file).toLowerCase();
  if (ext === '.safetensors') writeFileSync(file, writeSafetensors(modelToPytorch(model), { dtype: 'F32' }));
  else if (ext === '.json') writeFileSync(file, JSON.stringify(stateDictToJson(modelToPytorch(model))));
  else writeFileSync(file, saveModel(model, { main: stream }));
}
