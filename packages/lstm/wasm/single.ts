// AssemblyScript source of the single-stream kernels of Rtrl97 (built by build.mjs into
// single.wasm and src/single-wasm-bytes.ts). The module imports its memory: each Rtrl97 that runs
// these kernels owns one WebAssembly.Memory holding its params, grad and one stream's state
// (src/wasm-single.ts), and passes byte offsets into it. Every value is computed as the JS kernels
// compute it (a rounded multiply, then a rounded add, in the same order), so both give the same bits.

// out[r] = Σ_i w[r, i] z[i] (w: rows × n, row-major), 4 rows at a time over one read of z, each row
// summed left to right from 0: lstm97.ts matvec (and its single-row tail, dot).
export function matvec(out: usize, w: usize, rows: i32, n: i32, z: usize): void {
  const s: usize = (<usize>n) << 3;
  let r: i32 = 0;
  for (; r + 3 < rows; r += 4) {
    const w0: usize = w + (<usize>r) * s;
    const w1: usize = w0 + s;
    const w2: usize = w1 + s;
    const w3: usize = w2 + s;
    let a0: f64 = 0;
    let a1: f64 = 0;
    let a2: f64 = 0;
    let a3: f64 = 0;
    for (let i: i32 = 0; i < n; i++) {
      const o: usize = (<usize>i) << 3;
      const zi = load<f64>(z + o);
      a0 += load<f64>(w0 + o) * zi;
      a1 += load<f64>(w1 + o) * zi;
      a2 += load<f64>(w2 + o) * zi;
      a3 += load<f64>(w3 + o) * zi;
    }
    const oo: usize = out + ((<usize>r) << 3);
    store<f64>(oo, a0);
    store<f64>(oo, a1, 8);
    store<f64>(oo, a2, 16);
    store<f64>(oo, a3, 24);
  }
  for (; r < rows; r++) {
    const wr: usize = w + (<usize>r) * s;
    let a: f64 = 0;
    for (let i: i32 = 0; i < n; i++) a += load<f64>(wr + ((<usize>i) << 3)) * load<f64>(z + ((<usize>i) << 3));
    store<f64>(out + ((<usize>r) << 3), a);
  }
}

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
