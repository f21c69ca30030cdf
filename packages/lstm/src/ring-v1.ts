// Reading a RecurrentLearner stream record written before the compact ring (ring.ts): then the
// ring held `slots`, each a record of views (x, layers [{ hPrev, cPrev, act, c, aux, h }], a, y,
// dA), and the stream h0/c0 (the state entering step 0). The upgrade is lossless: a slot keeps
// x, dA, act, hPrev, cPrev and aux; the state after the newest step (and its a, y) moves to the
// stream's h, c, a, y. Not a general migration framework: only this one change of shape.

import type { StateRecord, StateValue } from './checkpoint.ts';
import { LSTM_ERR, LstmError } from './errors.ts';
import type { SlotLayout } from './ring.ts';

/** True if `rec` is a stream record of the slot-per-view ring. */
export function isRingV1(rec: StateRecord): boolean {
  const ring = rec.ring;
  return ring !== null && typeof ring === 'object' && !Array.isArray(ring) && !(ring instanceof Float64Array) && Array.isArray(ring.slots);
}

/** The record in the current shape; LSTM_ERR_CHECKPOINT if it is not a well-formed v1 record of this slot layout. */
export function upgradeRingV1(rec: StateRecord, sl: SlotLayout): StateRecord {
  const bad = (what: string): never => {
    throw new LstmError(LSTM_ERR.CHECKPOINT, `stream record (slot ring) does not fit this model: ${what}`);
  };
  const rec2 = (v: StateValue | undefined, what: string): StateRecord =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Float64Array) ? v : bad(`${what} is not a record`);
  const list = (v: StateValue | undefined, n: number, what: string): StateValue[] =>
    Array.isArray(v) && v.length === n ? v : bad(`${what} is not a list of ${n}`);
  const vec = (v: StateValue | undefined, n: number, what: string): Float64Array =>
    v instanceof Float64Array && v.length === n ? v : bad(`${what} is not ${n} values`);
  const ring = rec2(rec.ring, 'ring');
  const capacity = ring.capacity;
  if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1) bad('ring.capacity');
  const cap = capacity as number;
  const slots = list(ring.slots, cap, 'ring.slots');
  const nL = sl.layers.length;
  const slab = new Float64Array(cap * sl.size);
  slots.forEach((v, i) => {
    const slot = rec2(v, `slot ${i}`);
    const base = i * sl.size;
    slab.set(vec(slot.x, sl.X, `slot ${i} x`), base + sl.x);
    slab.set(vec(slot.dA, sl.K, `slot ${i} dA`), base + sl.dA);
    const layers = list(slot.layers, nL, `slot ${i} layers`);
    sl.layers.forEach((o, l) => {
      const m = rec2(layers[l], `slot ${i} layer ${l}`);
      slab.set(vec(m.act, o.G, `slot ${i} layer ${l} act`), base + o.act);
      slab.set(vec(m.hPrev, o.H, `slot ${i} layer ${l} hPrev`), base + o.hPrev);
      if (o.cPrev >= 0) slab.set(vec(m.cPrev, o.H, `slot ${i} layer ${l} cPrev`), base + o.cPrev);
      slab.set(vec(m.aux, o.H, `slot ${i} layer ${l} aux`), base + o.aux);
    });
  });
  const { t, newest } = rec;
  if (typeof t !== 'number' || typeof newest !== 'number' || !Number.isInteger(newest) || newest < 0 || newest >= cap) bad('t or newest');
  // The state after the latest step: the newest slot's h, c (a, y) once a step ran, else h0, c0.
  const last = (t as number) > 0 ? rec2(slots[newest as number], 'newest slot') : null;
  const lastLayers = last ? list(last.layers, nL, 'newest slot layers') : null;
  const h0 = list(rec.h0, nL, 'h0');
  const c0 = list(rec.c0, nL, 'c0');
  const h = sl.layers.map((o, l) => vec(lastLayers ? rec2(lastLayers[l], 'layer').h : h0[l], o.H, `h[${l}]`).slice());
  const c = sl.layers.map((o, l) => vec(lastLayers ? rec2(lastLayers[l], 'layer').c : c0[l], o.cPrev < 0 ? 0 : o.H, `c[${l}]`).slice());
  const a = last ? vec(last.a, sl.K, 'a').slice() : new Float64Array(sl.K);
  const y = last ? vec(last.y, sl.K, 'y').slice() : new Float64Array(sl.K);
  const out: StateRecord = { ...rec, ring: { capacity: cap, slab, hasTarget: ring.hasTarget ?? null, floats: slab.length }, h, c, a, y };
  delete out.h0;
  delete out.c0;
  return out;
}
