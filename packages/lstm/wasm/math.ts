// fdlibm's exp, expm1 and tanh (e_exp.c, s_expm1.c, s_tanh.c) in AssemblyScript, operation for
// operation as V8 computes Math.exp and Math.tanh (its base/ieee754.cc is the same fdlibm port),
// so a kernel that squashes in wasm gives the bits the JS kernels get from Math.exp/Math.tanh:
// sigmoid2 and tanh2 (two lanes at a time, what the kernels call; branch-free, every input), and
// the scalar exp and sigmoid (for the tests, and once sigmoid2's fallback for NaN and |x| ≥ 708,
// which it now covers itself). Scalar expm1 and tanh were ported too (commit 6c9336b) and dropped
// once tanh2 needed no fallback. Checked against V8 on 262,144 inputs (the edge cases, every
// branch threshold, random at 7 scales) by src/wasm-math.test.ts. Also here: the float32
// squashing of the float32 inference kernels (sigmoid4, tanh4) and squashVecs, the loop that
// squashes whole rows in either width.

const HUGE: f64 = 1.0e300;
const O_THRESHOLD: f64 = 7.09782712893383973096e2;
const U_THRESHOLD: f64 = -7.45133219101941108420e2;
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INVLN2: f64 = 1.44269504088896338700;
const TWOM1000: f64 = 9.33263618503218878990e-302;
const TWO1023: f64 = 8.988465674311579539e307;

function highWord(x: f64): u32 {
  return <u32>(reinterpret<u64>(x) >> 32);
}

function lowWord(x: f64): u32 {
  return <u32>reinterpret<u64>(x);
}

function fromHigh(h: u32): f64 {
  return reinterpret<f64>((<u64>h) << 32);
}

/** e^x, fdlibm e_exp.c. */
export function exp(x: f64): f64 {
  let hx = highWord(x);
  const xsb: u32 = hx >> 31;
  hx &= 0x7fffffff;
  let k: i32 = 0;
  let hi: f64 = 0;
  let lo: f64 = 0;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | lowWord(x)) != 0) return x + x; // NaN
      return xsb == 0 ? x : 0.0;
    }
    if (x > O_THRESHOLD) return Infinity;
    if (x < U_THRESHOLD) return 0.0;
  }
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      if (x == 1.0) return 2.718281828459045;
      if (xsb == 0) {
        hi = x - LN2_HI;
        lo = LN2_LO;
        k = 1;
      } else {
        hi = x + LN2_HI;
        lo = -LN2_LO;
        k = -1;
      }
    } else {
      k = <i32>(INVLN2 * x + (xsb == 0 ? 0.5 : -0.5));
      const t = <f64>k;
      hi = x - t * LN2_HI;
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    if (HUGE + x > 1.0) return 1.0 + x;
  } else {
    k = 0;
  }
  const t = x * x;
  const twopk = k >= -1021 ? fromHigh(<u32>(0x3ff + k) << 20) : fromHigh(<u32>(0x3ff + (k + 1000)) << 20);
  const c = x - t * (1.66666666666666019037e-1 + t * (-2.77777777770155933842e-3 + t * (6.61375632143793436117e-5 + t * (-1.65339022054652515390e-6 + t * 4.13813679705723846039e-8))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * TWO1023;
    return y * twopk;
  }
  return y * twopk * TWOM1000;
}

/** activations.ts sigmoid, on exp. */
export function sigmoid(x: f64): f64 {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  const e = exp(x);
  return e / (1.0 + e);
}

// ---- Two lanes at a time (f64x2): the same operations as the scalar functions above, lane by lane.
// Every branch of the scalar code a lane can take is computed for both lanes and the lane's own
// result selected (v128.bitselect), so each lane gets exactly its scalar bits. Thresholds on the
// high word become comparisons of |x| with the double whose high word is the threshold (positive
// doubles order as their bits do). No lane leaves the vector code (subnormal results scale as
// e_exp.c does, below -745.13 the result is 0, NaN propagates): no branch, so a kernel that
// inlines several calls on independent vectors runs their dependency chains side by side.

