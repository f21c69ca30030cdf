// AssemblyScript source of the single-stream kernels of Rtrl97 and of the recurrent learners
// (built by build.mjs into single.wasm and src/single-wasm-bytes.ts). The module imports its
// memory: each learner that runs these kernels owns one WebAssembly.Memory holding its params,
// grad and scratch (src/wasm-single.ts), and passes byte offsets into it. Every value is computed as the JS kernels
// compute it (a rounded multiply, then a rounded add, in the same order), so both give the same bits.
// Squashing functions come from math.ts: fdlibm as V8 computes Math.exp / Math.tanh, two lanes at a time.

import { exp, sigmoid, squashRows } from './math';

export { squashRows };

// The deferred trace update of N cells fused with the accumulation into out (rtrl97.ts
// traceRowsSettle; forget gate, Zc == Zg == Z): for cell n with coefficients tr[4n..4n+3] =
// (y_φ, a, b, c) and state error es[n], each element of its Pc, Pin, Pφ rows becomes
// P = y_φ·P + k·z and, unless es[n] is 0, out_row += es[n]·P for the W_c row of cell n (oc), and
// the W_in and W_φ rows of its block (oi, of: block j = n / S, rows of Z). f64x2 lanes over
// elements: element-wise, so the lanes change nothing. Cells in order, so a block's gate rows take
// their S cells' terms in the JS order.
export function settleAcc(pc: usize, pin: usize, pfg: usize, z: usize, tr: usize, es: usize, oc: usize, oi: usize, ofg: usize, N: i32, S: i32, Z: i32): void {
  const rowBytes: usize = (<usize>Z) << 3;
  for (let n: i32 = 0; n < N; n++) {
    const t: usize = tr + ((<usize>n) << 5);
    const yf = load<f64>(t);
    const ca = load<f64>(t, 8);
    const cb = load<f64>(t, 16);
    const cc = load<f64>(t, 24);
    const e = load<f64>(es + ((<usize>n) << 3));
    const p: usize = (<usize>n) * rowBytes;
    const gate: usize = (<usize>(n / S)) * rowBytes;
    const Pc = pc + p;
    const Pi = pin + p;
    const Pf = pfg + p;
    const Oc = oc + p;
    const Oi = oi + gate;
    const Of = ofg + gate;
    const vyf = f64x2.splat(yf);
    const va = f64x2.splat(ca);
    const vb = f64x2.splat(cb);
    const vc = f64x2.splat(cc);
    const ve = f64x2.splat(e);
    let i: i32 = 0;
    if (e == 0) {
      for (; i + 1 < Z; i += 2) {
        const o: usize = (<usize>i) << 3;
        const zi = v128.load(z + o);
        v128.store(Pc + o, f64x2.add(f64x2.mul(vyf, v128.load(Pc + o)), f64x2.mul(va, zi)));
        v128.store(Pi + o, f64x2.add(f64x2.mul(vyf, v128.load(Pi + o)), f64x2.mul(vb, zi)));
        v128.store(Pf + o, f64x2.add(f64x2.mul(vyf, v128.load(Pf + o)), f64x2.mul(vc, zi)));
      }
      for (; i < Z; i++) {
        const o: usize = (<usize>i) << 3;
        const zi = load<f64>(z + o);
        store<f64>(Pc + o, yf * load<f64>(Pc + o) + ca * zi);
        store<f64>(Pi + o, yf * load<f64>(Pi + o) + cb * zi);
        store<f64>(Pf + o, yf * load<f64>(Pf + o) + cc * zi);
      }
      continue;
    }
    for (; i + 1 < Z; i += 2) {
      const o: usize = (<usize>i) << 3;
      const zi = v128.load(z + o);
      const uc = f64x2.add(f64x2.mul(vyf, v128.load(Pc + o)), f64x2.mul(va, zi));
      const ui = f64x2.add(f64x2.mul(vyf, v128.load(Pi + o)), f64x2.mul(vb, zi));
      const uf = f64x2.add(f64x2.mul(vyf, v128.load(Pf + o)), f64x2.mul(vc, zi));
      v128.store(Pc + o, uc);
      v128.store(Pi + o, ui);
      v128.store(Pf + o, uf);
      v128.store(Oc + o, f64x2.add(v128.load(Oc + o), f64x2.mul(ve, uc)));
      v128.store(Oi + o, f64x2.add(v128.load(Oi + o), f64x2.mul(ve, ui)));
      v128.store(Of + o, f64x2.add(v128.load(Of + o), f64x2.mul(ve, uf)));
    }
    for (; i < Z; i++) {
      const o: usize = (<usize>i) << 3;
      const zi = load<f64>(z + o);
      const uc = yf * load<f64>(Pc + o) + ca * zi;
      const ui = yf * load<f64>(Pi + o) + cb * zi;
      const uf = yf * load<f64>(Pf + o) + cc * zi;
      store<f64>(Pc + o, uc);
      store<f64>(Pi + o, ui);
      store<f64>(Pf + o, uf);
      store<f64>(Oc + o, load<f64>(Oc + o) + e * uc);
      store<f64>(Oi + o, load<f64>(Oi + o) + e * ui);
      store<f64>(Of + o, load<f64>(Of + o) + e * uf);
    }
  }
}

