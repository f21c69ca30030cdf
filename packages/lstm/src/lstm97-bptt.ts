// The exact backward pass of the 1997 LSTM family (LSTM-SPEC 1.2, 2.1, 2.2) over cached steps:
// the building block of TBPTT and full BPTT (lstm97-tbptt.ts). Unlike the truncated rule of
// rtrl97.ts, error flows through r(t-1) into every gate, cell and hidden unit, back through the
// CEC (factor y_φ) and through the peepholes into s. Also the per-step cache it reads and the
// per-stream ring that holds the caches. No forward pass here: caches are copied from the state
// lstm97Forward leaves behind (cacheLstm97Step).
//
// Dimensions: I inputs, C blocks, S cells per block, N = C·S, U conventional hidden units,
// K outputs, R = |r(t)|, Zg/Zc/Zh fan-in of gates/cells/hidden units, Z = zBase + 1, O = |o(t)|.
//   z(t) = [x (I); r(t-1) (R, unless cellSources = 'inputs'); 1]
//   r(t) = [y_c (N); y_in (C); y_φ (C if forget); y_out (C if output gate); y_h (U)]
//   o(t) = [y_c (N); y_h (U); x (I if connectivity B); 1 (if output bias)]

import { squash, squashPrime } from './activations.ts';
import type { Lstm97Layout, Lstm97State } from './lstm97.ts';
import type { Lstm97Spec } from './lstm97-config.ts';

/** What one forward step leaves for the backward pass (views into the ring's slab). */
export interface Lstm97StepCache {
  readonly z: Float64Array; //     Z        z(t), holding r(t-1)
  readonly sPrev: Float64Array; // N        s(t-1)
  readonly s: Float64Array; //     N        s(t)
  readonly net: Float64Array; //   3C+N+U   nets without peepholes [in; φ; out; c; h]
  readonly yIn: Float64Array; //   C
  readonly yFg: Float64Array; //   C        (1 without forget gate)
  readonly yOut: Float64Array; //  C        (1 without output gate)
  readonly hS: Float64Array; //    N        h(s(t))
  readonly yH: Float64Array; //    U
  readonly o: Float64Array; //     O        output sources
  readonly y: Float64Array; //     K        outputs y(t)
  readonly gK: Float64Array; //    K        weight·dE/dnet_k recorded by learn(), valid when hasTarget
}

/** The last `capacity` step caches of one stream, allocated once in one slab. */
export interface Lstm97Ring {
  /** Number of slots (steps held). */
  readonly capacity: number;
  readonly slots: readonly Lstm97StepCache[];
  /** 1 where the slot's step has a recorded target. */
  readonly hasTarget: Uint8Array;
  /** Floats held, for memory accounting. */
  readonly floats: number;
}

/** Floats one step cache needs. */
export function lstm97SlotSize(spec: Lstm97Spec): number {
  const { blocks: C, cells: N, hiddenUnits: U, outputs: K } = spec;
  return spec.zBase + 1 + 3 * N + (3 * C + N + U) + 3 * C + U + spec.outSources + 2 * K;
}

/** Allocates a ring of `capacity` step caches in one slab. */
export function createLstm97Ring(spec: Lstm97Spec, capacity: number): Lstm97Ring {
  const { blocks: C, cells: N, hiddenUnits: U, outputs: K } = spec;
  const size = lstm97SlotSize(spec);
  const slab = new Float64Array(size * capacity);
  const slots: Lstm97StepCache[] = [];
  for (let i = 0; i < capacity; i++) {
    let at = i * size;
    const take = (n: number): Float64Array => slab.subarray(at, (at += n));
    slots.push(
      Object.freeze({
        z: take(spec.zBase + 1),
        sPrev: take(N),
        s: take(N),
        net: take(3 * C + N + U),
        yIn: take(C),
        yFg: take(C),
        yOut: take(C),
        hS: take(N),
        yH: take(U),
        o: take(spec.outSources),
        y: take(K),
        gK: take(K),
      }),
    );
  }
  return Object.freeze({ capacity, slots: Object.freeze(slots), hasTarget: new Uint8Array(capacity), floats: slab.length });
}

/** Copies what the backward pass needs from the state of a finished forward step into `slot`. */
export function cacheLstm97Step(slot: Lstm97StepCache, st: Lstm97State): void {
  slot.z.set(st.z);
  slot.sPrev.set(st.sPrev);
  slot.s.set(st.s);
  slot.net.set(st.net);
  slot.yIn.set(st.yIn);
  slot.yFg.set(st.yFg);
  slot.yOut.set(st.yOut);
  slot.hS.set(st.hS);
  slot.yH.set(st.yH);
  slot.o.set(st.o);
  slot.y.set(st.y);
}

