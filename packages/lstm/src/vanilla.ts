// Forward/backward kernels of one layer of the vanilla LSTM (Greff et al., LSTM-SPEC 2.3) and of
// its coupled input-forget variant CIFG (i = 1 − f). Pure functions over typed arrays, no
// allocation (for B ≥ 4 on the wasm backend the whole layer step runs in wasm-kernels.ts, the same
// bits). Not the 1997 cell (lstm97*.ts) and not the time loop (recurrent-net.ts).
//
// Dimensions: B streams, Xin inputs of the layer, H hidden units, nG gates (4 vanilla, 3 cifg),
// G = nG·H. Gate order in `act` and `dgate`: vanilla [z | i | f | o], cifg [z | f | o].
//
//   z = tanh(Wz x + Rz y_{t-1} + bz)
//   i = σ(Wi x + Ri y_{t-1} + pi ⊙ c_{t-1} + bi)          cifg: i = 1 − f
//   f = σ(Wf x + Rf y_{t-1} + pf ⊙ c_{t-1} + bf)
//   c = z ⊙ i + c_{t-1} ⊙ f
//   o = σ(Wo x + Ro y_{t-1} + po ⊙ c + bo)
//   y = tanh(c) ⊙ o

import { sigmoid } from './activations.ts';
import type { LayerLayout } from './recurrent-layout.ts';
import { wasmFor, wasmGatePreactivations, wasmSquash, wasmVanillaForward } from './wasm-kernels.ts';
import type { SingleKernels } from './wasm-single.ts';

/**
 * Gate pre-activations b_g + W_g x + R_g h for every gate, row and stream. The loop order reuses
 * each weight row across the B streams; each dot product is summed in the same order whatever B
 * is, so batched and one-by-one results are bit-identical.
 */
export function gatePreactivations(
  pre: Float64Array, // (B, G) out
  x: Float64Array, // (B, Xin)
  hPrev: Float64Array, // (B, H)
  params: Float64Array,
  L: LayerLayout,
  nRecurrent: number, // gates 0..nRecurrent-1 read R_g h; later gates only W_g x (gru's n)
  B: number,
  kern?: SingleKernels | null, // a learner's single-stream kernels (B = 1, every array in its memory)
): void {
  const k = wasmFor(B);
  if (k) {
    wasmGatePreactivations(k, pre, x, hPrev, params, L, nRecurrent, B);
    return;
  }
  const { Xin, H, nG, offset, gateStride } = L;
  const G = nG * H;
  if (B === 1 && kern && kern.ownsAll([pre, x, hPrev, params])) {
    for (let g = 0; g < nG; g++) {
      const W = offset + g * gateStride;
      kern.gatePre(pre, g * H, params, W + H * Xin + H * H, W, x, Xin, W + H * Xin, hPrev, g < nRecurrent ? H : 0, H);
    }
    return;
  }
  for (let g = 0; g < nG; g++) {
    const W = offset + g * gateStride; // (H, Xin)
    const R = W + H * Xin; // (H, H)
    const bias = R + H * H; // (H)
    const withR = g < nRecurrent;
    // Four rows at a time, two streams at a time: eight independent multiply-add chains, each
    // still summed in order (bias, W x, R h), so any B gives the same bits as B = 1.
    let r = 0;
    for (; r + 3 < H; r += 4) {
      const w0 = W + r * Xin;
      const r0 = R + r * H;
      let b = 0;
      for (; b + 1 < B; b += 2) {
        const xb = b * Xin;
        const xc = xb + Xin;
        const hb = b * H;
        const hc = hb + H;
        let a0 = params[bias + r];
        let a1 = params[bias + r + 1];
        let a2 = params[bias + r + 2];
        let a3 = params[bias + r + 3];
        let c0 = a0;
        let c1 = a1;
        let c2 = a2;
        let c3 = a3;
        for (let j = 0; j < Xin; j++) {
          const xj = x[xb + j];
          const yj = x[xc + j];
          const p0 = params[w0 + j];
          const p1 = params[w0 + Xin + j];
          const p2 = params[w0 + 2 * Xin + j];
          const p3 = params[w0 + 3 * Xin + j];
          a0 += p0 * xj;
          a1 += p1 * xj;
          a2 += p2 * xj;
          a3 += p3 * xj;
          c0 += p0 * yj;
          c1 += p1 * yj;
          c2 += p2 * yj;
          c3 += p3 * yj;
        }
        if (withR) {
          for (let j = 0; j < H; j++) {
            const hj = hPrev[hb + j];
            const kj = hPrev[hc + j];
            const p0 = params[r0 + j];
            const p1 = params[r0 + H + j];
            const p2 = params[r0 + 2 * H + j];
            const p3 = params[r0 + 3 * H + j];
            a0 += p0 * hj;
            a1 += p1 * hj;
            a2 += p2 * hj;
            a3 += p3 * hj;
            c0 += p0 * kj;
            c1 += p1 * kj;
            c2 += p2 * kj;
            c3 += p3 * kj;
          }
        }
        const o = b * G + g * H + r;
        pre[o] = a0;
        pre[o + 1] = a1;
        pre[o + 2] = a2;
        pre[o + 3] = a3;
        const q = o + G;
        pre[q] = c0;
        pre[q + 1] = c1;
        pre[q + 2] = c2;
        pre[q + 3] = c3;
      }
      for (; b < B; b++) {
        const xb = b * Xin;
        const hb = b * H;
        let a0 = params[bias + r];
        let a1 = params[bias + r + 1];
        let a2 = params[bias + r + 2];
        let a3 = params[bias + r + 3];
        for (let j = 0; j < Xin; j++) {
          const xj = x[xb + j];
          a0 += params[w0 + j] * xj;
          a1 += params[w0 + Xin + j] * xj;
          a2 += params[w0 + 2 * Xin + j] * xj;
          a3 += params[w0 + 3 * Xin + j] * xj;
        }
        if (withR) {
          for (let j = 0; j < H; j++) {
            const hj = hPrev[hb + j];
            a0 += params[r0 + j] * hj;
            a1 += params[r0 + H + j] * hj;
            a2 += params[r0 + 2 * H + j] * hj;
            a3 += params[r0 + 3 * H + j] * hj;
          }
        }
        const o = b * G + g * H + r;
        pre[o] = a0;
        pre[o + 1] = a1;
        pre[o + 2] = a2;
        pre[o + 3] = a3;
      }
    }
    for (; r < H; r++) {
      const wRow = W + r * Xin;
      const rRow = R + r * H;
      for (let b = 0; b < B; b++) {
        const xb = b * Xin;
        const hb = b * H;
        let acc = params[bias + r];
        for (let j = 0; j < Xin; j++) acc += params[wRow + j] * x[xb + j];
        if (withR) for (let j = 0; j < H; j++) acc += params[rRow + j] * hPrev[hb + j];
        pre[b * G + g * H + r] = acc;
      }
    }
  }
}

