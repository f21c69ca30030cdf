// PyTorch state-dict interchange for the vanilla LSTM (nn.LSTM / nn.LSTMCell) and the GRU
// (nn.GRU / nn.GRUCell) plus a Linear head, written against ParamGroup lists only (no cell code).
// Not for the 1997 cell, CIFG or peephole export: PyTorch has no equivalent (LSTM_ERR_UNSUPPORTED).
//
// Dimension letters: X inputs of a layer, H hidden size, K outputs, G = gates per layer (4 or 3).
// Carousel groups per layer (layer 0 unprefixed, layer l >= 1 prefixed 'l<l>.'):
//   vanilla: Wz (H×X) Rz (H×H) bz (H), Wi Ri bi, Wf Rf bf, Wo Ro bo, [pi pf po (H) if peepholes]
//   gru:     Wr Rr br, Wu Ru bu, Wn Rn bn, bRn (H)
//   then V (K×H_last), bv (K).
// PyTorch per layer n (suffix '_l<n>'; none for the *Cell modules):
//   LSTM: weight_ih (4H×X) = [W_i; W_f; W_g; W_o], weight_hh (4H×H) likewise, bias_ih, bias_hh (4H);
//         the effective bias is bias_ih + bias_hh; g (tanh) is Carousel's block input z.
//   GRU:  weight_ih (3H×X) = [W_r; W_z; W_n], weight_hh (3H×H) = [R_r; R_z; R_n], biases likewise;
//         n = tanh(W_n x + b_in + r ⊙ (W_hn h + b_hn)), so b_hn cannot fold into b_in:
//         br = b_ir + b_hr, bu = b_iz + b_hz (PyTorch's z is Carousel's u), bn = b_in, bRn = b_hn.
//   Head: <headPrefix>weight (K×H), <headPrefix>bias (K).
// Export writes bias_ih = the Carousel bias and bias_hh = 0, except GRU's n block (b_hn = bRn).

import { LSTM_ERR, LstmError } from './errors.ts';
import type { ParamGroup } from './learner.ts';
import type { Tensor } from './safetensors.ts';

/** Recurrent cell families this module knows the layout of. */
export type RecurrentKind = 'vanilla' | 'cifg' | 'gru';

/** A PyTorch-style state dict: tensor name -> shape and row-major float64 values. */
export type StateDict = Record<string, Tensor>;

/** Default prefix of the head's keys (a module attribute called `head`). */
export const DEFAULT_HEAD_PREFIX = 'head.';
/** Default prefix of the recurrent module's keys: none (the state dict of nn.LSTM itself). */
export const DEFAULT_RNN_PREFIX = '';

export interface PytorchOptions {
  /** Prefix of the recurrent module's keys, e.g. 'lstm.' for `self.lstm = nn.LSTM(...)`. Default ''. */
  rnnPrefix?: string;
  /** Prefix of the Linear head's keys. Default DEFAULT_HEAD_PREFIX ('head.'). */
  headPrefix?: string;
  /** nn.LSTMCell / nn.GRUCell names (no '_l<n>' suffix); one layer only. Default false. */
  cell?: boolean;
  /** Import: ignore tensors this layout does not use instead of refusing them. Default false. */
  allowUnexpected?: boolean;
}

/** What a layout holds, for the helper below. */
export interface ParamLayoutSpec {
  kind: RecurrentKind;
  inputs: number;
  hidden: readonly number[];
  outputs: number;
  /** vanilla: pi, pf, po; cifg: pf, po; gru: must be false. */
  peepholes?: boolean;
}

const LAYER_GATES: Record<RecurrentKind, readonly string[]> = {
  vanilla: ['z', 'i', 'f', 'o'],
  cifg: ['z', 'f', 'o'],
  gru: ['r', 'u', 'n'],
};
const PEEPHOLES: Record<RecurrentKind, readonly string[]> = { vanilla: ['pi', 'pf', 'po'], cifg: ['pf', 'po'], gru: [] };
/** PyTorch's gate block order, as Carousel gate letters. */
const TORCH_ORDER: Record<'vanilla' | 'gru', readonly string[]> = { vanilla: ['i', 'f', 'z', 'o'], gru: ['r', 'u', 'n'] };

function prefixOf(l: number): string {
  return l === 0 ? '' : `l${l}.`;
}

/**
 * The ParamGroup list of a vanilla / cifg / gru net, computed here so that the converters and their
 * tests do not depend on the cell code. It MUST equal the cells' layout (recurrent-layout.ts,
 * buildRecurrentLayout); a test beside the cells checks that equality.
 */