// out[r, i] += coef[r] · z[i] for rows r < rows (out: rows × n, row-major): the output-gate rows of
// rtrl97.ts rtrl97Accumulate (coef = the gates' dE/dnet, z the step's sources). Element-wise, f64x2
// lanes over i: each element is the JS kernel's rounded multiply then rounded add.
export function rowsAxpy(out: usize, coef: usize, z: usize, rows: i32, n: i32): void {
  const s: usize = (<usize>n) << 3;
  for (let r: i32 = 0; r < rows; r++) {
    const c = load<f64>(coef + ((<usize>r) << 3));
    const vc = f64x2.splat(c);
    const row: usize = out + (<usize>r) * s;
    let i: i32 = 0;
    for (; i + 1 < n; i += 2) {
      const o: usize = (<usize>i) << 3;
      v128.store(row + o, f64x2.add(v128.load(row + o), f64x2.mul(vc, v128.load(z + o))));
    }
    for (; i < n; i++) {
      const o: usize = (<usize>i) << 3;
      store<f64>(row + o, load<f64>(row + o) + c * load<f64>(z + o));
    }
  }
}

// out[r] += Σ_i w[r, i] z[i] for r < rows (w: rows × n, row-major), each row's terms added to
// out[r] left to right, as a scalar loop does. Eight rows at a time in four f64x2 lanes of two
// rows each: each pair of rows is read two columns at a time and transposed (shuffle) so a lane
// only ever adds its own row's products, in column order: the same bits as the scalar loop, half
// the multiply-adds. The last rows % 8 one at a time.
export function rowsDotAdd(out: usize, w: usize, rows: i32, n: i32, z: usize): void {
  const s: usize = (<usize>n) << 3;
  let r: i32 = 0;
  for (; r + 7 < rows; r += 8) {
    const w0: usize = w + (<usize>r) * s;
    const w1: usize = w0 + s;
    const w2: usize = w1 + s;
    const w3: usize = w2 + s;
    const w4: usize = w3 + s;
    const w5: usize = w4 + s;
    const w6: usize = w5 + s;
    const w7: usize = w6 + s;
    const oo: usize = out + ((<usize>r) << 3);
    let a01 = v128.load(oo);
    let a23 = v128.load(oo, 16);
    let a45 = v128.load(oo, 32);
    let a67 = v128.load(oo, 48);
    let i: i32 = 0;
    for (; i + 1 < n; i += 2) {
      const o: usize = (<usize>i) << 3;
      const z0 = v128.load64_splat(z + o);
      const z1 = v128.load64_splat(z + o + 8);
      const v0 = v128.load(w0 + o);
      const v1 = v128.load(w1 + o);
      const v2 = v128.load(w2 + o);
      const v3 = v128.load(w3 + o);
      const v4 = v128.load(w4 + o);
      const v5 = v128.load(w5 + o);
      const v6 = v128.load(w6 + o);
      const v7 = v128.load(w7 + o);
      a01 = f64x2.add(a01, f64x2.mul(v128.shuffle<f64>(v0, v1, 0, 2), z0));
      a23 = f64x2.add(a23, f64x2.mul(v128.shuffle<f64>(v2, v3, 0, 2), z0));
      a45 = f64x2.add(a45, f64x2.mul(v128.shuffle<f64>(v4, v5, 0, 2), z0));
      a67 = f64x2.add(a67, f64x2.mul(v128.shuffle<f64>(v6, v7, 0, 2), z0));
      a01 = f64x2.add(a01, f64x2.mul(v128.shuffle<f64>(v0, v1, 1, 3), z1));
      a23 = f64x2.add(a23, f64x2.mul(v128.shuffle<f64>(v2, v3, 1, 3), z1));
      a45 = f64x2.add(a45, f64x2.mul(v128.shuffle<f64>(v4, v5, 1, 3), z1));
      a67 = f64x2.add(a67, f64x2.mul(v128.shuffle<f64>(v6, v7, 1, 3), z1));
    }
    if (i < n) {
      const o: usize = (<usize>i) << 3;
      const zi = v128.load64_splat(z + o);
      a01 = f64x2.add(a01, f64x2.mul(f64x2.replace_lane(f64x2.splat(load<f64>(w0 + o)), 1, load<f64>(w1 + o)), zi));
      a23 = f64x2.add(a23, f64x2.mul(f64x2.replace_lane(f64x2.splat(load<f64>(w2 + o)), 1, load<f64>(w3 + o)), zi));
      a45 = f64x2.add(a45, f64x2.mul(f64x2.replace_lane(f64x2.splat(load<f64>(w4 + o)), 1, load<f64>(w5 + o)), zi));
      a67 = f64x2.add(a67, f64x2.mul(f64x2.replace_lane(f64x2.splat(load<f64>(w6 + o)), 1, load<f64>(w7 + o)), zi));
    }
    v128.store(oo, a01);
    v128.store(oo, a23, 16);
    v128.store(oo, a45, 32);
    v128.store(oo, a67, 48);
  }
  for (; r < rows; r++) {
    const wr: usize = w + (<usize>r) * s;
    const oo: usize = out + ((<usize>r) << 3);
    let a = load<f64>(oo);
    for (let i: i32 = 0; i < n; i++) a += load<f64>(wr + ((<usize>i) << 3)) * load<f64>(z + ((<usize>i) << 3));
    store<f64>(oo, a);
  }
}

