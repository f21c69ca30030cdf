// AssemblyScript source of InferBatch's kernels (built by build.mjs into infer.wasm and
// src/infer-wasm-bytes.ts): the forward-only step of B streams of one vanilla/cifg model, in
// float64 (f64x2, the same bits as the learners' own step: fdlibm's squashing from math.ts, every
// sum in the JS kernels' order) or in float32 (f32x4). Not TypeScript for tsc: AssemblyScript
// types and builtins. Memory is owned and laid out by the JS side (src/infer.ts), one instance
// per batch; these functions only read and write the byte offsets they are given.
//
// Streams are held in panels of 8: a panel of an (n)-row matrix is (n, 8), row i of it the 8
// streams' values side by side (64 bytes in float64, 32 in float32), so every kernel reads each
// panel front to back. Lanes never mix: each stream's sums are taken in the same order whatever
// the batch size, so a stream gives the same bits in a batch of 1 or of 256.

import { Sigmoid, Tanh, squashVecs } from './math';

// gemm64: out[p][r][·] = bias[r] + Σ_i w[r, i] z[p][i][·], i = 0 .. n-1 in order (a rounded
//   multiply then a rounded add, as the JS kernels), for every panel p < panels; w: (rows, n)
//   row-major f64; z panels zStride bytes apart, out panels oStride bytes apart, (rows, 8) each.
//   Two rows × 8 streams per tile: eight f64x2 accumulators, each z row loaded once per 2 rows.
export function gemm64(out: usize, oStride: usize, bias: usize, w: usize, n: i32, z: usize, zStride: usize, rows: i32, panels: i32): void {
  const ws: usize = (<usize>n) << 3; // bytes per w row
  let r: i32 = 0;
  for (; r + 1 < rows; r += 2) {
    const ro: usize = <usize>r;
    const c0 = f64x2.splat(load<f64>(bias + (ro << 3)));
    const c1 = f64x2.splat(load<f64>(bias + ((ro + 1) << 3)));
    const w0: usize = w + ro * ws;
    for (let p: i32 = 0; p < panels; p++) {
      let a00 = c0;
      let a01 = c0;
      let a02 = c0;
      let a03 = c0;
      let a10 = c1;
      let a11 = c1;
      let a12 = c1;
      let a13 = c1;
      let zp: usize = z + (<usize>p) * zStride;
      let wp: usize = w0;
      for (let i: i32 = 0; i < n; i++) {
        const x0 = v128.load(zp);
        const x1 = v128.load(zp, 16);
        const x2 = v128.load(zp, 32);
        const x3 = v128.load(zp, 48);
        const p0 = v128.load64_splat(wp);
        const p1 = v128.load64_splat(wp + ws);
        a00 = f64x2.add(a00, f64x2.mul(p0, x0));
        a01 = f64x2.add(a01, f64x2.mul(p0, x1));
        a02 = f64x2.add(a02, f64x2.mul(p0, x2));
        a03 = f64x2.add(a03, f64x2.mul(p0, x3));
        a10 = f64x2.add(a10, f64x2.mul(p1, x0));
        a11 = f64x2.add(a11, f64x2.mul(p1, x1));
        a12 = f64x2.add(a12, f64x2.mul(p1, x2));
        a13 = f64x2.add(a13, f64x2.mul(p1, x3));
        zp += 64;
        wp += 8;
      }
      const o: usize = out + (<usize>p) * oStride + (ro << 6);
      v128.store(o, a00);
      v128.store(o, a01, 16);
      v128.store(o, a02, 32);
      v128.store(o, a03, 48);
      v128.store(o, a10, 64);
      v128.store(o, a11, 80);
      v128.store(o, a12, 96);
      v128.store(o, a13, 112);
    }
  }
  for (; r < rows; r++) {
    const ro: usize = <usize>r;
    const c = f64x2.splat(load<f64>(bias + (ro << 3)));
    for (let p: i32 = 0; p < panels; p++) {
      let a0 = c;
      let a1 = c;
      let a2 = c;
      let a3 = c;
      let zp: usize = z + (<usize>p) * zStride;
      let wp: usize = w + ro * ws;
      for (let i: i32 = 0; i < n; i++) {
        const q = f64x2.splat(load<f64>(wp));
        a0 = f64x2.add(a0, f64x2.mul(q, v128.load(zp)));
        a1 = f64x2.add(a1, f64x2.mul(q, v128.load(zp, 16)));
        a2 = f64x2.add(a2, f64x2.mul(q, v128.load(zp, 32)));
        a3 = f64x2.add(a3, f64x2.mul(q, v128.load(zp, 48)));
        zp += 64;
        wp += 8;
      }
      const o: usize = out + (<usize>p) * oStride + (ro << 6);
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
    }
  }
}