export function referenceRecurrentGroups(spec: ParamLayoutSpec): ParamGroup[] {
  if (spec.kind === 'gru' && spec.peepholes) throw new LstmError(LSTM_ERR.CONFIG, 'a gru has no peepholes', { peepholes: true });
  const groups: ParamGroup[] = [];
  let off = 0;
  const add = (name: string, shape: number[]): void => {
    groups.push({ name, offset: off, shape });
    off += shape.reduce((a, b) => a * b, 1);
  };
  let X = spec.inputs;
  spec.hidden.forEach((H, l) => {
    const p = prefixOf(l);
    for (const g of LAYER_GATES[spec.kind]) {
      add(`${p}W${g}`, [H, X]);
      add(`${p}R${g}`, [H, H]);
      add(`${p}b${g}`, [H]);
    }
    if (spec.peepholes) for (const name of PEEPHOLES[spec.kind]) add(`${p}${name}`, [H]);
    if (spec.kind === 'gru') add(`${p}bRn`, [H]);
    X = H;
  });
  add('V', [spec.outputs, X]);
  add('bv', [spec.outputs]);
  return groups;
}

interface LayerInfo {
  prefix: string;
  X: number;
  H: number;
}
interface LayoutInfo {
  kind: RecurrentKind;
  peepholes: boolean;
  layers: LayerInfo[];
  K: number;
  byName: Map<string, ParamGroup>;
}