// Gate pre-activations of one stream, one gate block (vanilla.ts gatePreactivations at B = 1):
// out[r] = b[r] + Σ_j W[r, j] x[j] (+ Σ_j R[r, j] h[j] when nh > 0), summed in that order.
export function gatePre(out: usize, b: usize, w: usize, x: usize, nx: i32, rw: usize, h: usize, nh: i32, rows: i32): void {
  memory.copy(out, b, (<usize>rows) << 3);
  rowsDotAdd(out, w, rows, nx, x);
  if (nh > 0) rowsDotAdd(out, rw, rows, nh, h);
}

// out[r] = Σ_i w[r, i] z[i] (w: rows × n, row-major), each row summed left to right from 0:
// lstm97.ts matvec (and its single-row tail, dot), the same bits.
export function matvec(out: usize, w: usize, rows: i32, n: i32, z: usize): void {
  memory.fill(out, 0, (<usize>rows) << 3);
  rowsDotAdd(out, w, rows, n, z);
}

// The input errors of one gate block: for each row r with d[r] ≠ 0, in row order,
// dx += W[r, ·]·d[r] (when dx ≠ 0) and dh += R[r, ·]·d[r] (when nh > 0).
export function gateErrors(d: usize, rows: i32, w: usize, dx: usize, nx: i32, rw: usize, dh: usize, nh: i32): void {
  if (dx != 0) colsAxpyRows(dx, w, d, rows, nx);
  if (nh > 0) colsAxpyRows(dh, rw, d, rows, nh);
}