/** Backward scratch, shared by all streams of a learner (the backward pass is synchronous). */
export interface Lstm97BackwardScratch {
  readonly dz: Float64Array; //  Z  dE/dz(t)
  readonly dyc: Float64Array; // N  dE/dy_c(t)
  readonly dyH: Float64Array; // U  dE/dy_h(t)
  readonly dsT: Float64Array; // N  dE/ds(t), all paths
  /** (R) dE/dr(t) arriving from t+1, and (R) dE/dr(t-1) being assembled; swapped per step. */
  dr: Float64Array;
  drNext: Float64Array;
  /** (N) dE/ds(t) arriving from t+1 (CEC and peepholes), and dE/ds(t-1) being assembled. */
  ds: Float64Array;
  dsNext: Float64Array;
}

export function createLstm97BackwardScratch(spec: Lstm97Spec): Lstm97BackwardScratch {
  const { cells: N, hiddenUnits: U, recurrent: R } = spec;
  return {
    dz: new Float64Array(spec.zBase + 1),
    dyc: new Float64Array(N),
    dyH: new Float64Array(U),
    dsT: new Float64Array(N),
    dr: new Float64Array(R),
    drNext: new Float64Array(R),
    ds: new Float64Array(N),
    dsNext: new Float64Array(N),
  };
}

/** grad[row] += d·z ; dz += d·p[row]  (one weight row of a unit with net-input error d). */
function rowBackward(grad: Float64Array, dz: Float64Array, p: Float64Array, row: number, z: Float64Array, d: number, len: number): void {
  if (d === 0) return;
  for (let i = 0; i < len; i++) {
    grad[row + i] += d * z[i];
    dz[i] += p[row + i] * d;
  }
}

/**
 * The exact backward pass of one step. Given the errors arriving from step t+1 (dr, ds) and the
 * output error of step t (gK, or null when none is injected), adds dE/dθ into grad and writes
 * dE/dr(t-1) into drPrev and dE/ds(t-1) into dsPrev.
 */