// gemm32: out[p][r][·] = bias[r] + Σ_i w[r, i] z[p][i][·], i = 0 .. n-1 in order, for every
//   panel p < panels; w: (rows, n) row-major f32; z panels zStride bytes apart, out panels
//   oStride bytes apart, (rows, 8) each.
export function gemm32(out: usize, oStride: usize, bias: usize, w: usize, n: i32, z: usize, zStride: usize, rows: i32, panels: i32): void {
  const ws: usize = (<usize>n) << 2; // bytes per w row
  let r: i32 = 0;
  for (; r + 3 < rows; r += 4) {
    const ro: usize = <usize>r;
    const c0 = f32x4.splat(load<f32>(bias + (ro << 2)));
    const c1 = f32x4.splat(load<f32>(bias + ((ro + 1) << 2)));
    const c2 = f32x4.splat(load<f32>(bias + ((ro + 2) << 2)));
    const c3 = f32x4.splat(load<f32>(bias + ((ro + 3) << 2)));
    const w0: usize = w + ro * ws;
    for (let p: i32 = 0; p < panels; p++) {
      let a00 = c0;
      let a01 = c0;
      let a10 = c1;
      let a11 = c1;
      let a20 = c2;
      let a21 = c2;
      let a30 = c3;
      let a31 = c3;
      let zp: usize = z + (<usize>p) * zStride;
      let wp: usize = w0;
      for (let i: i32 = 0; i < n; i++) {
        const x0 = v128.load(zp);
        const x1 = v128.load(zp, 16);
        const p0 = f32x4.splat(load<f32>(wp));
        const p1 = f32x4.splat(load<f32>(wp + ws));
        const p2 = f32x4.splat(load<f32>(wp + 2 * ws));
        const p3 = f32x4.splat(load<f32>(wp + 3 * ws));
        a00 = f32x4.add(a00, f32x4.mul(p0, x0));
        a01 = f32x4.add(a01, f32x4.mul(p0, x1));
        a10 = f32x4.add(a10, f32x4.mul(p1, x0));
        a11 = f32x4.add(a11, f32x4.mul(p1, x1));
        a20 = f32x4.add(a20, f32x4.mul(p2, x0));
        a21 = f32x4.add(a21, f32x4.mul(p2, x1));
        a30 = f32x4.add(a30, f32x4.mul(p3, x0));
        a31 = f32x4.add(a31, f32x4.mul(p3, x1));
        zp += 32;
        wp += 4;
      }
      const o: usize = out + (<usize>p) * oStride + (ro << 5);
      v128.store(o, a00);
      v128.store(o, a01, 16);
      v128.store(o, a10, 32);
      v128.store(o, a11, 48);
      v128.store(o, a20, 64);
      v128.store(o, a21, 80);
      v128.store(o, a30, 96);
      v128.store(o, a31, 112);
    }
  }
  for (; r < rows; r++) {
    const ro: usize = <usize>r;
    const c = f32x4.splat(load<f32>(bias + (ro << 2)));
    for (let p: i32 = 0; p < panels; p++) {
      let a0 = c;
      let a1 = c;
      let zp: usize = z + (<usize>p) * zStride;
      let wp: usize = w + ro * ws;
      for (let i: i32 = 0; i < n; i++) {
        const q = f32x4.splat(load<f32>(wp));
        a0 = f32x4.add(a0, f32x4.mul(q, v128.load(zp)));
        a1 = f32x4.add(a1, f32x4.mul(q, v128.load(zp, 16)));
        zp += 32;
        wp += 4;
      }
      const o: usize = out + (<usize>p) * oStride + (ro << 5);
      v128.store(o, a0);
      v128.store(o, a1, 16);
    }
  }
}