function unsupported(msg: string, detail?: unknown): never {
  throw new LstmError(LSTM_ERR.UNSUPPORTED, msg, detail);
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Recognises a vanilla / cifg / gru layout from its groups; LSTM_ERR_UNSUPPORTED otherwise. */
function analyse(groups: readonly ParamGroup[], nParams: number): LayoutInfo {
  const byName = new Map<string, ParamGroup>();
  for (const g of groups) {
    if (byName.has(g.name)) unsupported(`parameter group ${g.name} appears twice`);
    if (g.offset < 0 || g.offset + size(g.shape) > nParams) unsupported(`parameter group ${g.name} lies outside params`);
    byName.set(g.name, g);
  }
  const kind: RecurrentKind | null = byName.has('Wr') ? 'gru' : byName.has('Wz') ? (byName.has('Wi') ? 'vanilla' : 'cifg') : null;
  if (!kind) unsupported('parameter groups are not a vanilla, cifg or gru layout (no Wz or Wr)');
  const first = `W${LAYER_GATES[kind][0]}`;
  const peepholes = byName.has(PEEPHOLES[kind][0] ?? '\0');
  const layers: LayerInfo[] = [];
  const seen = new Set<string>();
  const expectShape = (name: string, shape: number[]): void => {
    const g = byName.get(name);
    if (!g) unsupported(`parameter group ${name} is missing from the ${kind} layout`);
    if (g.shape.join('x') !== shape.join('x')) unsupported(`parameter group ${name} has shape [${g.shape.join(', ')}], expected [${shape.join(', ')}]`);
    seen.add(name);
  };
  for (let l = 0; byName.has(`${prefixOf(l)}${first}`); l++) {
    const prefix = prefixOf(l);
    const [H, X] = byName.get(`${prefix}${first}`)!.shape;
    if (l > 0 && X !== layers[l - 1].H) unsupported(`layer ${l} has ${X} inputs, layer ${l - 1} has ${layers[l - 1].H} units`);
    for (const g of LAYER_GATES[kind]) {
      expectShape(`${prefix}W${g}`, [H, X]);
      expectShape(`${prefix}R${g}`, [H, H]);
      expectShape(`${prefix}b${g}`, [H]);
    }
    if (peepholes) for (const name of PEEPHOLES[kind]) expectShape(`${prefix}${name}`, [H]);
    if (kind === 'gru') expectShape(`${prefix}bRn`, [H]);
    layers.push({ prefix, X, H });
  }
  const V = byName.get('V');
  if (!V || V.shape.length !== 2) unsupported('parameter group V (K×H) is missing');
  const K = V.shape[0];
  expectShape('V', [K, layers[layers.length - 1].H]);
  expectShape('bv', [K]);
  for (const name of byName.keys()) if (!seen.has(name)) unsupported(`parameter group ${name} is not part of a ${kind} layout`);
  return { kind, peepholes, layers, K, byName };
}

function view(buf: Float64Array, info: LayoutInfo, name: string): Float64Array {
  const g = info.byName.get(name)!;
  return buf.subarray(g.offset, g.offset + size(g.shape));
}

interface TorchNames {
  wih: string;
  whh: string;
  bih: string;
  bhh: string;
}

function resolve(opts: PytorchOptions, info: LayoutInfo): { names: TorchNames[]; headW: string; headB: string } {
  const rnn = opts.rnnPrefix ?? DEFAULT_RNN_PREFIX;
  const head = opts.headPrefix ?? DEFAULT_HEAD_PREFIX;
  if (opts.cell && info.layers.length !== 1) unsupported(`nn.${info.kind === 'gru' ? 'GRU' : 'LSTM'}Cell has one layer, this model has ${info.layers.length}`);
  const names = info.layers.map((_, l) => {
    const s = opts.cell ? '' : `_l${l}`;
    return { wih: `${rnn}weight_ih${s}`, whh: `${rnn}weight_hh${s}`, bih: `${rnn}bias_ih${s}`, bhh: `${rnn}bias_hh${s}` };
  });
  return { names, headW: `${head}weight`, headB: `${head}bias` };
}

function torchKind(info: LayoutInfo, verb: string): 'vanilla' | 'gru' {
  if (info.kind === 'cifg') unsupported(`cannot ${verb} a cifg model: PyTorch has no coupled input-forget LSTM`);
  return info.kind;
}

/** Carousel params -> a PyTorch state dict (nn.LSTM / nn.GRU, or the *Cell names, plus the head). */
export function exportPytorch(groups: readonly ParamGroup[], params: Float64Array, opts: PytorchOptions = {}): StateDict {
  const info = analyse(groups, params.length);
  const kind = torchKind(info, 'export');
  if (info.peepholes) unsupported('cannot export a model with peepholes: PyTorch nn.LSTM has none');
  const { names, headW, headB } = resolve(opts, info);
  const order = TORCH_ORDER[kind];
  const G = order.length;
  const out: StateDict = {};
  info.layers.forEach(({ prefix, X, H }, l) => {
    const wih = new Float64Array(G * H * X); // (G·H × X)
    const whh = new Float64Array(G * H * H); // (G·H × H)
    const bih = new Float64Array(G * H); // (G·H)
    const bhh = new Float64Array(G * H); // (G·H), zero except GRU's b_hn
    order.forEach((g, k) => {
      wih.set(view(params, info, `${prefix}W${g}`), k * H * X);
      whh.set(view(params, info, `${prefix}R${g}`), k * H * H);
      bih.set(view(params, info, `${prefix}b${g}`), k * H);
    });
    if (kind === 'gru') bhh.set(view(params, info, `${prefix}bRn`), 2 * H);
    const n = names[l];
    out[n.wih] = { shape: [G * H, X], data: wih };
    out[n.whh] = { shape: [G * H, H], data: whh };
    out[n.bih] = { shape: [G * H], data: bih };
    out[n.bhh] = { shape: [G * H], data: bhh };
  });
  out[headW] = { shape: [info.K, info.layers[info.layers.length - 1].H], data: view(params, info, 'V').slice() };
  out[headB] = { shape: [info.K], data: view(params, info, 'bv').slice() };
  return out;
}

function badTensor(name: string, msg: string): never {
  throw new LstmError(LSTM_ERR.CHECKPOINT, `tensor ${name}: ${msg}`, { tensor: name });
}

/** b_ih + b_hh, keeping b_ih's bits (e.g. -0) when b_hh is zero, so export -> import is bit-exact. */
function biasSum(ih: number, hh: number): number {
  return hh === 0 ? ih : ih + hh;
}

/**
 * Fills `params` from a PyTorch state dict. Every expected tensor must be present with exactly the
 * expected shape and finite values, and no other tensor may be present unless allowUnexpected:
 * otherwise LSTM_ERR_CHECKPOINT naming the tensor, and params is untouched. Peephole groups, if
 * the layout has them, are set to zero (PyTorch has none). A cifg layout, a projection
 * (weight_hr_*) or a bidirectional (*_reverse) dict is LSTM_ERR_UNSUPPORTED.
 */
export function importPytorch(stateDict: StateDict, groups: readonly ParamGroup[], params: Float64Array, opts: PytorchOptions = {}): void {
  const info = analyse(groups, params.length);
  const kind = torchKind(info, 'import into');
  const { names, headW, headB } = resolve(opts, info);
  const order = TORCH_ORDER[kind];
  const G = order.length;
  const rnn = opts.rnnPrefix ?? DEFAULT_RNN_PREFIX;
  for (const name of Object.keys(stateDict)) {
    const local = name.startsWith(rnn) ? name.slice(rnn.length) : '';
    if (/^weight_hr(_l\d+)?$/.test(local)) unsupported(`tensor ${name}: LSTM projections (proj_size) are not supported`, { tensor: name });
    if (/_reverse$/.test(local)) unsupported(`tensor ${name}: bidirectional models are not supported`, { tensor: name });
  }
  const expected = new Map<string, number[]>();
  info.layers.forEach(({ X, H }, l) => {
    const n = names[l];
    expected.set(n.wih, [G * H, X]);
    expected.set(n.whh, [G * H, H]);
    expected.set(n.bih, [G * H]);
    expected.set(n.bhh, [G * H]);
  });
  expected.set(headW, [info.K, info.layers[info.layers.length - 1].H]);
  expected.set(headB, [info.K]);
  for (const [name, shape] of expected) {
    const t = stateDict[name];
    if (t === undefined) badTensor(name, `missing (expected shape [${shape.join(', ')}])`);
    if (!Array.isArray(t.shape) || t.shape.join('x') !== shape.join('x')) {
      badTensor(name, `shape [${Array.isArray(t.shape) ? t.shape.join(', ') : String(t.shape)}], expected [${shape.join(', ')}]`);
    }
    if (!(t.data instanceof Float64Array) || t.data.length !== size(shape)) badTensor(name, `data must be a Float64Array of ${size(shape)} values`);
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) badTensor(name, `value ${i} is ${t.data[i]}`);
  }
  if (!opts.allowUnexpected) {
    for (const name of Object.keys(stateDict)) if (!expected.has(name)) badTensor(name, 'unexpected in this model (pass allowUnexpected to ignore)');
  }

  const next = params.slice();
  info.layers.forEach(({ prefix, X, H }, l) => {
    const n = names[l];
    const wih = stateDict[n.wih].data; // (G·H × X)
    const whh = stateDict[n.whh].data; // (G·H × H)
    const bih = stateDict[n.bih].data; // (G·H)
    const bhh = stateDict[n.bhh].data; // (G·H)
    order.forEach((g, k) => {
      view(next, info, `${prefix}W${g}`).set(wih.subarray(k * H * X, (k + 1) * H * X));
      view(next, info, `${prefix}R${g}`).set(whh.subarray(k * H * H, (k + 1) * H * H));
      const b = view(next, info, `${prefix}b${g}`);
      const gruN = kind === 'gru' && g === 'n';
      for (let j = 0; j < H; j++) b[j] = gruN ? bih[k * H + j] : biasSum(bih[k * H + j], bhh[k * H + j]);
    });
    if (kind === 'gru') view(next, info, `${prefix}bRn`).set(bhh.subarray(2 * H, 3 * H));
    if (info.peepholes) for (const p of PEEPHOLES[kind]) view(next, info, `${prefix}${p}`).fill(0);
  });
  view(next, info, 'V').set(stateDict[headW].data);
  view(next, info, 'bv').set(stateDict[headB].data);
  params.set(next);
}