// y[i] += Σ_r a[r, i]·d[r] over the rows r < rows with d[r] ≠ 0, in row order (a: rows × n). Sixteen
// columns of y (then one at a time) stay in registers while every row passes: each a element is read
// once and y once per block, and every y element still takes its rows' terms in row order.
function colsAxpyRows(y: usize, a: usize, d: usize, rows: i32, n: i32): void {
  const s: usize = (<usize>n) << 3;
  let i: i32 = 0;
  for (; i + 15 < n; i += 16) {
    const yo: usize = y + ((<usize>i) << 3);
    let y0 = v128.load(yo);
    let y1 = v128.load(yo, 16);
    let y2 = v128.load(yo, 32);
    let y3 = v128.load(yo, 48);
    let y4 = v128.load(yo, 64);
    let y5 = v128.load(yo, 80);
    let y6 = v128.load(yo, 96);
    let y7 = v128.load(yo, 112);
    let ar: usize = a + ((<usize>i) << 3);
    for (let r: i32 = 0; r < rows; r++, ar += s) {
      const e = load<f64>(d + ((<usize>r) << 3));
      if (e == 0) continue;
      const ve = f64x2.splat(e);
      y0 = f64x2.add(y0, f64x2.mul(v128.load(ar), ve));
      y1 = f64x2.add(y1, f64x2.mul(v128.load(ar, 16), ve));
      y2 = f64x2.add(y2, f64x2.mul(v128.load(ar, 32), ve));
      y3 = f64x2.add(y3, f64x2.mul(v128.load(ar, 48), ve));
      y4 = f64x2.add(y4, f64x2.mul(v128.load(ar, 64), ve));
      y5 = f64x2.add(y5, f64x2.mul(v128.load(ar, 80), ve));
      y6 = f64x2.add(y6, f64x2.mul(v128.load(ar, 96), ve));
      y7 = f64x2.add(y7, f64x2.mul(v128.load(ar, 112), ve));
    }
    v128.store(yo, y0);
    v128.store(yo, y1, 16);
    v128.store(yo, y2, 32);
    v128.store(yo, y3, 48);
    v128.store(yo, y4, 64);
    v128.store(yo, y5, 80);
    v128.store(yo, y6, 96);
    v128.store(yo, y7, 112);
  }
  for (; i < n; i++) {
    const yo: usize = y + ((<usize>i) << 3);
    let v = load<f64>(yo);
    let ar: usize = a + ((<usize>i) << 3);
    for (let r: i32 = 0; r < rows; r++, ar += s) {
      const e = load<f64>(d + ((<usize>r) << 3));
      if (e == 0) continue;
      v += load<f64>(ar) * e;
    }
    store<f64>(yo, v);
  }
}