const P1: f64 = 1.66666666666666019037e-1;
const P2: f64 = -2.77777777770155933842e-3;
const P3: f64 = 6.61375632143793436117e-5;
const P4: f64 = -1.65339022054652515390e-6;
const P5: f64 = 4.13813679705723846039e-8;
const Q1: f64 = -3.33333333333331316428e-2;
const Q2: f64 = 1.58730158725481460165e-3;
const Q3: f64 = -7.93650757867487942473e-5;
const Q4: f64 = 4.00821782732936239552e-6;
const Q5: f64 = -2.01099218183624371326e-7;

// |x| thresholds, as the doubles with these high words (vHigh): high word > 0x3fd62e42 is
// |x| ≥ vHigh(0x3fd62e43) (|x| > ln2/2), < 0x3ff0a2b2 (|x| < 1.5 ln2), < 0x3e300000 (|x| < 2^-28).
function vHigh(h: u32): v128 {
  return f64x2.splat(reinterpret<f64>((<u64>h) << 32));
}

// 2^k for the integer-valued lanes of kf (|k| ≤ 1022) without a float-to-integer conversion:
// kf + (2^52 + 2^51 + 1023) is exact and holds k + 1023 in the low bits of its bit pattern, and
// a shift by 52 leaves exactly those 11 bits in the exponent field (the higher bits fall out).
const POW2_MAGIC: f64 = 6755399441055744.0 + 1023.0;

/** 2^k for the integer-valued lanes of kf (|k| ≤ 1022). */
function pow2(kf: v128): v128 {
  return i64x2.shl(f64x2.add(kf, f64x2.splat(POW2_MAGIC)), 52);
}

/** 2^-k for the integer-valued lanes of kf. */
function pow2neg(kf: v128): v128 {
  return i64x2.shl(f64x2.sub(f64x2.splat(POW2_MAGIC), kf), 52);
}

/**
 * exp(a) for lanes a ≤ 0 (e_exp.c's branches for them: a < -745.13 or -∞: 0; |a| < 2^-28: 1 + a;
 * |a| ≤ ln2/2: k = 0; |a| < 1.5 ln2: k = -1; else k = (int)(a/ln2 - 0.5), and for k < -1021 the
 * result y·2^(k+1000)·2^-1000, subnormal); NaN stays NaN. Branch-free, so inlined calls on
 * independent vectors overlap (a branch would cut the code into blocks run one after another).
 * With k = 0 the reduction
 * hi = a - 0·LN2_HI, lo = 0·LN2_LO leaves a unchanged, and 1 - ((lo - q) - hi) with
 * q = (a·c)/(2 - c) is e_exp.c's 1 - ((a·c)/(c - 2) - a) (the same roundings, signs flipped exactly),
 * and 2^0 = 1: one formula for every k.
 */
// @ts-ignore: decorator
@inline
function expNeg2(a: v128): v128 {
  const m = f64x2.abs(a);
  const kD = f64x2.trunc(f64x2.add(f64x2.mul(f64x2.splat(INVLN2), a), f64x2.splat(-0.5)));
  const isC = f64x2.lt(m, vHigh(0x3ff0a2b2));
  const isB = f64x2.lt(m, vHigh(0x3fd62e43));
  const kf = v128.bitselect(f64x2.splat(0), v128.bitselect(f64x2.splat(-1), kD, isC), isB);
  const hi = f64x2.sub(a, f64x2.mul(kf, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(kf, f64x2.splat(LN2_LO));
  const x = f64x2.sub(hi, lo);
  const t = f64x2.mul(x, x);
  let p = f64x2.add(f64x2.splat(P4), f64x2.mul(t, f64x2.splat(P5)));
  p = f64x2.add(f64x2.splat(P3), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P2), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P1), f64x2.mul(t, p));
  const c = f64x2.sub(x, f64x2.mul(t, p));
  const q = f64x2.div(f64x2.mul(x, c), f64x2.sub(f64x2.splat(2.0), c));
  const y = f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, q), hi));
  const sub = f64x2.lt(kf, f64x2.splat(-1021)); // 2^k is subnormal: scale by 2^1000 and back
  const r = f64x2.mul(y, pow2(f64x2.add(kf, v128.and(sub, f64x2.splat(1000.0)))));
  const scaled = v128.bitselect(f64x2.mul(r, f64x2.splat(TWOM1000)), r, sub);
  const under = v128.andnot(scaled, f64x2.lt(a, f64x2.splat(U_THRESHOLD))); // -> +0
  return v128.bitselect(f64x2.add(f64x2.splat(1.0), a), under, f64x2.lt(m, vHigh(0x3e300000)));
}

