// Forward/backward kernels of one GRU layer (Cho et al. 2014) in the PyTorch nn.GRU form. Pure
// functions over typed arrays, no allocation. Not the time loop (recurrent-net.ts).
//
// Dimensions: B streams, Xin inputs of the layer, H hidden units, G = 3H. Gate order [r | u | n].
//
//   r  = σ(Wr x + Rr h + br)
//   u  = σ(Wu x + Ru h + bu)
//   hn = Rn h + bRn                                  (cached as `aux`)
//   n  = tanh(Wn x + bn + r ⊙ hn)
//   h' = (1 − u) ⊙ n + u ⊙ h

import { sigmoid } from './activations.ts';
import type { LayerLayout } from './recurrent-layout.ts';
import { gateBackward, gatePreactivations } from './vanilla.ts';
import type { SingleKernels } from './wasm-single.ts';

/** One step of a GRU layer for B streams. */
export function gruForward(
  act: Float64Array, // (B, G) activations [r | u | n]
  hn: Float64Array, // (B, H) Rn h + bRn
  h: Float64Array, // (B, H) new hidden state
  x: Float64Array, // (B, Xin) layer input
  hPrev: Float64Array, // (B, H)
  params: Float64Array,
  L: LayerLayout,
  B: number,
  kern?: SingleKernels | null, // a learner's single-stream kernels, used when every array lives in its memory
): void {
  const { Xin, H, offset, gateStride, bRn } = L;
  const G = 3 * H;
  // r, u: b + W x + R h; n: bn + Wn x only (its recurrent part is gated by r)
  gatePreactivations(act, x, hPrev, params, L, 2, B, kern);
  const Rn = offset + 2 * gateStride + H * Xin; // (H, H)
  if (B === 1 && kern && kern.ownsAll([hn, hPrev, params])) kern.gatePre(hn, 0, params, bRn, Rn, hPrev, H, 0, hPrev, 0, H);
  else for (let r = 0; r < H; r++) {
    const row = Rn + r * H;
    for (let b = 0; b < B; b++) {
      const hb = b * H;
      let acc = params[bRn + r];
      for (let j = 0; j < H; j++) acc += params[row + j] * hPrev[hb + j];
      hn[hb + r] = acc;
    }
  }
  for (let b = 0; b < B; b++) {
    const a = b * G;
    const s = b * H;
    for (let r = 0; r < H; r++) {
      const rg = sigmoid(act[a + r]);
      const u = sigmoid(act[a + H + r]);
      const n = Math.tanh(act[a + 2 * H + r] + rg * hn[s + r]);
      act[a + r] = rg;
      act[a + H + r] = u;
      act[a + 2 * H + r] = n;
      h[s + r] = (1 - u) * n + u * hPrev[s + r];
    }
  }
}

/** Backward of one GRU step, one stream. */
export function gruBackward(
  dhPrev: Float64Array, // (H) += dE/dh_{t-1}
  dx: Float64Array | null, // (Xin) += dE/dx_t, or null
  grad: Float64Array, // += dE/dθ
  dgate: Float64Array, // (4H) scratch: [dr̄ | dū | dn̄ | dhn]
  dh: Float64Array, // (H) dE/dh_t, from the layer above and from t+1
  act: Float64Array, // (G) cached [r | u | n]
  hn: Float64Array, // (H) cached Rn h + bRn
  x: Float64Array, // (Xin) cached input
  hPrev: Float64Array, // (H) cached h_{t-1}
  params: Float64Array,
  L: LayerLayout,
  actAt = 0, // where act and hn start in their arrays (a step ring's slab)
  hnAt = 0,
  kern?: SingleKernels | null, // a learner's single-stream kernels (gateBackward)
): void {
  const { Xin, H, offset, gateStride, bRn } = L;
  for (let r = 0; r < H; r++) {
    const rg = act[actAt + r];
    const u = act[actAt + H + r];
    const n = act[actAt + 2 * H + r];
    const d = dh[r];
    // h' = (1 − u) n + u h
    dhPrev[r] += d * u;
    const dN = d * (1 - u) * (1 - n * n);
    // n̄ = Wn x + bn + r ⊙ hn
    const dHn = dN * rg;
    const dR = dN * hn[hnAt + r] * rg * (1 - rg);
    const dU = d * (hPrev[r] - n) * u * (1 - u);
    dgate[r] = dR;
    dgate[H + r] = dU;
    dgate[2 * H + r] = dN;
    dgate[3 * H + r] = dHn;
  }
  gateBackward(dhPrev, dx, grad, dgate, x, hPrev, params, L, 0, true, kern);
  gateBackward(dhPrev, dx, grad, dgate, x, hPrev, params, L, 1, true, kern);
  gateBackward(dhPrev, dx, grad, dgate, x, hPrev, params, L, 2, false, kern);
  // hn = Rn h + bRn
  const Rn = offset + 2 * gateStride + H * Xin; // (H, H)
  for (let r = 0; r < H; r++) {
    const d = dgate[3 * H + r];
    const row = Rn + r * H;
    for (let j = 0; j < H; j++) grad[row + j] += d * hPrev[j];
    for (let j = 0; j < H; j++) dhPrev[j] += params[row + j] * d;
    grad[bRn + r] += d;
  }
}