// cells64 / cells32: the vanilla/cifg element-wise step on the gate pre-activations of every panel,
//   in float64 (64-byte rows; the operations of vanillaForward (JS) and single.ts's vanillaCells
//   in their order, squashed by math.ts's fdlibm: the learners' bits) or float32 (32-byte rows).
//   pre panels (nG·H, 8), preStride bytes apart, gate blocks z, i, f, o (cifg: z, f, o);
//   c panels (H, 8) cStride apart, c_{t-1} in, c_t out; peep (3H, 8): pi, pf, po, each value
//   repeated across the row's 8 lanes (pi unused by cifg); hasPeep = 0 when the cell has none (the
//   pre-activation is then squashed as it is). h_t goes to
//   rows h1 of the panels at hOut (hStride apart) and, when h2Stride > 0, to the panels at h2 too
//   (the next layer's input rows).
//   One stream alone (InferBatch with B = 1, H a multiple of 8) runs the same kernels with every
//   vector read as 8 consecutive units of one stream instead of one unit of 8 streams: H/8 rows,
//   one panel, the peepholes in their natural order; the arithmetic per element is the same.
//   z = tanh(ẑ), f = σ(f̂ + pf c_{t-1}), i = σ(î + pi c_{t-1}) (cifg: 1 − f),
//   c_t = z i + c_{t-1} f, o = σ(ô + po c_t), h_t = tanh(c_t) o.
//   In passes over each panel's blocks (the pre-activations are overwritten, tanh(c_t) passes
//   through the h rows), so the squashing runs over whole blocks, four vectors side by side
//   (math.ts squashVecs).
export function cells64(pre: usize, preStride: usize, c: usize, cStride: usize, peep: usize, hasPeep: i32, H: i32, coupled: i32, hOut: usize, hStride: usize, h2: usize, h2Stride: usize, panels: i32): void {
  vanillaPanels<f64>(pre, preStride, c, cStride, peep, hasPeep, H, coupled, hOut, hStride, h2, h2Stride, panels);
}

export function cells32(pre: usize, preStride: usize, c: usize, cStride: usize, peep: usize, hasPeep: i32, H: i32, coupled: i32, hOut: usize, hStride: usize, h2: usize, h2Stride: usize, panels: i32): void {
  vanillaPanels<f32>(pre, preStride, c, cStride, peep, hasPeep, H, coupled, hOut, hStride, h2, h2Stride, panels);
}

// @ts-ignore: decorator
@inline
function vanillaPanels<T>(pre: usize, preStride: usize, c: usize, cStride: usize, peep: usize, hasPeep: i32, H: i32, coupled: i32, hOut: usize, hStride: usize, h2: usize, h2Stride: usize, panels: i32): void {
  const sh: usize = sizeof<T>() == 8 ? 6 : 5; // log2 of a row's bytes
  const hb: usize = (<usize>H) << sh; // bytes of one H-row block in a panel
  const nv: i32 = <i32>(hb >> 4); // its vectors
  const fOff: usize = coupled ? hb : 2 * hb;
  const oOff: usize = fOff + hb;
  const one = vsplat<T>(1.0);
  for (let p: i32 = 0; p < panels; p++) {
    const pp: usize = pre + (<usize>p) * preStride;
    const cp: usize = c + (<usize>p) * cStride;
    const hp: usize = hOut + (<usize>p) * hStride;
    const h2p: usize = h2 + (<usize>p) * h2Stride;
    // î += pi c_{t-1} (vanilla), f̂ += pf c_{t-1}
    if (hasPeep) {
      for (let at: usize = 0; at < hb; at += 16) {
        const cPrev = v128.load(cp + at);
        if (!coupled) v128.store(pp + hb + at, vadd<T>(v128.load(pp + hb + at), vmul<T>(v128.load(peep + at), cPrev)));
        v128.store(pp + fOff + at, vadd<T>(v128.load(pp + fOff + at), vmul<T>(v128.load(peep + hb + at), cPrev)));
      }
    }
    // z = tanh(ẑ); i = σ(î), f = σ(f̂) (adjacent blocks; cifg: f alone)
    tanhVecs<T>(pp, pp, nv);
    sigmoidVecs<T>(pp + hb, pp + hb, coupled ? nv : 2 * nv);
    // c_t = z i + c_{t-1} f (cifg: i = 1 − f); ô += po c_t
    for (let at: usize = 0; at < hb; at += 16) {
      const f = v128.load(pp + fOff + at);
      const i = coupled ? vsub<T>(one, f) : v128.load(pp + hb + at);
      const cr = vadd<T>(vmul<T>(v128.load(pp + at), i), vmul<T>(v128.load(cp + at), f));
      v128.store(cp + at, cr);
      if (hasPeep) v128.store(pp + oOff + at, vadd<T>(v128.load(pp + oOff + at), vmul<T>(v128.load(peep + 2 * hb + at), cr)));
    }
    // o = σ(ô); h_t = tanh(c_t) o, tanh(c_t) first into the h rows
    sigmoidVecs<T>(pp + oOff, pp + oOff, nv);
    tanhVecs<T>(hp, cp, nv);
    for (let at: usize = 0; at < hb; at += 16) {
      const h = vmul<T>(v128.load(hp + at), v128.load(pp + oOff + at));
      v128.store(hp + at, h);
      if (h2Stride) v128.store(h2p + at, h);
    }
  }
}

