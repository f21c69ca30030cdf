// fdlibm's exp, expm1 and tanh (e_exp.c, s_expm1.c, s_tanh.c) in AssemblyScript, operation for
// operation as V8 computes Math.exp and Math.tanh (its base/ieee754.cc is the same fdlibm port),
// so a kernel that squashes in wasm gives the bits the JS kernels get from Math.exp/Math.tanh.
// Checked against them on millions of inputs and the edge cases by src/wasm-math.test.ts.

const HUGE: f64 = 1.0e300;
const TINY: f64 = 1.0e-300;
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

/** e^x − 1, fdlibm s_expm1.c. */
export function expm1(x: f64): f64 {
  let hx = highWord(x);
  const xsb: u32 = hx & 0x80000000;
  hx &= 0x7fffffff;
  let hi: f64 = 0;
  let lo: f64 = 0;
  let c: f64 = 0;
  let k: i32 = 0;
  if (hx >= 0x4043687a) {
    if (hx >= 0x40862e42) {
      if (hx >= 0x7ff00000) {
        if (((hx & 0xfffff) | lowWord(x)) != 0) return x + x; // NaN
        return xsb == 0 ? x : -1.0;
      }
      if (x > O_THRESHOLD) return Infinity;
    }
    if (xsb != 0) {
      if (x + TINY < 0.0) return TINY - 1.0;
    }
  }
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
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
    c = (hi - x) - lo;
  } else if (hx < 0x3c900000) {
    const t = HUGE + x;
    return x - (t - (HUGE + x));
  } else {
    k = 0;
  }
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1.0 + hxs * (-3.33333333333331316428e-2 + hxs * (1.58730158725481460165e-3 + hxs * (-7.93650757867487942473e-5 + hxs * (4.00821782732936239552e-6 + hxs * -2.01099218183624371326e-7))));
  let t = 3.0 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6.0 - x * t));
  if (k == 0) return x - (x * e - hxs);
  const twopk = fromHigh(<u32>(0x3ff00000 + (k << 20)));
  e = x * (e - c) - c;
  e -= hxs;
  if (k == -1) return 0.5 * (x - e) - 0.5;
  if (k == 1) {
    if (x < -0.25) return -2.0 * (e - (x + 0.5));
    return 1.0 + 2.0 * (x - e);
  }
  let y: f64;
  if (k <= -2 || k > 56) {
    y = 1.0 - (e - x);
    if (k == 1024) y = y * 2.0 * TWO1023;
    else y = y * twopk;
    return y - 1.0;
  }
  if (k < 20) {
    t = fromHigh(<u32>(0x3ff00000 - (0x200000 >> k)));
    y = t - (e - x);
    y = y * twopk;
  } else {
    t = fromHigh(<u32>((0x3ff - k) << 20));
    y = x - (e + t);
    y += 1.0;
    y = y * twopk;
  }
  return y;
}

/** tanh(x), fdlibm s_tanh.c. */
export function tanh(x: f64): f64 {
  const jx = <i32>highWord(x);
  const ix = jx & 0x7fffffff;
  let z: f64;
  if (ix >= 0x7ff00000) {
    if (jx >= 0) return 1.0 / x + 1.0;
    return 1.0 / x - 1.0;
  }
  if (ix < 0x40360000) {
    if (ix < 0x3e300000) {
      if (HUGE + x > 1.0) return x;
    }
    if (ix >= 0x3ff00000) {
      const t = expm1(2.0 * Math.abs(x));
      z = 1.0 - 2.0 / (t + 2.0);
    } else {
      const t = expm1(-2.0 * Math.abs(x));
      z = -t / (t + 2.0);
    }
  } else {
    z = 1.0 - TINY;
  }
  return jx >= 0 ? z : -z;
}

/** activations.ts sigmoid, on exp. */
export function sigmoid(x: f64): f64 {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  const e = exp(x);
  return e / (1.0 + e);
}