/**
 * A state dict from JSON as `{k: v.tolist() for k, v in model.state_dict().items()}` produces:
 * each value a number (0-d) or rectangular nested arrays of numbers. Otherwise LSTM_ERR_CHECKPOINT.
 */
export function stateDictFromJson(json: unknown): StateDict {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new LstmError(LSTM_ERR.CHECKPOINT, 'state dict JSON must be an object');
  const out: StateDict = {};
  for (const [name, value] of Object.entries(json)) {
    const shape: number[] = [];
    for (let v: unknown = value; Array.isArray(v); v = v[0]) shape.push(v.length);
    const data = new Float64Array(size(shape));
    let at = 0;
    const walk = (v: unknown, d: number): void => {
      if (d === shape.length) {
        if (typeof v !== 'number') badTensor(name, `${JSON.stringify(v)} is not a number`);
        data[at++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[d]) badTensor(name, `ragged at depth ${d} (expected ${shape[d]} entries)`);
      for (const x of v) walk(x, d + 1);
    };
    walk(value, 0);
    out[name] = { shape, data };
  }
  return out;
}

/** The inverse of stateDictFromJson: nested number arrays, as torch.tensor(...) accepts. */
export function stateDictToJson(sd: StateDict): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(sd)) {
    let at = 0;
    const build = (d: number): unknown => {
      if (d === t.shape.length) return t.data[at++];
      return Array.from({ length: t.shape[d] }, () => build(d + 1));
    };
    out[name] = build(0);
  }
  return out;
}