// The weight gradients of one gate block over T steps (rows of d, x, h; d's rows dStride floats
// apart): for each row r and each step t in order with d[t, r] ≠ 0, gW[r, ·] += d[t, r]·x[t],
// gR[r, ·] += d[t, r]·h[t] (when nh > 0), gb[r] += d[t, r]. Each element takes its steps' terms in
// step order, as T calls of one step would add them, while its row stays in cache across the T
// steps (one pass over the gradient instead of T).
// With sgd ≠ 0, gw, gr and gb point at the parameters instead, and each element's sum, taken from
// 0 in the same order, is applied at once: p -= lr·Σ (what a zeroed gradient, these T steps added
// and an SGD step p -= lr·g give, bit for bit; the fused update of RecurrentLearner.learnSgd).
export function gateWeights(d: usize, dStride: i32, T: i32, rows: i32, gw: usize, x: usize, nx: i32, gr: usize, h: usize, nh: i32, gb: usize, sgd: i32, lr: f64): void {
  const sd: usize = (<usize>dStride) << 3;
  const fused = sgd != 0;
  let r: i32 = 0;
  for (; r + 1 < rows; r += 2) {
    const dr: usize = d + ((<usize>r) << 3);
    rowsPairOuter(gw + (<usize>r) * ((<usize>nx) << 3), dr, sd, T, x, nx, fused, lr);
    if (nh > 0) rowsPairOuter(gr + (<usize>r) * ((<usize>nh) << 3), dr, sd, T, h, nh, fused, lr);
  }
  for (; r < rows; r++) {
    const dr: usize = d + ((<usize>r) << 3);
    rowOuter(gw + (<usize>r) * ((<usize>nx) << 3), dr, sd, T, x, nx, fused, lr);
    if (nh > 0) rowOuter(gr + (<usize>r) * ((<usize>nh) << 3), dr, sd, T, h, nh, fused, lr);
  }
  for (r = 0; r < rows; r++) {
    const gbr: usize = gb + ((<usize>r) << 3);
    let b = fused ? 0.0 : load<f64>(gbr);
    for (let t: i32 = 0; t < T; t++) {
      const e = load<f64>(d + (<usize>t) * sd + ((<usize>r) << 3));
      if (e != 0) b += e;
    }
    store<f64>(gbr, fused ? load<f64>(gbr) - lr * b : b);
  }
}

// Rows g (and g + n, the next row) += Σ_t e[t]·z[t] (z: T × n) over the steps whose e (at dr, dr +
// 8; steps sd bytes apart) is not 0, in step order: eight columns of both rows in eight f64x2
// registers across the T steps, one read of z per step for both rows.
function rowsPairOuter(g: usize, dr: usize, sd: usize, T: i32, z: usize, n: i32, fused: bool, lr: f64): void {
  const s: usize = (<usize>n) << 3;
  const g1: usize = g + s;
  const zero = f64x2.splat(0);
  let i: i32 = 0;
  for (; i + 7 < n; i += 8) {
    const o: usize = (<usize>i) << 3;
    let a0 = fused ? zero : v128.load(g + o);
    let a1 = fused ? zero : v128.load(g + o, 16);
    let a2 = fused ? zero : v128.load(g + o, 32);
    let a3 = fused ? zero : v128.load(g + o, 48);
    let b0 = fused ? zero : v128.load(g1 + o);
    let b1 = fused ? zero : v128.load(g1 + o, 16);
    let b2 = fused ? zero : v128.load(g1 + o, 32);
    let b3 = fused ? zero : v128.load(g1 + o, 48);
    let zt: usize = z + o;
    let dt: usize = dr;
    for (let t: i32 = 0; t < T; t++, zt += s, dt += sd) {
      const e0 = load<f64>(dt);
      const e1 = load<f64>(dt, 8);
      const z0 = v128.load(zt);
      const z1 = v128.load(zt, 16);
      const z2 = v128.load(zt, 32);
      const z3 = v128.load(zt, 48);
      if (e0 != 0) {
        const v = f64x2.splat(e0);
        a0 = f64x2.add(a0, f64x2.mul(v, z0));
        a1 = f64x2.add(a1, f64x2.mul(v, z1));
        a2 = f64x2.add(a2, f64x2.mul(v, z2));
        a3 = f64x2.add(a3, f64x2.mul(v, z3));
      }
      if (e1 != 0) {
        const v = f64x2.splat(e1);
        b0 = f64x2.add(b0, f64x2.mul(v, z0));
        b1 = f64x2.add(b1, f64x2.mul(v, z1));
        b2 = f64x2.add(b2, f64x2.mul(v, z2));
        b3 = f64x2.add(b3, f64x2.mul(v, z3));
      }
    }
    if (fused) {
      const vl = f64x2.splat(lr);
      a0 = f64x2.sub(v128.load(g + o), f64x2.mul(vl, a0));
      a1 = f64x2.sub(v128.load(g + o, 16), f64x2.mul(vl, a1));
      a2 = f64x2.sub(v128.load(g + o, 32), f64x2.mul(vl, a2));
      a3 = f64x2.sub(v128.load(g + o, 48), f64x2.mul(vl, a3));
      b0 = f64x2.sub(v128.load(g1 + o), f64x2.mul(vl, b0));
      b1 = f64x2.sub(v128.load(g1 + o, 16), f64x2.mul(vl, b1));
      b2 = f64x2.sub(v128.load(g1 + o, 32), f64x2.mul(vl, b2));
      b3 = f64x2.sub(v128.load(g1 + o, 48), f64x2.mul(vl, b3));
    }
    v128.store(g + o, a0);
    v128.store(g + o, a1, 16);
    v128.store(g + o, a2, 32);
    v128.store(g + o, a3, 48);
    v128.store(g1 + o, b0);
    v128.store(g1 + o, b1, 16);
    v128.store(g1 + o, b2, 32);
    v128.store(g1 + o, b3, 48);
  }
  for (; i < n; i++) {
    const o: usize = (<usize>i) << 3;
    let a = fused ? 0.0 : load<f64>(g + o);
    let b = fused ? 0.0 : load<f64>(g1 + o);
    let zt: usize = z + o;
    let dt: usize = dr;
    for (let t: i32 = 0; t < T; t++, zt += s, dt += sd) {
      const e0 = load<f64>(dt);
      const e1 = load<f64>(dt, 8);
      const zi = load<f64>(zt);
      if (e0 != 0) a += e0 * zi;
      if (e1 != 0) b += e1 * zi;
    }
    store<f64>(g + o, fused ? load<f64>(g + o) - lr * a : a);
    store<f64>(g1 + o, fused ? load<f64>(g1 + o) - lr * b : b);
  }
}

