// AssemblyScript source of @carousel/lstm's WebAssembly SIMD kernels (built by build.mjs into
// kernels.wasm and src/kernels-wasm-bytes.ts). Not TypeScript for tsc: AssemblyScript types
// (usize, f64, v128) and builtins (load, store, f64x2). Memory is owned and laid out by the JS
// side (src/wasm-kernels.ts); these functions only read and write the byte offsets they are given.
//
// gemm: out[r, b] = (bias[r] | 0) + Σ_i w1[r, i] z1[i, b] + Σ_i w2[r, i] z2[i, b]
//   w1: (rows, n1) row-major, w2: (rows, n2); z1: (n1, Bp), z2: (n2, Bp) stream-minor;
//   out: (rows, Bp); Bp a multiple of 4.
// The SIMD lanes run over streams, never over i: every (r, b) sum is taken in the order
// bias, i = 0 .. n1-1, i = 0 .. n2-1 with a rounded multiply then a rounded add, exactly the
// order of the JS kernels, so both backends give the same bits.

import { Sigmoid, Tanh, squashVecs } from './math';


export function gemm(out: usize, bias: usize, hasBias: i32, w1: usize, n1: i32, z1: usize, w2: usize, n2: i32, z2: usize, rows: i32, Bp: i32): void {
  const zs: usize = (<usize>Bp) << 3; // bytes per z row
  const s1: usize = (<usize>n1) << 3; // bytes per w1 row
  const s2: usize = (<usize>n2) << 3;
  let r: i32 = 0;
  for (; r + 3 < rows; r += 4) {
    const ro: usize = <usize>r;
    const c0 = hasBias ? load<f64>(bias + (ro << 3)) : 0.0;
    const c1 = hasBias ? load<f64>(bias + ((ro + 1) << 3)) : 0.0;
    const c2 = hasBias ? load<f64>(bias + ((ro + 2) << 3)) : 0.0;
    const c3 = hasBias ? load<f64>(bias + ((ro + 3) << 3)) : 0.0;
    const wa: usize = w1 + ro * s1;
    const wb: usize = w2 + ro * s2;
    for (let b: i32 = 0; b < Bp; b += 4) {
      const bo: usize = (<usize>b) << 3;
      let a00 = f64x2.splat(c0);
      let a01 = a00;
      let a10 = f64x2.splat(c1);
      let a11 = a10;
      let a20 = f64x2.splat(c2);
      let a21 = a20;
      let a30 = f64x2.splat(c3);
      let a31 = a30;
      let zp: usize = z1 + bo;
      let wp: usize = wa;
      for (let i: i32 = 0; i < n1; i++) {
        const x0 = v128.load(zp);
        const x1 = v128.load(zp, 16);
        const p0 = f64x2.splat(load<f64>(wp));
        const p1 = f64x2.splat(load<f64>(wp + s1));
        const p2 = f64x2.splat(load<f64>(wp + 2 * s1));
        const p3 = f64x2.splat(load<f64>(wp + 3 * s1));
        a00 = f64x2.add(a00, f64x2.mul(p0, x0));
        a01 = f64x2.add(a01, f64x2.mul(p0, x1));
        a10 = f64x2.add(a10, f64x2.mul(p1, x0));
        a11 = f64x2.add(a11, f64x2.mul(p1, x1));
        a20 = f64x2.add(a20, f64x2.mul(p2, x0));
        a21 = f64x2.add(a21, f64x2.mul(p2, x1));
        a30 = f64x2.add(a30, f64x2.mul(p3, x0));
        a31 = f64x2.add(a31, f64x2.mul(p3, x1));
        zp += zs;
        wp += 8;
      }
      zp = z2 + bo;
      wp = wb;
      for (let i: i32 = 0; i < n2; i++) {
        const x0 = v128.load(zp);
        const x1 = v128.load(zp, 16);
        const p0 = f64x2.splat(load<f64>(wp));
        const p1 = f64x2.splat(load<f64>(wp + s2));
        const p2 = f64x2.splat(load<f64>(wp + 2 * s2));
        const p3 = f64x2.splat(load<f64>(wp + 3 * s2));
        a00 = f64x2.add(a00, f64x2.mul(p0, x0));
        a01 = f64x2.add(a01, f64x2.mul(p0, x1));
        a10 = f64x2.add(a10, f64x2.mul(p1, x0));
        a11 = f64x2.add(a11, f64x2.mul(p1, x1));
        a20 = f64x2.add(a20, f64x2.mul(p2, x0));
        a21 = f64x2.add(a21, f64x2.mul(p2, x1));
        a30 = f64x2.add(a30, f64x2.mul(p3, x0));
        a31 = f64x2.add(a31, f64x2.mul(p3, x1));
        zp += zs;
        wp += 8;
      }
      const o: usize = out + ro * zs + bo;
      v128.store(o, a00);
      v128.store(o, a01, 16);
      v128.store(o + zs, a10);
      v128.store(o + zs, a11, 16);
      v128.store(o + 2 * zs, a20);
      v128.store(o + 2 * zs, a21, 16);
      v128.store(o + 3 * zs, a30);
      v128.store(o + 3 * zs, a31, 16);
    }
  }
  for (; r < rows; r++) {
    const ro: usize = <usize>r;
    const c0 = hasBias ? load<f64>(bias + (ro << 3)) : 0.0;
    for (let b: i32 = 0; b < Bp; b += 4) {
      const bo: usize = (<usize>b) << 3;
      let a0 = f64x2.splat(c0);
      let a1 = a0;
      let zp: usize = z1 + bo;
      let wp: usize = w1 + ro * s1;
      for (let i: i32 = 0; i < n1; i++) {
        const p = f64x2.splat(load<f64>(wp));
        a0 = f64x2.add(a0, f64x2.mul(p, v128.load(zp)));
        a1 = f64x2.add(a1, f64x2.mul(p, v128.load(zp, 16)));
        zp += zs;
        wp += 8;
      }
      zp = z2 + bo;
      wp = w2 + ro * s2;
      for (let i: i32 = 0; i < n2; i++) {
        const p = f64x2.splat(load<f64>(wp));
        a0 = f64x2.add(a0, f64x2.mul(p, v128.load(zp)));
        a1 = f64x2.add(a1, f64x2.mul(p, v128.load(zp, 16)));
        zp += zs;
        wp += 8;
      }
      const o: usize = out + ro * zs + bo;
      v128.store(o, a0);
      v128.store(o, a1, 16);
    }
  }
}