// gemv64: one stream, rows in groups of 8: out[r] = bias[r] + Σ_i w[r, i] z[i], i = 0 .. n-1 in
//   order (the JS kernels' order, so the same bits); w packed as (rows/8, n, 8): group g's 8 rows
//   side by side for each i, so the lanes run over rows and read w front to back. rows % 8 == 0.
export function gemv64(out: usize, bias: usize, w: usize, n: i32, z: usize, rows: i32): void {
  let wp: usize = w;
  for (let g: i32 = 0; g < rows; g += 8) {
    const o: usize = out + ((<usize>g) << 3);
    const b: usize = bias + ((<usize>g) << 3);
    let a0 = v128.load(b);
    let a1 = v128.load(b, 16);
    let a2 = v128.load(b, 32);
    let a3 = v128.load(b, 48);
    for (let i: i32 = 0; i < n; i++) {
      const q = f64x2.splat(load<f64>(z + ((<usize>i) << 3)));
      a0 = f64x2.add(a0, f64x2.mul(v128.load(wp), q));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(wp, 16), q));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(wp, 32), q));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(wp, 48), q));
      wp += 64;
    }
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
}

// gemv32: gemv64 in float32, groups of 8 rows (two f32x4).
export function gemv32(out: usize, bias: usize, w: usize, n: i32, z: usize, rows: i32): void {
  let wp: usize = w;
  for (let g: i32 = 0; g < rows; g += 8) {
    const o: usize = out + ((<usize>g) << 2);
    const b: usize = bias + ((<usize>g) << 2);
    let a0 = v128.load(b);
    let a1 = v128.load(b, 16);
    for (let i: i32 = 0; i < n; i++) {
      const q = f32x4.splat(load<f32>(z + ((<usize>i) << 2)));
      a0 = f32x4.add(a0, f32x4.mul(v128.load(wp), q));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(wp, 16), q));
      wp += 32;
    }
    v128.store(o, a0);
    v128.store(o, a1, 16);
  }
}

// ---- The 1997 cell (lstm97.ts, LSTM-SPEC 1.1-1.2, 2.1-2.2): Lstm97InferBatch's element-wise step.
//
// cells97_64 / cells97_32: given the nets of every panel (pre, preStride bytes apart; rows: input
//   gates j < C at row j, forget gates at fgRow + j and output gates at outRow + j when those rows
//   are ≥ 0, cell inputs n < N = C·S at cRow + n), the CEC states s (N rows, s(t-1) in, s(t) out)
//   and the peepholes (3N rows: p_in, p_fg, p_out, each value repeated across a row's lanes;
//   peepMask bits 1, 2, 4 say which exist), computes lstm97Cells' forward in its order:
//   y_in = f(net_in + Σ_v p_in s_v(t-1)), y_φ likewise (1 without a forget gate),
//   s(t) = y_φ s(t-1) + y_in g(net_c), y_out = f(net_out + Σ_v p_out s_v(t)) (1 without an output
//   gate), y_c = y_out h(s(t)). g and h by kind (0 sig4m2, 1 sig2m1, 2 sigmoid, 3 tanh,
//   4 identity), each squashed as activations.ts does (its base function, then the affine map).
//   y_c goes to the rows of the panels at o (oStride apart; the output layer's sources) and, when
//   zc ≠ 0, at zc (zStride apart; the next step's sources); when zg ≠ 0, y_in, y_φ and y_out go to
//   consecutive C-row blocks there (cellSources 'all': r(t) = [y_c; y_in; y_φ; y_out]).
//   One stream alone (S = 1, C a multiple of 8) runs with C/8 rows of 8 blocks, as cells64 does.

// Lane-width-generic pieces of cells97: T = f64 (f64x2, rows of 8 lanes in 64 bytes) or f32
// (f32x4, 32 bytes); sizeof<T>() is a compile-time constant, so each instance is plain code.
// @ts-ignore: decorator
@inline
function vadd<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 8 ? f64x2.add(a, b) : f32x4.add(a, b);
}

// @ts-ignore: decorator
@inline
function vmul<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 8 ? f64x2.mul(a, b) : f32x4.mul(a, b);
}

