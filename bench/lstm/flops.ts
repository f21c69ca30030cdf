// Analytic flop counts of one step of each Carousel contender, for the GFLOP/s figure. Counted as
// the kernels in @carousel/lstm compute them: a multiply-add is 2 flops, an element-wise mul or
// add 1, exp/tanh/sigmoid 0 (they are library calls, not arithmetic we could count honestly), and
// bookkeeping (copies, grad.fill(0), the optimizer's finiteness checks) 0. Lower-order terms that
// are O(H) are kept where they are cheap to state; the dominant terms are exact.
//
// Dimensions: X inputs, H hidden, K outputs (1 here), B streams.

/**
 * Rtrl97 with blocks = H, cellsPerBlock = 1, forget gate, output gate, no peepholes, no
 * conventional units, connectivity F, all biases (the bench config). Then
 *   R = H ('cells': y_c fed back) or 4H ('all': y_c, y_in, y_φ, y_out),
 *   Z = X + R + 1 (fan-in of every gate and cell),
 *   O = H + 1 (output sources), P = 4·H·Z + K·O parameters.
 * Forward, no traces (predict):
 *   gates in, φ, out and cell input: 4·H dot products of length Z          8·H·Z
 *   s = y_φ s' + y_in g(net_c), y_c = y_out h(s)                           4·H
 *   output units: K dot products of length O                               2·K·O
 * Traces (step): Pc, Pin, Pφ each P ← y_φ·P + a·z over Z, per cell         9·H·Z
 * Backward (learn): ε = W_kᵀ gK and dW_k += gK o                           2·K·(O + H) + 2·K·O
 *   output gate: grad row += δ z                                           2·H·Z
 *   W_c, W_in, W_φ rows += e_s · trace                                     6·H·Z
 * SGD update p -= lr·g                                                     2·P
 */
export function rtrl97Flops(X: number, H: number, K: number, cellSources: 'cells' | 'all' = 'cells'): { forward: number; train: number; update: number } {
  const Z = X + (cellSources === 'cells' ? H : 4 * H) + 1;
  const O = H + 1;
  const P = 4 * H * Z + K * O;
  const forward = 8 * H * Z + 4 * H + 2 * K * O;
  const traces = 9 * H * Z;
  const backward = 2 * K * (O + H) + 2 * K * O + 2 * H * Z + 6 * H * Z;
  return { forward, train: forward + traces + backward + 2 * P, update: 2 * P };
}

/**
 * Vanilla LSTM (Greff et al.; gates z, i, f, o; peepholes, the package default) with a linear
 * head, under tbptt(k1 = 1, k2 = W): every step one forward and a backward pass over the last W
 * steps (steady state, once the ring is full), one update.
 *   A = X + H + 1 (fan-in of a gate row), P = 4·H·A + 3·H + K·H + K.
 * Forward: 4·H dot products of length A                                    8·H·A
 *   peepholes 3·H madds, c = z i + c' f (3·H), y = tanh(c) o (H)           10·H
 *   head: K dot products of length H                                       2·K·H
 * Backward, per step of the window:
 *   head (only the newest step has an error, k1 = 1)                       4·K·H (once)
 *   element-wise gate errors (≈ 25 flops per unit)                         25·H
 *   W, R, b += d ⊗ [x; h'; 1]                                              8·H·A
 *   dh' += Rᵀ d (layer 0 needs no dx)                                      8·H·H
 * SGD update                                                               2·P
 */
export function vanillaFlops(X: number, H: number, K: number, window: number): { forward: number; train: number; update: number } {
  const A = X + H + 1;
  const P = 4 * H * A + 3 * H + K * H + K;
  const forward = 8 * H * A + 10 * H + 2 * K * H;
  const perBack = 25 * H + 8 * H * A + 8 * H * H;
  return { forward, train: forward + 4 * K * H + window * perBack + 2 * P, update: 2 * P };
}