// outerAcc: g[r, j] += Σ_b e[b·ldE + r] z[b·n + j] for r < rows, j < n, b = 0 .. B-1 in order.
//   g: (rows, n) row-major; e: (B, ldE) stream-major, column r; z: (B, n) stream-major.
// The weight gradient of a gate block over a batch of streams. Lanes run over j (independent
// elements); each element's sum is taken in stream order b = 0, 1, ... from its old value with a
// rounded multiply then a rounded add, exactly as B one-stream backward passes add into grad.
export function outerAcc(g: usize, n: i32, e: usize, ldE: i32, z: usize, rows: i32, B: i32): void {
  const gs: usize = (<usize>n) << 3; // bytes per g row and per z row
  const es: usize = (<usize>ldE) << 3; // bytes per e row
  let r: i32 = 0;
  for (; r + 3 < rows; r += 4) {
    const ro: usize = <usize>r;
    const g0: usize = g + ro * gs;
    const e0: usize = e + (ro << 3);
    let j: i32 = 0;
    for (; j + 3 < n; j += 4) {
      const jo: usize = (<usize>j) << 3;
      const p: usize = g0 + jo;
      let a00 = v128.load(p);
      let a01 = v128.load(p, 16);
      let a10 = v128.load(p + gs);
      let a11 = v128.load(p + gs, 16);
      let a20 = v128.load(p + 2 * gs);
      let a21 = v128.load(p + 2 * gs, 16);
      let a30 = v128.load(p + 3 * gs);
      let a31 = v128.load(p + 3 * gs, 16);
      let zp: usize = z + jo;
      let ep: usize = e0;
      for (let b: i32 = 0; b < B; b++) {
        const x0 = v128.load(zp);
        const x1 = v128.load(zp, 16);
        const d0 = f64x2.splat(load<f64>(ep));
        const d1 = f64x2.splat(load<f64>(ep, 8));
        const d2 = f64x2.splat(load<f64>(ep, 16));
        const d3 = f64x2.splat(load<f64>(ep, 24));
        a00 = f64x2.add(a00, f64x2.mul(d0, x0));
        a01 = f64x2.add(a01, f64x2.mul(d0, x1));
        a10 = f64x2.add(a10, f64x2.mul(d1, x0));
        a11 = f64x2.add(a11, f64x2.mul(d1, x1));
        a20 = f64x2.add(a20, f64x2.mul(d2, x0));
        a21 = f64x2.add(a21, f64x2.mul(d2, x1));
        a30 = f64x2.add(a30, f64x2.mul(d3, x0));
        a31 = f64x2.add(a31, f64x2.mul(d3, x1));
        zp += gs;
        ep += es;
      }
      v128.store(p, a00);
      v128.store(p, a01, 16);
      v128.store(p + gs, a10);
      v128.store(p + gs, a11, 16);
      v128.store(p + 2 * gs, a20);
      v128.store(p + 2 * gs, a21, 16);
      v128.store(p + 3 * gs, a30);
      v128.store(p + 3 * gs, a31, 16);
    }
    for (; j < n; j++) {
      const jo: usize = (<usize>j) << 3;
      const p: usize = g0 + jo;
      let s0 = load<f64>(p);
      let s1 = load<f64>(p + gs);
      let s2 = load<f64>(p + 2 * gs);
      let s3 = load<f64>(p + 3 * gs);
      let zp: usize = z + jo;
      let ep: usize = e0;
      for (let b: i32 = 0; b < B; b++) {
        const x = load<f64>(zp);
        s0 += load<f64>(ep) * x;
        s1 += load<f64>(ep, 8) * x;
        s2 += load<f64>(ep, 16) * x;
        s3 += load<f64>(ep, 24) * x;
        zp += gs;
        ep += es;
      }
      store<f64>(p, s0);
      store<f64>(p + gs, s1);
      store<f64>(p + 2 * gs, s2);
      store<f64>(p + 3 * gs, s3);
    }
  }
  for (; r < rows; r++) {
    const ro: usize = <usize>r;
    const g0: usize = g + ro * gs;
    const e0: usize = e + (ro << 3);
    let j: i32 = 0;
    for (; j + 1 < n; j += 2) {
      const jo: usize = (<usize>j) << 3;
      let a = v128.load(g0 + jo);
      let zp: usize = z + jo;
      let ep: usize = e0;
      for (let b: i32 = 0; b < B; b++) {
        a = f64x2.add(a, f64x2.mul(f64x2.splat(load<f64>(ep)), v128.load(zp)));
        zp += gs;
        ep += es;
      }
      v128.store(g0 + jo, a);
    }
    for (; j < n; j++) {
      const jo: usize = (<usize>j) << 3;
      let s = load<f64>(g0 + jo);
      let zp: usize = z + jo;
      let ep: usize = e0;
      for (let b: i32 = 0; b < B; b++) {
        s += load<f64>(ep) * load<f64>(zp);
        zp += gs;
        ep += es;
      }
      store<f64>(g0 + jo, s);
    }
  }
}