/** sigmoid (activations.ts) of both lanes: exp(-|x|), then 1/(1+e) for x ≥ 0 and e/(1+e) below. */
// @ts-ignore: decorator
@inline
export function sigmoid2(x: v128): v128 {
  const e = expNeg2(f64x2.neg(f64x2.abs(x)));
  const pos = f64x2.ge(x, f64x2.splat(0));
  return f64x2.div(v128.bitselect(f64x2.splat(1.0), e, pos), f64x2.add(f64x2.splat(1.0), e));
}

/**
 * expm1(u) for the lanes tanh2 passes (2^-27 ≤ |u|; k = 0, -1, ≤ -2, or 3..63: never 1). Reduction
 * as expNeg2 (k = ±1 and the general k give the same hi, lo for k = ±1).
 */
// @ts-ignore: decorator
@inline
function expm1Tanh2(u: v128): v128 {
  const m = f64x2.abs(u);
  const half = v128.bitselect(f64x2.splat(-0.5), f64x2.splat(0.5), f64x2.lt(u, f64x2.splat(0)));
  const kD = f64x2.trunc(f64x2.add(f64x2.mul(f64x2.splat(INVLN2), u), half));
  const one = v128.bitselect(f64x2.splat(-1), f64x2.splat(1), f64x2.lt(u, f64x2.splat(0)));
  const isC = f64x2.lt(m, vHigh(0x3ff0a2b2));
  const isB = f64x2.lt(m, vHigh(0x3fd62e43));
  const kf = v128.bitselect(f64x2.splat(0), v128.bitselect(one, kD, isC), isB);
  const hi = f64x2.sub(u, f64x2.mul(kf, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(kf, f64x2.splat(LN2_LO));
  const x = f64x2.sub(hi, lo);
  const c = f64x2.sub(f64x2.sub(hi, x), lo);
  const hfx = f64x2.mul(f64x2.splat(0.5), x);
  const hxs = f64x2.mul(x, hfx);
  let r1 = f64x2.add(f64x2.splat(Q4), f64x2.mul(hxs, f64x2.splat(Q5)));
  r1 = f64x2.add(f64x2.splat(Q3), f64x2.mul(hxs, r1));
  r1 = f64x2.add(f64x2.splat(Q2), f64x2.mul(hxs, r1));
  r1 = f64x2.add(f64x2.splat(Q1), f64x2.mul(hxs, r1));
  r1 = f64x2.add(f64x2.splat(1.0), f64x2.mul(hxs, r1));
  const t = f64x2.sub(f64x2.splat(3.0), f64x2.mul(r1, hfx));
  const e0 = f64x2.mul(hxs, f64x2.div(f64x2.sub(r1, t), f64x2.sub(f64x2.splat(6.0), f64x2.mul(x, t))));
  // k == 0
  const rK0 = f64x2.sub(x, f64x2.sub(f64x2.mul(x, e0), hxs));
  // k != 0
  const e = f64x2.sub(f64x2.sub(f64x2.mul(x, f64x2.sub(e0, c)), c), hxs);
  const twopk = pow2(kf);
  const rKm1 = f64x2.sub(f64x2.mul(f64x2.splat(0.5), f64x2.sub(x, e)), f64x2.splat(0.5));
  const rFar = f64x2.sub(f64x2.mul(f64x2.sub(f64x2.splat(1.0), f64x2.sub(e, x)), twopk), f64x2.splat(1.0));
  const tk = pow2neg(kf); // 2^-k
  const rLow = f64x2.mul(f64x2.sub(f64x2.sub(f64x2.splat(1.0), tk), f64x2.sub(e, x)), twopk); // t = 1 - 2^-k (exact), k < 20
  const rHigh = f64x2.mul(f64x2.add(f64x2.sub(x, f64x2.add(e, tk)), f64x2.splat(1.0)), twopk); // t = 2^-k, 20 ≤ k ≤ 56
  const far = v128.or(f64x2.le(kf, f64x2.splat(-2)), f64x2.gt(kf, f64x2.splat(56)));
  let r = v128.bitselect(rLow, rHigh, f64x2.lt(kf, f64x2.splat(20)));
  r = v128.bitselect(rFar, r, far);
  r = v128.bitselect(rKm1, r, f64x2.eq(kf, f64x2.splat(-1)));
  return v128.bitselect(rK0, r, f64x2.eq(kf, f64x2.splat(0)));
}

/** Math.tanh (s_tanh.c) of both lanes. */
// @ts-ignore: decorator
@inline
export function tanh2(x: v128): v128 {
  const m = f64x2.abs(x);
  const big = f64x2.ge(m, f64x2.splat(1.0));
  const u = v128.bitselect(f64x2.mul(f64x2.splat(2.0), m), f64x2.mul(f64x2.splat(-2.0), m), big);
  const t = expm1Tanh2(u);
  const q = f64x2.div(v128.bitselect(f64x2.splat(2.0), f64x2.neg(t), big), f64x2.add(t, f64x2.splat(2.0)));
  let z = v128.bitselect(f64x2.sub(f64x2.splat(1.0), q), q, big);
  z = v128.bitselect(f64x2.splat(1.0), z, f64x2.ge(m, f64x2.splat(22.0)));
  z = v128.or(z, v128.and(x, i64x2.splat(0x8000000000000000))); // z ≥ 0: the sign of x
  // |x| < 2^-28 and NaN (no comparison holds for it): x itself
  return v128.bitselect(z, x, f64x2.ge(m, vHigh(0x3e300000)));
}

/**
 * out[i] = f(x[i]) for i < n, f = sigmoid2 (kind 0) or tanh2 (kind 1): eight at a time (four
 * vectors in one straight run of code, so their long dependency chains overlap: squashVecs), an
 * odd last one alone. out may be x. What the kernels export for the squashing of whole rows.
 */
export function squashRows(out: usize, x: usize, n: i32, kind: i32): void {
  if (kind == 0) squashRun<Sigmoid>(out, x, n);
  else squashRun<Tanh>(out, x, n);
}

// The squashing function as a type argument, chosen at compile time (sizeof), so a kernel copy
// for one function has no branch inside: AssemblyScript does not fold a constant argument of an
// inlined function, and a branch would cut the straight run of code the chains overlap in.
export type Sigmoid = u8;
export type Tanh = u16;

/** squashRows for one function. */
// @ts-ignore: decorator
@inline
function squashRun<F>(out: usize, x: usize, n: i32): void {
  squashVecs<f64, F>(out, x, n >> 1);
  if (n & 1) {
    const o: usize = (<usize>(n - 1)) << 3;
    const v = f64x2.splat(load<f64>(x + o));
    store<f64>(out + o, f64x2.extract_lane(sizeof<F>() == sizeof<Sigmoid>() ? sigmoid2(v) : tanh2(v), 0));
  }
}

// ---- Four lanes at a time (f32x4), for the float32 inference kernels (infer.ts): Cephes' expf,
// tanhf and the sigmoid on expf, not bit-compatible with anything, within a few ulp.

// e^x for four lanes (Cephes expf: x = n ln2 + r, |r| ≤ ½ln2, a degree-6 polynomial for e^r,
// 2^n built in the exponent field). x is clamped to [-87.3, 88.3] so 2^n stays a normal float:
// below, e^x underflows towards 0 anyway; above, the result is ~2e38 instead of +∞, which the
// sigmoid and tanh below turn into the same 0 or ±1. Relative error ≤ ~2 ulp.
// @ts-ignore: decorator
@inline
function exp4(v: v128): v128 {
  const x = f32x4.min(f32x4.max(v, f32x4.splat(-87.3)), f32x4.splat(88.3));
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.4426950408889634)));
  let r = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, r), r), r), f32x4.splat(1.0));
  const e = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  return f32x4.mul(y, e);
}