export function lstm97Backward(
  drPrev: Float64Array, // (R) = dE/dr(t-1)
  dsPrev: Float64Array, // (N) = dE/ds(t-1)
  grad: Float64Array, //   (W) += dE/dθ
  sc: Lstm97BackwardScratch,
  gK: Float64Array | null, // (K) dE/dnet_k of step t
  dr: Float64Array, //     (R) dE/dr(t) from step t+1
  ds: Float64Array, //     (N) dE/ds(t) from step t+1
  c: Lstm97StepCache,
  p: Float64Array,
  L: Lstm97Layout,
): void {
  const spec = L.spec;
  const { inputs: I, blocks: C, cellsPerBlock: S, cells: N, hiddenUnits: U, outputs: K, zGate: Zg, zCell: Zc, zHidden: Zh, outSources: O } = spec;
  const { dz, dyc, dyH, dsT } = sc;
  const { z, sPrev, s, net, yIn, yFg, yOut, hS, yH, o } = c;
  const rIn = N;
  const rFg = rIn + C;
  const rOut = rFg + (spec.forgetGate ? C : 0);
  const rH = rOut + (spec.outputGate ? C : 0);

  // dE/dy_c and dE/dy_h: through r(t) from step t+1 ...
  for (let n = 0; n < N; n++) dyc[n] = dr[n];
  for (let u = 0; u < U; u++) dyH[u] = dr[rH + u];
  // ... and through o(t) from the output units: dE/dW_k[k] += gK_k·o, dE/do += W_kᵀ gK
  if (gK) {
    for (let k = 0; k < K; k++) {
      const g = gK[k];
      if (g === 0) continue;
      const row = L.W_k + k * O;
      for (let i = 0; i < O; i++) grad[row + i] += g * o[i];
      for (let n = 0; n < N; n++) dyc[n] += p[row + n] * g;
      for (let u = 0; u < U; u++) dyH[u] += p[row + N + u] * g;
    }
  }
  dz.fill(0);

  // Conventional hidden units: y_h = f(W_h·z)
  for (let u = 0; u < U; u++) {
    const d = yH[u] * (1 - yH[u]) * dyH[u];
    rowBackward(grad, dz, p, L.W_h + u * Zh, z, d, Zh);
  }

  for (let j = 0; j < C; j++) {
    const c0 = j * S;
    const yi = yIn[j];
    const yf = yFg[j];
    const yo = yOut[j];

    // Output gate: y_c = y_out·h(s(t)), net_out = W_out·z + Σ_v p_out·s(t)
    let dNetOut = 0;
    if (L.W_out >= 0) {
      let dyo = dr[rOut + j];
      for (let v = 0; v < S; v++) dyo += hS[c0 + v] * dyc[c0 + v];
      dNetOut = yo * (1 - yo) * dyo;
    }

    // dE/ds(t), then through s(t) = y_φ·s(t-1) + y_in·g(net_c)
    let dyi = dr[rIn + j];
    let dyf = spec.forgetGate ? dr[rFg + j] : 0;
    for (let v = 0; v < S; v++) {
      const n = c0 + v;
      let d = ds[n]; //                                         the CEC and peepholes of step t+1
      d += yo * squashPrime(spec.h, s[n]) * dyc[n]; //          the cell output
      if (L.p_out >= 0) d += p[L.p_out + n] * dNetOut; //        the output-gate peephole
      dsT[n] = d;
      const netC = net[3 * C + n];
      dyi += squash(spec.g, netC) * d; //                      ∂s/∂y_in = g(net_c)
      dyf += sPrev[n] * d; //                                   ∂s/∂y_φ = s(t-1)
      dsPrev[n] = yf * d; //                                    the CEC, factor y_φ (1 without forget gate)
      rowBackward(grad, dz, p, L.W_c + n * Zc, z, yi * squashPrime(spec.g, netC) * d, Zc);
    }

    // Input gate: net_in = W_in·z + Σ_v p_in·s(t-1)
    const dNetIn = yi * (1 - yi) * dyi;
    rowBackward(grad, dz, p, L.W_in + j * Zg, z, dNetIn, Zg);
    if (L.p_in >= 0) {
      for (let v = 0; v < S; v++) {
        grad[L.p_in + c0 + v] += dNetIn * sPrev[c0 + v];
        dsPrev[c0 + v] += p[L.p_in + c0 + v] * dNetIn;
      }
    }

    // Forget gate: net_φ = W_φ·z + Σ_v p_φ·s(t-1)
    if (L.W_fg >= 0) {
      const dNetFg = yf * (1 - yf) * dyf;
      rowBackward(grad, dz, p, L.W_fg + j * Zg, z, dNetFg, Zg);
      if (L.p_fg >= 0) {
        for (let v = 0; v < S; v++) {
          grad[L.p_fg + c0 + v] += dNetFg * sPrev[c0 + v];
          dsPrev[c0 + v] += p[L.p_fg + c0 + v] * dNetFg;
        }
      }
    }

    if (L.W_out >= 0) {
      rowBackward(grad, dz, p, L.W_out + j * Zg, z, dNetOut, Zg);
      if (L.p_out >= 0) for (let v = 0; v < S; v++) grad[L.p_out + c0 + v] += dNetOut * s[c0 + v];
    }
  }

  // dE/dr(t-1) is the recurrent part of dE/dz(t)
  if (spec.cellSources === 'all') for (let i = 0; i < spec.recurrent; i++) drPrev[i] = dz[I + i];
  else if (spec.cellSources === 'cells') {
    drPrev.fill(0);
    for (let i = 0; i < N; i++) drPrev[i] = dz[I + i];
  } else drPrev.fill(0);
}

/**
 * Backpropagates through the `len` most recent steps of the ring (newest at slot `newest`),
 * injecting recorded output errors only for the `inject` most recent ones; the state entering the
 * window is a constant and nothing flows out of it. Adds dE/dθ into grad.
 */
export function lstm97BackwardWindow(
  grad: Float64Array, // (W) += dE/dθ
  sc: Lstm97BackwardScratch,
  ring: Lstm97Ring,
  newest: number, // slot index of the latest step
  len: number, //    window length, steps (≤ ring.capacity)
  inject: number, // errors of the last `inject` steps are injected
  p: Float64Array,
  L: Lstm97Layout,
): void {
  sc.drNext.fill(0);
  sc.dsNext.fill(0);
  for (let j = 0; j < len; j++) {
    const idx = (newest - j + ring.capacity) % ring.capacity;
    // the carries of step t+1 become this step's incoming errors (swap, no copy)
    const dr = sc.drNext;
    sc.drNext = sc.dr;
    sc.dr = dr;
    const ds = sc.dsNext;
    sc.dsNext = sc.ds;
    sc.ds = ds;
    const slot = ring.slots[idx];
    const gK = j < inject && ring.hasTarget[idx] === 1 ? slot.gK : null;
    lstm97Backward(sc.drNext, sc.dsNext, grad, sc, gK, sc.dr, sc.ds, slot, p, L);
  }
}