// One row of rowsPairOuter (the odd last row); fused, column by column as rowsPairOuter's tail.
function rowOuter(g: usize, dr: usize, sd: usize, T: i32, z: usize, n: i32, fused: bool, lr: f64): void {
  const s: usize = (<usize>n) << 3;
  if (fused) {
    for (let i: i32 = 0; i < n; i++) {
      const o: usize = (<usize>i) << 3;
      let a = 0.0;
      for (let t: i32 = 0; t < T; t++) {
        const e = load<f64>(dr + (<usize>t) * sd);
        if (e != 0) a += e * load<f64>(z + (<usize>t) * s + o);
      }
      store<f64>(g + o, load<f64>(g + o) - lr * a);
    }
    return;
  }
  for (let t: i32 = 0; t < T; t++) {
    const e = load<f64>(dr + (<usize>t) * sd);
    if (e == 0) continue;
    axpy2(g, z + (<usize>t) * s, f64x2.splat(e), e, n);
  }
}

// y[i] += a[i]·e for i < n (JS: y[i] += a[i] * e; the product is commutative, the bits are the same).
function axpy2(y: usize, a: usize, ve: v128, e: f64, n: i32): void {
  let i: i32 = 0;
  for (; i + 1 < n; i += 2) {
    const o: usize = (<usize>i) << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(v128.load(a + o), ve)));
  }
  if (i < n) {
    const o: usize = (<usize>i) << 3;
    store<f64>(y + o, load<f64>(y + o) + load<f64>(a + o) * e);
  }
}

// out[i] = f(x[i]) for i < n, f by kind: 0 exp, 1 sigmoid (math.ts, scalar), 2 tanh2, 3 sigmoid2
// (two lanes at a time: squashRows). For the test that holds math.ts to V8's Math.exp / Math.tanh
// and activations.ts sigmoid bit for bit.
export function mathRows(out: usize, x: usize, n: i32, kind: i32): void {
  if (kind >= 2) {
    squashRows(out, x, n, kind == 2 ? 1 : 0);
    return;
  }
  for (let i: i32 = 0; i < n; i++) {
    const o: usize = (<usize>i) << 3;
    const v = load<f64>(x + o);
    store<f64>(out + o, kind == 0 ? exp(v) : sigmoid(v));
  }
}