// 1 / (1 + e^-x), four lanes.
// @ts-ignore: decorator
@inline
export function sigmoid4(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), exp4(f32x4.neg(x))));
}

// tanh, four lanes: Cephes tanhf's odd polynomial below |x| = 0.625 (where (1 − e)/(1 + e) would
// cancel), sign(x)·(1 − e^{-2|x|})/(1 + e^{-2|x|}) above.
// @ts-ignore: decorator
@inline
export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const t = exp4(f32x4.mul(ax, f32x4.splat(-2.0)));
  const big = f32x4.div(f32x4.sub(f32x4.splat(1.0), t), f32x4.add(f32x4.splat(1.0), t));
  const z = f32x4.mul(x, x);
  let s = f32x4.splat(-5.70498872745e-3);
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(2.06390887954e-2));
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(-5.37397155531e-2));
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(1.33314422036e-1));
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(s, z), x), x);
  const signed = v128.or(big, v128.and(x, f32x4.splat(-0.0))); // |result| with x's sign bit
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

// ---- Either width: T = f64 (f64x2, fdlibm's bits above) or f32 (f32x4); sizeof<T>() is a
// compile-time constant, so each instance is plain code.

// @ts-ignore: decorator
@inline
function vsigmoid<T>(x: v128): v128 {
  return sizeof<T>() == 8 ? sigmoid2(x) : sigmoid4(x);
}