// vanillaCells: the element-wise step of a vanilla/cifg layer over a batch, stream-minor (every
// (n)-row matrix is (n, Bp): row r holds the Bp streams' values side by side), in place on the
// gate pre-activations `pre` (G, Bp) that gemm wrote: z = tanh(ẑ), i = σ(î + pi c_{t-1}),
// f = σ(f̂ + pf c_{t-1}), c_t = z i + c_{t-1} f, o = σ(ô + po c_t), h_t = tanh(c_t) o (cifg: no i
// block, i = 1 − f). Gate blocks in pre: z, i, f, o (cifg: z, f, o). peep: the peephole vectors
// pi, pf, po (cifg: pf, po), H each, when hasPeep. Writes c_t, tanh(c_t) and h_t, (H, Bp) each.
// Every value is vanilla.ts vanillaForward's, operation for operation (the JS sigmoid and Math.tanh
// are fdlibm's, which math.ts squashes with the same bits), so both backends agree bit for bit.
export function vanillaCells(pre: usize, cPrev: usize, c: usize, tc: usize, h: usize, peep: usize, hasPeep: i32, H: i32, Bp: i32, coupled: i32): void {
  const rb: usize = (<usize>Bp) << 3; // bytes of a row
  const hb: usize = (<usize>H) * rb; // bytes of an H-row block
  const nv: i32 = <i32>(hb >> 4);
  const fOff: usize = coupled ? hb : 2 * hb;
  const oOff: usize = fOff + hb;
  const pf: usize = peep + (coupled ? 0 : (<usize>H) << 3);
  const po: usize = pf + ((<usize>H) << 3);
  if (hasPeep) {
    for (let r: i32 = 0; r < H; r++) {
      const ro: usize = (<usize>r) * rb;
      const vi = f64x2.splat(load<f64>(peep + ((<usize>r) << 3)));
      const vf = f64x2.splat(load<f64>(pf + ((<usize>r) << 3)));
      for (let at: usize = 0; at < rb; at += 16) {
        const cp = v128.load(cPrev + ro + at);
        if (!coupled) v128.store(pre + hb + ro + at, f64x2.add(v128.load(pre + hb + ro + at), f64x2.mul(vi, cp)));
        v128.store(pre + fOff + ro + at, f64x2.add(v128.load(pre + fOff + ro + at), f64x2.mul(vf, cp)));
      }
    }
  }
  squashVecs<f64, Tanh>(pre, pre, nv);
  squashVecs<f64, Sigmoid>(pre + hb, pre + hb, coupled ? nv : 2 * nv);
  const one = f64x2.splat(1.0);
  for (let r: i32 = 0; r < H; r++) {
    const ro: usize = (<usize>r) * rb;
    const vo = f64x2.splat(hasPeep ? load<f64>(po + ((<usize>r) << 3)) : 0.0);
    for (let at: usize = 0; at < rb; at += 16) {
      const q: usize = ro + at;
      const f = v128.load(pre + fOff + q);
      const i = coupled ? f64x2.sub(one, f) : v128.load(pre + hb + q);
      const cr = f64x2.add(f64x2.mul(v128.load(pre + q), i), f64x2.mul(v128.load(cPrev + q), f));
      v128.store(c + q, cr);
      if (hasPeep) v128.store(pre + oOff + q, f64x2.add(v128.load(pre + oOff + q), f64x2.mul(vo, cr)));
    }
  }
  squashVecs<f64, Sigmoid>(pre + oOff, pre + oOff, nv);
  squashVecs<f64, Tanh>(tc, c, nv);
  for (let at: usize = 0; at < hb; at += 16) v128.store(h + at, f64x2.mul(v128.load(tc + at), v128.load(pre + oOff + at)));
}