/** One step of a vanilla or cifg layer for B streams. */
export function vanillaForward(
  act: Float64Array, // (B, G) gate activations
  c: Float64Array, // (B, H) cell state c_t
  tc: Float64Array, // (B, H) tanh(c_t)
  h: Float64Array, // (B, H) layer output y_t
  x: Float64Array, // (B, Xin) layer input
  hPrev: Float64Array, // (B, H) y_{t-1}
  cPrev: Float64Array, // (B, H) c_{t-1}
  params: Float64Array,
  L: LayerLayout,
  B: number,
  kern?: SingleKernels | null, // a learner's single-stream kernels (gatePreactivations)
): void {
  const { H, nG, peep } = L;
  const G = nG * H;
  const coupled = L.cell === 'cifg';
  const zI = 0;
  const iI = coupled ? -1 : H;
  const fI = coupled ? H : 2 * H;
  const oI = fI + H;
  const k = wasmSquash() ? wasmFor(B) : null;
  if (k) {
    wasmVanillaForward(k, act, c, tc, h, x, hPrev, cPrev, params, L, B);
    return;
  }
  const pi = coupled ? -1 : peep; // (H), vanilla only
  const pf = peep < 0 ? -1 : coupled ? peep : peep + H; // (H)
  const po = pf < 0 ? -1 : pf + H; // (H)
  gatePreactivations(act, x, hPrev, params, L, nG, B, kern);
  if (B === 1 && kern && wasmSquash() && kern.ownsAll([act, c, tc, h, cPrev, params])) {
    kern.vanillaCells(act, c, tc, h, cPrev, params, pi, pf, po, H, coupled);
    return;
  }
  for (let b = 0; b < B; b++) {
    const a = b * G;
    const s = b * H;
    for (let r = 0; r < H; r++) {
      const cp = cPrev[s + r];
      const z = Math.tanh(act[a + zI + r]);
      const f = sigmoid(pf < 0 ? act[a + fI + r] : act[a + fI + r] + params[pf + r] * cp);
      let i: number;
      if (coupled) {
        i = 1 - f;
      } else {
        i = sigmoid(pi < 0 ? act[a + iI + r] : act[a + iI + r] + params[pi + r] * cp);
        act[a + iI + r] = i;
      }
      const cr = z * i + cp * f;
      const o = sigmoid(po < 0 ? act[a + oI + r] : act[a + oI + r] + params[po + r] * cr);
      const t = Math.tanh(cr);
      act[a + zI + r] = z;
      act[a + fI + r] = f;
      act[a + oI + r] = o;
      c[s + r] = cr;
      tc[s + r] = t;
      h[s + r] = t * o;
    }
  }
}

