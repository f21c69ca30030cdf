// The flat parameter layout of the modern recurrent family: gate orders, group names and the
// offsets the kernels read. Checkpoints and the PyTorch importer rely on these names and this
// order, so they never change. Also the seeded initialisation. Not the 1997 layout.
//
// Per layer (layer 0 unprefixed, layer l >= 1 prefixed 'l<l>.'), each gate g owns a contiguous
// block [W_g (H×Xin), R_g (H×H), b_g (H)], gates in the order below; then
//   vanilla: pi, pf, po (H each, only with peepholes)      cifg: pf, po (only with peepholes)
//   gru: bRn (H), the hidden-side bias inside r ⊙ (Rn h + bRn)
// After all layers: V (K×H_last), bv (K).

import type { ParamGroup } from './learner.ts';
import { createRng } from './prng.ts';
import type { RecurrentCell, RecurrentConfig } from './recurrent-options.ts';

/** Gate order of the vanilla LSTM: block input z, input gate i, forget gate f, output gate o. */
export const VANILLA_GATES = ['z', 'i', 'f', 'o'] as const;
/** Gate order of the coupled input-forget LSTM (i = 1 − f). */
export const CIFG_GATES = ['z', 'f', 'o'] as const;
/** Gate order of the GRU: reset r, update u, candidate n. */
export const GRU_GATES = ['r', 'u', 'n'] as const;
/** Peephole vectors, in layout order, by cell kind. */
export const PEEPHOLE_GROUPS = { vanilla: ['pi', 'pf', 'po'], cifg: ['pf', 'po'], gru: [] } as const;
/** Gate order by cell kind. */
export const GATE_ORDER: Readonly<Record<RecurrentCell, readonly string[]>> = {
  vanilla: VANILLA_GATES,
  cifg: CIFG_GATES,
  gru: GRU_GATES,
};

/** Where one layer's parameters live in the flat buffer; what the kernels read. */
export interface LayerLayout {
  readonly cell: RecurrentCell;
  /** Inputs of this layer (X for layer 0, the hidden size below otherwise). */
  readonly Xin: number;
  /** Hidden size. */
  readonly H: number;
  /** Number of gates (4 vanilla, 3 cifg, 3 gru); the gate block of this layer is nG·H wide. */
  readonly nG: number;
  /** Offset of the first gate block; gate g's W is at offset + g·gateStride. */
  readonly offset: number;
  /** H·Xin + H·H + H: one gate's W, R and b. */
  readonly gateStride: number;
  /** Offset of the peephole vectors (pi? pf po, H each), or -1 without peepholes. */
  readonly peep: number;
  /** Offset of bRn (gru), else -1. */
  readonly bRn: number;
}

/** The readout V h + bv. */
export interface HeadLayout {
  readonly K: number;
  readonly H: number;
  /** Offset of V (K×H). */
  readonly V: number;
  /** Offset of bv (K). */
  readonly bv: number;
}

export interface RecurrentLayout {
  /** Total number of parameters. */
  readonly size: number;
  readonly groups: readonly ParamGroup[];
  readonly layers: readonly LayerLayout[];
  readonly head: HeadLayout;
}

/** Prefix of layer l's group names: '' for layer 0, 'l<l>.' otherwise. */
export function layerPrefix(l: number): string {
  return l === 0 ? '' : `l${l}.`;
}

/** Builds the layout of a parsed config; group order as in the file header. */
export function buildRecurrentLayout(cfg: RecurrentConfig): RecurrentLayout {
  const groups: ParamGroup[] = [];
  const layers: LayerLayout[] = [];
  let off = 0;
  const add = (name: string, shape: number[]): number => {
    const at = off;
    groups.push(Object.freeze({ name, offset: at, shape: Object.freeze(shape) }));
    off += shape.reduce((a, b) => a * b, 1);
    return at;
  };
  let Xin = cfg.inputs;
  cfg.hidden.forEach((H, l) => {
    const p = layerPrefix(l);
    const gates = GATE_ORDER[cfg.cell];
    const offset = off;
    for (const g of gates) {
      add(`${p}W${g}`, [H, Xin]);
      add(`${p}R${g}`, [H, H]);
      add(`${p}b${g}`, [H]);
    }
    let peep = -1;
    if (cfg.peepholes) {
      peep = off;
      for (const name of PEEPHOLE_GROUPS[cfg.cell]) add(`${p}${name}`, [H]);
    }
    const bRn = cfg.cell === 'gru' ? add(`${p}bRn`, [H]) : -1;
    layers.push(Object.freeze({ cell: cfg.cell, Xin, H, nG: gates.length, offset, gateStride: H * Xin + H * H + H, peep, bRn }));
    Xin = H;
  });
  const K = cfg.outputs;
  const V = add('V', [K, Xin]);
  const bv = add('bv', [K]);
  return Object.freeze({
    size: off,
    groups: Object.freeze(groups),
    layers: Object.freeze(layers),
    head: Object.freeze({ K, H: Xin, V, bv }),
  });
}

/** The group called `name`, or undefined. */
export function findGroup(layout: RecurrentLayout, name: string): ParamGroup | undefined {
  return layout.groups.find((g) => g.name === name);
}

/** A view of `buf` (params or grad) over the group called `name`; throws if there is none. */
export function groupView(buf: Float64Array, layout: RecurrentLayout, name: string): Float64Array {
  const g = findGroup(layout, name);
  if (!g) throw new Error(`no parameter group ${name}`);
  return buf.subarray(g.offset, g.offset + g.shape.reduce((a, b) => a * b, 1));
}

/**
 * Seeded initialisation: every parameter uniform in [-initRange, initRange] drawn in layout
 * order from createRng(seed), then every forget bias bf set to forgetBias.
 */
export function initRecurrentParams(params: Float64Array, layout: RecurrentLayout, cfg: RecurrentConfig): void {
  const rng = createRng(cfg.seed);
  const r = cfg.initRange;
  for (let i = 0; i < layout.size; i++) params[i] = rng.range(-r, r);
  if (cfg.cell === 'gru') return;
  for (let l = 0; l < layout.layers.length; l++) groupView(params, layout, `${layerPrefix(l)}bf`).fill(cfg.forgetBias);
}