// The element-wise part of one step of a vanilla or cifg layer for one stream (vanilla.ts
// vanillaForward at B = 1), on the gate pre-activations in act: the same operations in the same
// order, with math.ts's tanh2 and sigmoid2 (Math.tanh's and the JS sigmoid's bits). Gate order in
// act: vanilla [z | i | f | o], cifg [z | f | o]. Peepholes at pi (vanilla only), pf, po when
// peep != 0. act takes z, i, f, o; c, tc, h the step's c, tanh(c), y. In passes over the blocks,
// so the squashing runs over whole blocks (squashRows: four vectors side by side).
export function vanillaCells(act: usize, c: usize, tc: usize, h: usize, cPrev: usize, pi: usize, pf: usize, po: usize, H: i32, coupled: i32, peep: i32): void {
  const hb: usize = (<usize>H) << 3;
  const iI: usize = coupled != 0 ? 0 : hb;
  const fI: usize = coupled != 0 ? hb : 2 * hb;
  const oI: usize = fI + hb;
  const pairs: usize = (<usize>(H >> 1)) << 4; // bytes of the units taken two at a time
  // î += pi c_{t-1} (vanilla), f̂ += pf c_{t-1}
  if (peep != 0) {
    let o: usize = 0;
    for (; o < pairs; o += 16) {
      const cp = v128.load(cPrev + o);
      if (coupled == 0) v128.store(act + iI + o, f64x2.add(v128.load(act + iI + o), f64x2.mul(v128.load(pi + o), cp)));
      v128.store(act + fI + o, f64x2.add(v128.load(act + fI + o), f64x2.mul(v128.load(pf + o), cp)));
    }
    if (o < hb) {
      const cp = load<f64>(cPrev + o);
      if (coupled == 0) store<f64>(act + iI + o, load<f64>(act + iI + o) + load<f64>(pi + o) * cp);
      store<f64>(act + fI + o, load<f64>(act + fI + o) + load<f64>(pf + o) * cp);
    }
  }
  // z = tanh(ẑ); i = σ(î), f = σ(f̂) (adjacent blocks; cifg: f alone)
  squashRows(act, act, H, 1);
  squashRows(act + hb, act + hb, coupled != 0 ? H : 2 * H, 0);
  // c_t = z i + c_{t-1} f (cifg: i = 1 − f); ô += po c_t
  const one = f64x2.splat(1.0);
  let o: usize = 0;
  for (; o < pairs; o += 16) {
    const f = v128.load(act + fI + o);
    const i = coupled != 0 ? f64x2.sub(one, f) : v128.load(act + iI + o);
    const cr = f64x2.add(f64x2.mul(v128.load(act + o), i), f64x2.mul(v128.load(cPrev + o), f));
    v128.store(c + o, cr);
    if (peep != 0) v128.store(act + oI + o, f64x2.add(v128.load(act + oI + o), f64x2.mul(v128.load(po + o), cr)));
  }
  if (o < hb) {
    const f = load<f64>(act + fI + o);
    const i = coupled != 0 ? 1.0 - f : load<f64>(act + iI + o);
    const cr = load<f64>(act + o) * i + load<f64>(cPrev + o) * f;
    store<f64>(c + o, cr);
    if (peep != 0) store<f64>(act + oI + o, load<f64>(act + oI + o) + load<f64>(po + o) * cr);
  }
  // o = σ(ô), tanh(c_t); h_t = tanh(c_t) o
  squashRows(act + oI, act + oI, H, 0);
  squashRows(tc, c, H, 1);
  for (o = 0; o < pairs; o += 16) v128.store(h + o, f64x2.mul(v128.load(tc + o), v128.load(act + oI + o)));
  if (o < hb) store<f64>(h + o, load<f64>(tc + o) * load<f64>(act + oI + o));
}