// @ts-ignore: decorator
@inline
function vtanh<T>(x: v128): v128 {
  return sizeof<T>() == 8 ? tanh2(x) : tanh4(x);
}

// out[k] = F(x[k]) (F = Sigmoid: σ, Tanh: tanh) for the nv vectors (16 bytes each) at x, into out
// (may be x): four at a time, every load before a store, so their long dependency chains overlap
// (every kernel that squashes whole rows runs this loop), then one at a time.
// @ts-ignore: decorator
@inline
export function squashVecs<T, F>(out: usize, x: usize, nv: i32): void {
  let k: i32 = 0;
  for (; k + 3 < nv; k += 4) {
    const o: usize = (<usize>k) << 4;
    const x0 = v128.load(x + o);
    const x1 = v128.load(x + o, 16);
    const x2 = v128.load(x + o, 32);
    const x3 = v128.load(x + o, 48);
    const sig = sizeof<F>() == sizeof<Sigmoid>();
    v128.store(out + o, sig ? vsigmoid<T>(x0) : vtanh<T>(x0));
    v128.store(out + o, sig ? vsigmoid<T>(x1) : vtanh<T>(x1), 16);
    v128.store(out + o, sig ? vsigmoid<T>(x2) : vtanh<T>(x2), 32);
    v128.store(out + o, sig ? vsigmoid<T>(x3) : vtanh<T>(x3), 48);
  }
  for (; k < nv; k++) {
    const o: usize = (<usize>k) << 4;
    const v = v128.load(x + o);
    v128.store(out + o, sizeof<F>() == sizeof<Sigmoid>() ? vsigmoid<T>(v) : vtanh<T>(v));
  }
}