/**
 * Weight gradients and input/state errors of one gate block from its pre-activation errors d:
 * W += d ⊗ x, R += d ⊗ hPrev (if withR), b += d, dx += Wᵀ d, dhPrev += Rᵀ d.
 */
export function gateBackward(
  dhPrev: Float64Array, // (H) +=
  dx: Float64Array | null, // (Xin) +=, or null when the layer input needs no error
  grad: Float64Array, // += (params layout)
  d: Float64Array, // (≥ (g+1)·H) pre-activation errors; gate g's rows at g·H
  x: Float64Array, // (Xin)
  hPrev: Float64Array, // (H)
  params: Float64Array,
  L: LayerLayout,
  g: number,
  withR: boolean,
  kern?: SingleKernels | null, // a learner's single-stream kernels, used when every array lives in its memory
): void {
  const { Xin, H, offset, gateStride } = L;
  const W = offset + g * gateStride; // (H, Xin)
  const R = W + H * Xin; // (H, H)
  const bias = R + H * H; // (H)
  const d0 = g * H;
  if (kern && kern.ownsAll([dhPrev, grad, d, x, hPrev, params]) && (dx === null || kern.owns(dx))) {
    kern.gateWeights(d, d0, 0, 1, H, grad, W, x, Xin, R, hPrev, withR ? H : 0, bias);
    kern.gateErrors(d, d0, H, params, W, dx, Xin, R, dhPrev, withR ? H : 0);
    return;
  }
  // Four rows at a time: one pass over x / hPrev serves four rows, and dx[j] / dhPrev[j] take
  // the four rows' terms in row order, so every sum is added in the same order as row by row.
  let r = 0;
  for (; r + 3 < H; r += 4) {
    const e0 = d[d0 + r];
    const e1 = d[d0 + r + 1];
    const e2 = d[d0 + r + 2];
    const e3 = d[d0 + r + 3];
    if (e0 === 0 || e1 === 0 || e2 === 0 || e3 === 0) {
      for (let q = r; q < r + 4; q++) gateBackwardRow(dhPrev, dx, grad, d[d0 + q], x, hPrev, params, W + q * Xin, R + q * H, bias + q, Xin, H, withR);
      continue;
    }
    const w0 = W + r * Xin;
    const w1 = w0 + Xin;
    const w2 = w1 + Xin;
    const w3 = w2 + Xin;
    for (let j = 0; j < Xin; j++) {
      const xj = x[j];
      grad[w0 + j] += e0 * xj;
      grad[w1 + j] += e1 * xj;
      grad[w2 + j] += e2 * xj;
      grad[w3 + j] += e3 * xj;
    }
    if (dx) {
      for (let j = 0; j < Xin; j++) {
        let acc = dx[j];
        acc += params[w0 + j] * e0;
        acc += params[w1 + j] * e1;
        acc += params[w2 + j] * e2;
        acc += params[w3 + j] * e3;
        dx[j] = acc;
      }
    }
    if (withR) {
      const r0 = R + r * H;
      const r1 = r0 + H;
      const r2 = r1 + H;
      const r3 = r2 + H;
      for (let j = 0; j < H; j++) {
        const hj = hPrev[j];
        grad[r0 + j] += e0 * hj;
        grad[r1 + j] += e1 * hj;
        grad[r2 + j] += e2 * hj;
        grad[r3 + j] += e3 * hj;
        let acc = dhPrev[j];
        acc += params[r0 + j] * e0;
        acc += params[r1 + j] * e1;
        acc += params[r2 + j] * e2;
        acc += params[r3 + j] * e3;
        dhPrev[j] = acc;
      }
    }
    grad[bias + r] += e0;
    grad[bias + r + 1] += e1;
    grad[bias + r + 2] += e2;
    grad[bias + r + 3] += e3;
  }
  for (; r < H; r++) gateBackwardRow(dhPrev, dx, grad, d[d0 + r], x, hPrev, params, W + r * Xin, R + r * H, bias + r, Xin, H, withR);
}

/** One row of gateBackward (rows with a zero error add nothing). */
function gateBackwardRow(
  dhPrev: Float64Array, dx: Float64Array | null, grad: Float64Array, dr: number, x: Float64Array, hPrev: Float64Array,
  params: Float64Array, wRow: number, rRow: number, bRow: number, Xin: number, H: number, withR: boolean,
): void {
  if (dr === 0) return;
  for (let j = 0; j < Xin; j++) grad[wRow + j] += dr * x[j];
  if (dx) for (let j = 0; j < Xin; j++) dx[j] += params[wRow + j] * dr;
  if (withR) {
    for (let j = 0; j < H; j++) {
      grad[rRow + j] += dr * hPrev[j];
      dhPrev[j] += params[rRow + j] * dr;
    }
  }
  grad[bRow] += dr;
}