// @ts-ignore: decorator
@inline
function vsub<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 8 ? f64x2.sub(a, b) : f32x4.sub(a, b);
}

// @ts-ignore: decorator
@inline
function vsplat<T>(v: f64): v128 {
  return sizeof<T>() == 8 ? f64x2.splat(v) : f32x4.splat(<f32>v);
}

// One copy of each loop, called per block (not inlined at every call site).
function sigmoidVecs64(out: usize, x: usize, nv: i32): void {
  squashVecs<f64, Sigmoid>(out, x, nv);
}

function tanhVecs64(out: usize, x: usize, nv: i32): void {
  squashVecs<f64, Tanh>(out, x, nv);
}

function sigmoidVecs32(out: usize, x: usize, nv: i32): void {
  squashVecs<f32, Sigmoid>(out, x, nv);
}

function tanhVecs32(out: usize, x: usize, nv: i32): void {
  squashVecs<f32, Tanh>(out, x, nv);
}

// @ts-ignore: decorator
@inline
function sigmoidVecs<T>(out: usize, x: usize, nv: i32): void {
  if (sizeof<T>() == 8) sigmoidVecs64(out, x, nv);
  else sigmoidVecs32(out, x, nv);
}

// @ts-ignore: decorator
@inline
function tanhVecs<T>(out: usize, x: usize, nv: i32): void {
  if (sizeof<T>() == 8) tanhVecs64(out, x, nv);
  else tanhVecs32(out, x, nv);
}

// out = g or h of the 1997 cell by kind, of the nv vectors at x (out may be x): 0 sig4m2 (4σ - 2),
// 1 sig2m1 (2σ - 1), 2 σ, 3 tanh, else the identity; the affine maps in a pass of their own.
// @ts-ignore: decorator
@inline
function squashKind<T>(kind: i32, out: usize, x: usize, nv: i32): void {
  if (kind == 3) {
    tanhVecs<T>(out, x, nv);
  } else if (kind <= 2) {
    sigmoidVecs<T>(out, x, nv);
    if (kind < 2) {
      const a = vsplat<T>(kind == 0 ? 4.0 : 2.0);
      const b = vsplat<T>(kind == 0 ? 2.0 : 1.0);
      for (let k: usize = 0; k < (<usize>nv) << 4; k += 16) v128.store(out + k, vsub<T>(vmul<T>(a, v128.load(out + k)), b));
    }
  } else if (out != x) {
    memory.copy(out, x, (<usize>nv) << 4);
  }
}

// A gate's net input at `at` plus the block's S cells' states times their peephole weights (rows
// at `peep`, cells c0.., lane offset q), added in cell order and stored back.
// @ts-ignore: decorator
@inline
function addPeepholes<T>(at: usize, peep: usize, sp: usize, c0: usize, S: i32, sh: usize, q: usize): void {
  let net = v128.load(at);
  for (let v: usize = 0; v < <usize>S; v++) net = vadd<T>(net, vmul<T>(v128.load(peep + ((c0 + v) << sh) + q), v128.load(sp + ((c0 + v) << sh) + q)));
  v128.store(at, net);
}

