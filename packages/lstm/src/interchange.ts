// PyTorch interchange at the level of a whole model: infer the Carousel model options from a
// state dict's tensor shapes (nn.LSTM / nn.LSTMCell / nn.GRU / nn.GRUCell plus a Linear head),
// build the model and fill it; and the reverse. Tensor-level mapping lives in pytorch.ts.

import { LSTM_ERR, LstmError } from './errors.ts';
import { createModel, type Model, type ModelOptions } from './model.ts';
import { exportPytorch, importPytorch, type PytorchOptions, type StateDict } from './pytorch.ts';
import type { StreamState } from './learner.ts';

/** What a state dict says about the network it belongs to. */
export interface StateDictShape {
  cell: 'vanilla' | 'gru';
  inputs: number;
  hidden: number[];
  outputs: number;
  /** True for nn.LSTMCell / nn.GRUCell names (no _l<n> suffix). */
  cellNames: boolean;
}

/** Reads cell kind, sizes and naming from tensor shapes. LSTM_ERR_CHECKPOINT when they don't add up. */
export function inspectStateDict(sd: StateDict, opts: PytorchOptions = {}): StateDictShape {
  const rnn = opts.rnnPrefix ?? '';
  const head = opts.headPrefix ?? 'head.';
  const bad = (msg: string): never => {
    throw new LstmError(LSTM_ERR.CHECKPOINT, `state dict: ${msg}`, { keys: Object.keys(sd) });
  };
  const cellNames = `${rnn}weight_ih` in sd;
  const layers: { gates: number; X: number; H: number }[] = [];
  for (let l = 0; ; l++) {
    const ih = sd[cellNames ? `${rnn}weight_ih` : `${rnn}weight_ih_l${l}`];
    const hh = sd[cellNames ? `${rnn}weight_hh` : `${rnn}weight_hh_l${l}`];
    if (!ih || !hh) break;
    if (ih.shape.length !== 2 || hh.shape.length !== 2) bad(`layer ${l} weights must be matrices`);
    const H = hh.shape[1]!;
    const gates = hh.shape[0]! / H;
    if (!Number.isInteger(gates) || ih.shape[0] !== hh.shape[0]) bad(`layer ${l} shapes ${JSON.stringify(ih.shape)} / ${JSON.stringify(hh.shape)} do not fit`);
    layers.push({ gates, X: ih.shape[1]!, H });
    if (cellNames) break;
  }
  if (layers.length === 0) bad(`no ${rnn}weight_ih_l0 (or ${rnn}weight_ih) tensor`);
  const g = layers[0]!.gates;
  if (g !== 4 && g !== 3) bad(`${g} gate blocks: expected 4 (LSTM) or 3 (GRU)`);
  if (layers.some((L) => L.gates !== g)) bad('layers disagree on the cell kind');
  const w = sd[`${head}weight`];
  if (!w || w.shape.length !== 2) bad(`no ${head}weight head matrix`);
  return { cell: g === 4 ? 'vanilla' : 'gru', inputs: layers[0]!.X, hidden: layers.map((L) => L.H), outputs: w!.shape[0]!, cellNames };
}

/** A Carousel model holding a PyTorch state dict's weights; `extra` adds learner/optimizer options. */
export function modelFromPytorch(sd: StateDict, extra: Partial<ModelOptions> = {}, opts: PytorchOptions = {}): Model<StreamState> {
  const shape = inspectStateDict(sd, opts);
  const model = createModel({ ...extra, cell: shape.cell, inputs: shape.inputs, outputs: shape.outputs, hidden: shape.hidden, peepholes: false });
  importPytorch(sd, model.learner.groups, model.learner.params, { ...opts, cell: shape.cellNames });
  return model;
}

/** A model's weights as a PyTorch state dict (vanilla without peepholes, or gru). */
export function modelToPytorch(model: Model<StreamState>, opts: PytorchOptions = {}): StateDict {
  return exportPytorch(model.learner.groups, model.learner.params, opts);
}