/** Backward of one step of a vanilla or cifg layer, one stream (full BPTT, LSTM-SPEC 2.3). */
export function vanillaBackward(
  dhPrev: Float64Array, // (H) += dE/dy_{t-1}
  dcPrev: Float64Array, // (H) += dE/dc_{t-1}
  dx: Float64Array | null, // (Xin) += dE/dx_t, or null
  grad: Float64Array, // += dE/dθ
  dgate: Float64Array, // (G) scratch: dE/d(gate pre-activations)
  dh: Float64Array, // (H) dE/dy_t, from the layer above and from t+1
  dc: Float64Array, // (H) dE/dc_t arriving from t+1
  act: Float64Array, // (G) cached activations
  c: Float64Array, // (H) cached c_t
  tc: Float64Array, // (H) cached tanh(c_t)
  x: Float64Array, // (Xin) cached input
  hPrev: Float64Array, // (H) cached y_{t-1}
  cPrev: Float64Array, // (H) cached c_{t-1}
  params: Float64Array,
  L: LayerLayout,
  actAt = 0, // where act, c, tc and cPrev start in their arrays (a step ring's slab)
  cAt = 0,
  tcAt = 0,
  cPrevAt = 0,
  kern?: SingleKernels | null, // a learner's single-stream kernels (gateBackward)
): void {
  vanillaGateErrors(dcPrev, grad, dgate, 0, dh, dc, act, c, tc, cPrev, params, L, actAt, cAt, tcAt, cPrevAt);
  for (let g = 0; g < L.nG; g++) gateBackward(dhPrev, dx, grad, dgate, x, hPrev, params, L, g, true, kern);
}

/**
 * The element-wise part of vanillaBackward: gate pre-activation errors into dgate[at...] (G),
 * dE/dc_{t-1} into dcPrev, and the peephole gradients. The gate blocks' weight gradients and
 * input errors are gateBackward's (or, over a batch, wasmGateGrads').
 */
export function vanillaGateErrors(
  dcPrev: Float64Array, // (H) += dE/dc_{t-1}
  grad: Float64Array, // += dE/dθ (peepholes only)
  dgate: Float64Array, // (≥ at + G) out: dE/d(gate pre-activations)
  at: number,
  dh: Float64Array, // (H) dE/dy_t
  dc: Float64Array, // (H) dE/dc_t arriving from t+1
  act: Float64Array, // (G) cached activations
  c: Float64Array, // (H) cached c_t
  tc: Float64Array, // (H) cached tanh(c_t)
  cPrev: Float64Array, // (H) cached c_{t-1}
  params: Float64Array,
  L: LayerLayout,
  actAt = 0, // where act, c, tc and cPrev start in their arrays
  cAt = 0,
  tcAt = 0,
  cPrevAt = 0,
): void {
  const { H, peep } = L;
  const coupled = L.cell === 'cifg';
  const iI = coupled ? -1 : H;
  const fI = coupled ? H : 2 * H;
  const oI = fI + H;
  const pi = coupled ? -1 : peep;
  const pf = peep < 0 ? -1 : coupled ? peep : peep + H;
  const po = pf < 0 ? -1 : pf + H;
  for (let r = 0; r < H; r++) {
    const z = act[actAt + r];
    const f = act[actAt + fI + r];
    const o = act[actAt + oI + r];
    const i = coupled ? 1 - f : act[actAt + iI + r];
    const t = tc[tcAt + r];
    const cp = cPrev[cPrevAt + r];
    // output gate: y = tanh(c) ⊙ o
    const dO = dh[r] * t * o * (1 - o);
    // cell state: through tanh, through the po peephole, and from c_{t+1}
    let dC = dh[r] * o * (1 - t * t) + dc[r];
    if (po >= 0) dC += params[po + r] * dO;
    // block input z = tanh(·)
    const dZ = dC * i * (1 - z * z);
    let dI = 0;
    let dF: number;
    if (coupled) {
      // c = z (1 − f) + c_{t-1} f, so dc/df = c_{t-1} − z
      dF = dC * (cp - z) * f * (1 - f);
    } else {
      dI = dC * z * i * (1 - i);
      dF = dC * cp * f * (1 - f);
    }
    dgate[at + r] = dZ;
    if (!coupled) dgate[at + iI + r] = dI;
    dgate[at + fI + r] = dF;
    dgate[at + oI + r] = dO;
    // c_{t-1}: through the forget gate, and through the pi, pf peepholes
    let dCp = dC * f;
    if (pi >= 0) dCp += params[pi + r] * dI;
    if (pf >= 0) dCp += params[pf + r] * dF;
    dcPrev[r] += dCp;
    if (pi >= 0) grad[pi + r] += dI * cp;
    if (pf >= 0) grad[pf + r] += dF * cp;
    if (po >= 0) grad[po + r] += dO * c[cAt + r];
  }
}