// out[b·rows + q] = x[q·Bp + b] for b < B, q < rows: a stream-minor (rows, Bp) matrix back to
// stream-major (B, rows). Eight rows and two streams at a time, so each stream's eight values go
// out as one 64-byte run; the rows left over two at a time (a 2×2 transpose in registers), then one.
export function untranspose(out: usize, x: usize, rows: i32, B: i32, Bp: i32): void {
  const rb: usize = (<usize>Bp) << 3;
  const ob: usize = (<usize>rows) << 3;
  let q: i32 = 0;
  for (; q + 7 < rows; q += 8) {
    const x0: usize = x + (<usize>q) * rb;
    let o: usize = out + ((<usize>q) << 3);
    let b: i32 = 0;
    for (; b + 1 < B; b += 2) {
      const p: usize = x0 + ((<usize>b) << 3);
      const u0 = v128.load(p);
      const u1 = v128.load(p + rb);
      const u2 = v128.load(p + 2 * rb);
      const u3 = v128.load(p + 3 * rb);
      const u4 = v128.load(p + 4 * rb);
      const u5 = v128.load(p + 5 * rb);
      const u6 = v128.load(p + 6 * rb);
      const u7 = v128.load(p + 7 * rb);
      v128.store(o, v128.shuffle<f64>(u0, u1, 0, 2));
      v128.store(o, v128.shuffle<f64>(u2, u3, 0, 2), 16);
      v128.store(o, v128.shuffle<f64>(u4, u5, 0, 2), 32);
      v128.store(o, v128.shuffle<f64>(u6, u7, 0, 2), 48);
      const o1: usize = o + ob;
      v128.store(o1, v128.shuffle<f64>(u0, u1, 1, 3));
      v128.store(o1, v128.shuffle<f64>(u2, u3, 1, 3), 16);
      v128.store(o1, v128.shuffle<f64>(u4, u5, 1, 3), 32);
      v128.store(o1, v128.shuffle<f64>(u6, u7, 1, 3), 48);
      o += 2 * ob;
    }
    if (b < B) {
      const p: usize = x0 + ((<usize>b) << 3);
      for (let k: i32 = 0; k < 8; k++) store<f64>(o + ((<usize>k) << 3), load<f64>(p + (<usize>k) * rb));
    }
  }
  for (; q + 1 < rows; q += 2) {
    const x0: usize = x + (<usize>q) * rb;
    const x1: usize = x0 + rb;
    let o: usize = out + ((<usize>q) << 3);
    let b: i32 = 0;
    for (; b + 1 < B; b += 2) {
      const bo: usize = (<usize>b) << 3;
      const u = v128.load(x0 + bo);
      const v = v128.load(x1 + bo);
      v128.store(o, v128.shuffle<f64>(u, v, 0, 2));
      v128.store(o + ob, v128.shuffle<f64>(u, v, 1, 3));
      o += 2 * ob;
    }
    if (b < B) {
      const bo: usize = (<usize>b) << 3;
      store<f64>(o, load<f64>(x0 + bo));
      store<f64>(o, load<f64>(x1 + bo), 8);
    }
  }
  if (q < rows) {
    const x0: usize = x + (<usize>q) * rb;
    for (let b: i32 = 0; b < B; b++) store<f64>(out + (<usize>b) * ob + ((<usize>q) << 3), load<f64>(x0 + ((<usize>b) << 3)));
  }
}