// In passes over each panel (the nets are overwritten with the gates' activations), so the
// squashing runs over whole blocks of rows, four vectors side by side.
// @ts-ignore: decorator
@inline
function cells97<T>(pre: usize, preStride: usize, fgRow: i32, outRow: i32, cRow: i32, s: usize, sStride: usize, peep: usize, peepMask: i32, C: i32, S: i32, gKind: i32, hKind: i32, o: usize, oStride: usize, zc: usize, zg: usize, zStride: usize, panels: i32): void {
  const sh: usize = sizeof<T>() == 8 ? 6 : 5; // log2 of a row's bytes
  const rb: usize = 1 << sh;
  const N: usize = <usize>(C * S);
  const pIn: usize = peep;
  const pFg: usize = peep + (N << sh);
  const pOut: usize = peep + ((2 * N) << sh);
  const one = vsplat<T>(1.0);
  const cb: usize = (<usize>C) << sh; // bytes of a C-row block
  const cv: i32 = C << (<i32>sh - 4); // its vectors
  const nv: i32 = <i32>N << (<i32>sh - 4); // vectors of an N-row block
  const inAt: usize = 0;
  const fgAt: usize = (<usize>fgRow) << sh;
  const outAt: usize = (<usize>outRow) << sh;
  const cAt: usize = (<usize>cRow) << sh;
  for (let p: i32 = 0; p < panels; p++) {
    const pp: usize = pre + (<usize>p) * preStride;
    const sp: usize = s + (<usize>p) * sStride;
    const op: usize = o + (<usize>p) * oStride;
    const zcp: usize = zc + (<usize>p) * zStride;
    const zgp: usize = zg + (<usize>p) * zStride;
    // y_in = f(net_in + Σ_v p_in s_v(t-1)), y_φ likewise; g(net_c)
    for (let j: i32 = 0; j < C; j++) {
      const c0: usize = <usize>(j * S);
      for (let q: usize = 0; q < rb; q += 16) {
        if (peepMask & 1) addPeepholes<T>(pp + inAt + ((<usize>j) << sh) + q, pIn, sp, c0, S, sh, q);
        if (fgRow >= 0 && (peepMask & 2) != 0) addPeepholes<T>(pp + fgAt + ((<usize>j) << sh) + q, pFg, sp, c0, S, sh, q);
      }
    }
    sigmoidVecs<T>(pp + inAt, pp + inAt, cv);
    if (fgRow >= 0) sigmoidVecs<T>(pp + fgAt, pp + fgAt, cv);
    squashKind<T>(gKind, pp + cAt, pp + cAt, nv);
    // s(t) = y_φ s(t-1) + y_in g(net_c)
    for (let j: i32 = 0; j < C; j++) {
      const c0: usize = <usize>(j * S);
      for (let q: usize = 0; q < rb; q += 16) {
        const yi = v128.load(pp + inAt + ((<usize>j) << sh) + q);
        const yf = fgRow >= 0 ? v128.load(pp + fgAt + ((<usize>j) << sh) + q) : one;
        for (let v: usize = 0; v < <usize>S; v++) {
          const at: usize = ((c0 + v) << sh) + q;
          v128.store(sp + at, vadd<T>(vmul<T>(yf, v128.load(sp + at)), vmul<T>(yi, v128.load(pp + cAt + at))));
        }
        // net_out + Σ_v p_out s_v(t)
        if (outRow >= 0 && (peepMask & 4) != 0) addPeepholes<T>(pp + outAt + ((<usize>j) << sh) + q, pOut, sp, c0, S, sh, q);
      }
    }
    // y_out = f(·); y_c = y_out h(s(t)), h(s(t)) first into the output rows
    if (outRow >= 0) sigmoidVecs<T>(pp + outAt, pp + outAt, cv);
    squashKind<T>(hKind, op, sp, nv);
    for (let j: i32 = 0; j < C; j++) {
      const c0: usize = <usize>(j * S);
      for (let q: usize = 0; q < rb; q += 16) {
        const yo = outRow >= 0 ? v128.load(pp + outAt + ((<usize>j) << sh) + q) : one;
        for (let v: usize = 0; v < <usize>S; v++) {
          const at: usize = ((c0 + v) << sh) + q;
          const yc = vmul<T>(yo, v128.load(op + at));
          v128.store(op + at, yc);
          if (zc) v128.store(zcp + at, yc);
        }
        if (zg) {
          let at: usize = ((<usize>j) << sh) + q;
          v128.store(zgp + at, v128.load(pp + inAt + at));
          if (fgRow >= 0) {
            at += cb;
            v128.store(zgp + at, v128.load(pp + fgAt + ((<usize>j) << sh) + q));
          }
          if (outRow >= 0) v128.store(zgp + at + cb, yo);
        }
      }
    }
  }
}

export function cells97_64(pre: usize, preStride: usize, fgRow: i32, outRow: i32, cRow: i32, s: usize, sStride: usize, peep: usize, peepMask: i32, C: i32, S: i32, gKind: i32, hKind: i32, o: usize, oStride: usize, zc: usize, zg: usize, zStride: usize, panels: i32): void {
  cells97<f64>(pre, preStride, fgRow, outRow, cRow, s, sStride, peep, peepMask, C, S, gKind, hKind, o, oStride, zc, zg, zStride, panels);
}

export function cells97_32(pre: usize, preStride: usize, fgRow: i32, outRow: i32, cRow: i32, s: usize, sStride: usize, peep: usize, peepMask: i32, C: i32, S: i32, gKind: i32, hKind: i32, o: usize, oStride: usize, zc: usize, zg: usize, zStride: usize, panels: i32): void {
  cells97<f32>(pre, preStride, fgRow, outRow, cRow, s, sStride, peep, peepMask, C, S, gKind, hKind, o, oStride, zc, zg, zStride, panels);
}