// The 1997 cell's forward step for one stream with one cell per block and no hidden units, without
// traces (lstm97.ts lstm97Cells when predicting), on its nets [in (C); φ (C); out (C); c (C)]:
// y_in = f(net_in + p_in s(t-1)), y_φ likewise (fg != 0), g(net_c), s(t) = y_φ s(t-1) + y_in g
// (s(t-1) + y_in g without a forget gate: the same bits as 1·s(t-1)), y_out = f(net_out + p_out s(t))
// (og != 0), h(s(t)) into hS and y_c = y_out h(s(t)) into o (h alone without an output gate: the
// same bits as 1·h). Peephole terms where peep's bits say (1 in, 2 φ, 4 out). g and h by kind
// (0 sig4m2, 1 sig2m1, 2 σ, 3 tanh, 4 identity): the base function, then the affine map, as
// activations.ts squashFromBase. The same operations in the same order as lstm97Cells.
export function cells97One(net: usize, sPrev: usize, s: usize, pIn: usize, pFg: usize, pOut: usize, peep: i32, C: i32, fg: i32, og: i32, gKind: i32, hKind: i32, yIn: usize, yFg: usize, yOut: usize, hS: usize, o: usize): void {
  const cb: usize = (<usize>C) << 3;
  gate97(yIn, net, pIn, sPrev, peep & 1, cb);
  if (fg != 0) gate97(yFg, net + cb, pFg, sPrev, peep & 2, cb);
  squash97(o, net + 3 * cb, C, gKind); // g, in o until y_c
  const pairs: usize = (<usize>(C >> 1)) << 4;
  let at: usize = 0;
  for (; at < pairs; at += 16) {
    const yg = f64x2.mul(v128.load(yIn + at), v128.load(o + at));
    const sp = v128.load(sPrev + at);
    v128.store(s + at, f64x2.add(fg != 0 ? f64x2.mul(v128.load(yFg + at), sp) : sp, yg));
  }
  if (at < cb) {
    const yg = load<f64>(yIn + at) * load<f64>(o + at);
    const sp = load<f64>(sPrev + at);
    store<f64>(s + at, (fg != 0 ? load<f64>(yFg + at) * sp : sp) + yg);
  }
  if (og != 0) gate97(yOut, net + 2 * cb, pOut, s, peep & 4, cb);
  squash97(hS, s, C, hKind);
  if (og == 0) {
    memory.copy(o, hS, cb);
    return;
  }
  for (at = 0; at < pairs; at += 16) v128.store(o + at, f64x2.mul(v128.load(yOut + at), v128.load(hS + at)));
  if (at < cb) store<f64>(o + at, load<f64>(yOut + at) * load<f64>(hS + at));
}

// A gate of cells97One: out = σ(net [+ p ⊙ s]) over `bytes` of rows.
function gate97(out: usize, net: usize, p: usize, s: usize, peep: i32, bytes: usize): void {
  if (peep != 0) {
    let at: usize = 0;
    for (; at + 16 <= bytes; at += 16) v128.store(out + at, f64x2.add(v128.load(net + at), f64x2.mul(v128.load(p + at), v128.load(s + at))));
    if (at < bytes) store<f64>(out + at, load<f64>(net + at) + load<f64>(p + at) * load<f64>(s + at));
    squashRows(out, out, <i32>(bytes >> 3), 0);
  } else {
    squashRows(out, net, <i32>(bytes >> 3), 0);
  }
}

// out = g or h of cells97One by kind over n rows of x: the base function, then the affine map.
function squash97(out: usize, x: usize, n: i32, kind: i32): void {
  const bytes: usize = (<usize>n) << 3;
  if (kind == 4) {
    memory.copy(out, x, bytes);
    return;
  }
  squashRows(out, x, n, kind == 3 ? 1 : 0);
  if (kind >= 2) return;
  const a = kind == 0 ? 4.0 : 2.0;
  const b = kind == 0 ? 2.0 : 1.0;
  const av = f64x2.splat(a);
  const bv = f64x2.splat(b);
  let at: usize = 0;
  for (; at + 16 <= bytes; at += 16) v128.store(out + at, f64x2.sub(f64x2.mul(av, v128.load(out + at)), bv));
  if (at < bytes) store<f64>(out + at, a * load<f64>(out + at) - b);
}
