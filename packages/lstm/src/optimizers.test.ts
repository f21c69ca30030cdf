import { describe, expect, it } from 'vitest';
import { LSTM_ERR, LstmError } from './errors.ts';
import { createRng } from './prng.ts';
import { clampAbs, clipByGlobalNorm, clipByValue, gradNorm } from './clip.ts';
import {
  APPLY_STATUS,
  DEFAULT_ADAMW_WEIGHT_DECAY,
  DEFAULT_ADAM_LR,
  DEFAULT_SGD_LR,
  applyStatusCode,
  createOptimizer,
  maxAbs,
  parseOptimizerOptions,
  type OptimizerOptions,
} from './optimizers.ts';

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LstmError ? e.code : 'not an LstmError';
  }
  return undefined;
}

function randomVec(seed: number, n: number, scale = 1): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => scale * rng.normal());
}

describe('optimizer options', () => {
  it('fills per-kind defaults and freezes the result', () => {
    const sgd = parseOptimizerOptions({});
    expect(sgd.kind).toBe('sgd');
    expect(sgd.lr).toBe(DEFAULT_SGD_LR);
    expect(Object.isFrozen(sgd)).toBe(true);
    const adamw = parseOptimizerOptions({ kind: 'adamw' });
    expect(adamw.lr).toBe(DEFAULT_ADAM_LR);
    expect(adamw.weightDecay).toBe(DEFAULT_ADAMW_WEIGHT_DECAY);
    expect(parseOptimizerOptions({ kind: 'adam' }).weightDecay).toBe(0);
  });

  it('rejects bad values with LSTM_ERR_CONFIG naming the field', () => {
    const cases: [OptimizerOptions, string][] = [
      [{ lr: -1 }, 'lr'],
      [{ lr: NaN }, 'lr'],
      [{ kind: 'adam', beta1: 1 }, 'beta1'],
      [{ kind: 'adam', beta2: -0.1 }, 'beta2'],
      [{ kind: 'rmsprop', eps: 0 }, 'eps'],
      [{ momentum: 1.5 }, 'momentum'],
      [{ clipNorm: -1 }, 'clipNorm'],
      [{ kind: 'nadam' as never }, 'kind'],
      [{ kind: 'adam', momentum: 0.9 }, 'momentum'],
      [{ nesterov: true }, 'nesterov'],
    ];
    for (const [opts, field] of cases) {
      let err: unknown;
      try {
        parseOptimizerOptions(opts);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(opts)).toBeInstanceOf(LstmError);
      expect((err as LstmError).code).toBe(LSTM_ERR.CONFIG);
      expect((err as LstmError).message).toContain(field);
    }
  });
});

describe('sgd', () => {
  it('takes the plain step p - lr (g + wd p)', () => {
    const opt = createOptimizer({ kind: 'sgd', lr: 0.1, weightDecay: 0.5 }, 2);
    const p = new Float64Array([1, -2]);
    expect(opt.apply(p, new Float64Array([0.5, 0.25]))).toBe(APPLY_STATUS.OK);
    expect(p[0]).toBe(1 - 0.1 * (0.5 + 0.5 * 1));
    expect(p[1]).toBe(-2 - 0.1 * (0.25 + 0.5 * -2));
    expect(opt.steps).toBe(1);
  });

  for (const nesterov of [false, true]) {
    it(`matches a reference PyTorch-style momentum loop bit for bit (nesterov ${nesterov})`, () => {
      const n = 7;
      const lr = 0.05;
      const mu = 0.9;
      const opt = createOptimizer({ kind: 'sgd', lr, momentum: mu, nesterov }, n);
      const p = randomVec(1, n);
      const ref = p.slice();
      let buf: number[] | null = null;
      for (let t = 0; t < 6; t++) {
        const g = randomVec(100 + t, n);
        expect(opt.apply(p, g)).toBe(APPLY_STATUS.OK);
        // torch.optim.SGD with dampening 0: buf = g on the first step, then mu * buf + g.
        buf = buf === null ? Array.from(g) : buf.map((b, i) => mu * b + g[i]);
        for (let i = 0; i < n; i++) ref[i] -= lr * (nesterov ? g[i] + mu * buf[i] : buf[i]);
      }
      expect(sameBits(p, ref)).toBe(true);
    });
  }

  it('applies scale to the gradient exactly like a pre-scaled gradient', () => {
    const a = createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.5 }, 4);
    const b = createOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.5 }, 4);
    const pa = randomVec(2, 4);
    const pb = pa.slice();
    const g = randomVec(3, 4);
    a.apply(pa, g, 0.25);
    b.apply(pb, g.map((x) => x * 0.25));
    expect(sameBits(pa, pb)).toBe(true);
  });
});

describe('adam and adamw', () => {
  const lr = 0.01;
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;

  it('matches the bias-corrected closed form on the first two steps to 1e-15', () => {
    const opt = createOptimizer({ kind: 'adam', lr, beta1: b1, beta2: b2, eps }, 3);
    const p0 = [0.5, -1, 2];
    const g1 = [0.3, -0.02, 4];
    const g2 = [-0.1, -0.05, 1];
    const p = Float64Array.from(p0);
    opt.apply(p, Float64Array.from(g1));
    // Step 1: m̂ = g, v̂ = g², so the step is lr g / (|g| + eps).
    const p1 = p0.map((x, i) => x - (lr * g1[i]) / (Math.abs(g1[i]) + eps));
    for (let i = 0; i < 3; i++) expect(Math.abs(p[i] - p1[i])).toBeLessThanOrEqual(1e-15);
    opt.apply(p, Float64Array.from(g2));
    const p2 = p1.map((x, i) => {
      const m = b1 * (1 - b1) * g1[i] + (1 - b1) * g2[i];
      const v = b2 * (1 - b2) * g1[i] ** 2 + (1 - b2) * g2[i] ** 2;
      const mHat = m / (1 - b1 ** 2);
      const vHat = v / (1 - b2 ** 2);
      return x - (lr * mHat) / (Math.sqrt(vHat) + eps);
    });
    const maxDiff = Math.max(...p2.map((x, i) => Math.abs(p[i] - x)));
    expect(maxDiff).toBeLessThanOrEqual(1e-15);
    expect(opt.steps).toBe(2);
  });

  it('clips by the global norm of clampValue(scale·grad) with gradNorm\'s bits, in the update\'s formula, step after step', () => {
    // The in-place path sums the norm in the pass that bounds grad and params; this reference takes it from gradNorm.
    const n = 41;
    for (const [kind, wd] of [['adam', 0], ['adam', 0.01], ['adamw', 0.01]] as const) {
      for (const clipValue of [0, 0.05]) {
        for (const scale of [1, 0.5]) {
          const opt = createOptimizer({ kind, lr, beta1: b1, beta2: b2, eps, weightDecay: wd, clipNorm: 0.1, clipValue }, n);
          const p = randomVec(3, n);
          const ref = p.slice();
          const m = new Float64Array(n);
          const v = new Float64Array(n);
          const cv = clipValue > 0 ? clipValue : Infinity;
          for (let t = 1; t <= 5; t++) {
            const g = randomVec(40 + t, n, 0.2);
            expect(opt.apply(p, g, scale)).toBe(APPLY_STATUS.OK);
            const norm = gradNorm(g, scale, clipValue);
            const f = norm > 0.1 ? 0.1 / norm : 1;
            expect(f).toBeLessThan(1); // the clip is active
            const stepSize = lr / (1 - Math.pow(b1, t));
            const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
            const decay = kind === 'adamw' ? 1 - lr * wd : 1;
            const l2 = kind === 'adamw' ? 0 : wd;
            for (let i = 0; i < n; i++) {
              const gi = clampAbs(g[i] * scale, cv) * f + l2 * ref[i];
              m[i] = b1 * m[i] + (1 - b1) * gi;
              v[i] = b2 * v[i] + (1 - b2) * gi * gi;
              ref[i] = ref[i] * decay - (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtBc2 + eps);
            }
            expect(sameBits(p, ref)).toBe(true);
            const [ms, vs] = opt.state().buffers;
            expect(sameBits(ms!, m) && sameBits(vs!, v)).toBe(true);
          }
        }
      }
    }
  });

  it('adamw decays weights without touching the moments; adam adds L2 to the gradient', () => {
    const wd = 0.1;
    const w = createOptimizer({ kind: 'adamw', lr, weightDecay: wd }, 2);
    const pw = new Float64Array([3, -4]);
    w.apply(pw, new Float64Array(2));
    expect(Array.from(pw)).toEqual([3 * (1 - lr * wd), -4 * (1 - lr * wd)]);
    expect(w.state().buffers.every((b) => b.every((x) => x === 0))).toBe(true);

    const a = createOptimizer({ kind: 'adam', lr, weightDecay: wd }, 2);
    const pa = new Float64Array([3, -4]);
    a.apply(pa, new Float64Array(2));
    // The L2 gradient wd p goes through Adam's normalisation: a step of ~lr against sign(p).
    expect(Math.abs(pa[0] - (3 - lr))).toBeLessThan(1e-9);
    expect(Math.abs(pa[1] - (-4 + lr))).toBeLessThan(1e-9);
  });
});

describe('rmsprop', () => {
  it('matches the closed form of its first step, with and without momentum', () => {
    const lr = 0.01;
    const alpha = 0.9;
    const eps = 1e-8;
    const g = [0.5, -2];
    for (const momentum of [0, 0.5]) {
      const opt = createOptimizer({ kind: 'rmsprop', lr, alpha, eps, momentum }, 2);
      const p = new Float64Array([1, 1]);
      opt.apply(p, Float64Array.from(g));
      const u1 = g.map((x) => x / (Math.sqrt((1 - alpha) * x * x) + eps));
      for (let i = 0; i < 2; i++) expect(Math.abs(p[i] - (1 - lr * u1[i]))).toBeLessThanOrEqual(1e-15);
      opt.apply(p, Float64Array.from(g));
      const u2 = g.map((x, i) => momentum * u1[i] + x / (Math.sqrt(alpha * (1 - alpha) * x * x + (1 - alpha) * x * x) + eps));
      for (let i = 0; i < 2; i++) expect(Math.abs(p[i] - (1 - lr * u1[i] - lr * u2[i]))).toBeLessThanOrEqual(1e-15);
    }
  });
});

describe('clipping', () => {
  it('clampAbs gives the bits of the ternary clamp, -0, NaN, infinities and the bounds included', () => {
    const xs = [0, -0, 1e-320, -1e-320, 0.25, -0.25, 0.5, -0.5, 0.7, -0.7, 1e300, -1e300, Infinity, -Infinity, NaN];
    for (const cv of [Infinity, 0.5, 1e-300, Number.MAX_VALUE]) {
      for (const x of xs) expect(Object.is(clampAbs(x, cv), x > cv ? cv : x < -cv ? -cv : x)).toBe(true);
    }
  });

  it('keeps the global norm at most clipNorm and preserves the direction', () => {
    for (let seed = 0; seed < 5; seed++) {
      const g = randomVec(seed, 50, 10);
      const maxNorm = 1.5;
      const opt = createOptimizer({ kind: 'sgd', lr: 1, clipNorm: maxNorm }, 50);
      const p = new Float64Array(50);
      const before = g.slice();
      opt.apply(p, g);
      expect(sameBits(g, before)).toBe(true); // apply never writes grad
      const norm = gradNorm(p);
      expect(norm).toBeLessThanOrEqual(maxNorm * (1 + 1e-15));
      expect(norm).toBeGreaterThan(maxNorm * (1 - 1e-12));
      const gn = gradNorm(g);
      for (let i = 0; i < 50; i++) expect(Math.abs(-p[i] / norm - g[i] / gn)).toBeLessThan(1e-14);
    }
  });

  it('leaves gradients below the norm limit unchanged', () => {
    const opt = createOptimizer({ kind: 'sgd', lr: 1, clipNorm: 10 }, 2);
    const p = new Float64Array(2);
    opt.apply(p, new Float64Array([3, 4]));
    expect(Array.from(p)).toEqual([-3, -4]);
  });

  it('clamps each value before the norm clip', () => {
    const opt = createOptimizer({ kind: 'sgd', lr: 1, clipValue: 1 }, 3);
    const p = new Float64Array(3);
    opt.apply(p, new Float64Array([10, -10, 0.5]));
    expect(Array.from(p)).toEqual([-1, 1, -0.5]);
    const g = new Float64Array([10, -10, 0.5]);
    clipByValue(g, 1);
    expect(Array.from(g)).toEqual([1, -1, 0.5]);
  });

  it('computes the norm without overflow and clips in place', () => {
    expect(gradNorm(new Float64Array([3e200, 4e200]))).toBeCloseTo(5e200, -190);
    expect(gradNorm(new Float64Array([1, NaN]))).toBeNaN();
    expect(gradNorm(new Float64Array([1, -Infinity]))).toBe(Infinity);
    const g = new Float64Array([30, 40]);
    expect(clipByGlobalNorm(g, 5)).toBe(50);
    expect(Array.from(g)).toEqual([3, 4]);
  });
});

describe('non-finite guard', () => {
  const kinds: OptimizerOptions[] = [
    { kind: 'sgd', lr: 0.1 },
    { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
    { kind: 'adam' },
    { kind: 'adamw' },
    { kind: 'rmsprop', momentum: 0.5 },
  ];

  for (const opts of kinds) {
    it(`refuses a NaN/Inf gradient and leaves everything bit-identical (${JSON.stringify(opts)})`, () => {
      const opt = createOptimizer(opts, 5);
      const p = randomVec(7, 5);
      opt.apply(p, randomVec(8, 5)); // non-trivial state first
      const pBefore = p.slice();
      const sBefore = opt.state();
      for (const bad of [NaN, Infinity, -Infinity]) {
        const g = randomVec(9, 5);
        g[3] = bad;
        const gBefore = g.slice();
        expect(opt.apply(p, g)).toBe(APPLY_STATUS.NON_FINITE);
        expect(sameBits(p, pBefore)).toBe(true);
        expect(sameBits(g, gBefore)).toBe(true);
        const s = opt.state();
        expect(s.step).toBe(sBefore.step);
        s.buffers.forEach((b, k) => expect(sameBits(b, sBefore.buffers[k])).toBe(true));
      }
      expect(opt.apply(p, randomVec(9, 5), NaN)).toBe(APPLY_STATUS.NON_FINITE);
      expect(sameBits(p, pBefore)).toBe(true);
    });

    // The fast path's read-only scan decides whether an update may run in place: a NaN anywhere in
    // the gradient or the parameters, not only where a short vector's last pair puts it, must stop it.
    it(`refuses a NaN at any position of a longer gradient or parameter vector (${JSON.stringify(opts)})`, () => {
      const n = 37;
      for (const clipNorm of [0, 1]) {
        for (let i = 0; i < n; i++) {
          const opt = createOptimizer({ ...opts, clipNorm }, n);
          const p = randomVec(7, n);
          expect(opt.apply(p, randomVec(8, n))).toBe(APPLY_STATUS.OK); // non-trivial state first
          const pBefore = p.slice();
          const sBefore = opt.state();
          const g = randomVec(9, n);
          g[i] = NaN;
          expect(opt.apply(p, g)).toBe(APPLY_STATUS.NON_FINITE);
          expect(sameBits(p, pBefore)).toBe(true);
          const q = p.slice();
          q[i] = NaN;
          const qBefore = q.slice();
          expect(opt.apply(q, randomVec(10, n))).toBe(APPLY_STATUS.DIVERGED); // a NaN weight is never updated as if it were finite
          expect(sameBits(q, qBefore)).toBe(true);
          const s = opt.state();
          expect(s.step).toBe(sBefore.step);
          s.buffers.forEach((b, k) => expect(sameBits(b, sBefore.buffers[k])).toBe(true));
        }
      }
    });
  }

  it('refuses an update that would overflow a parameter (sgd) or the state (adam)', () => {
    const sgd = createOptimizer({ kind: 'sgd', lr: 1e300, momentum: 0.5 }, 2);
    const p = new Float64Array([1, 2]);
    expect(sgd.apply(p, new Float64Array([1e10, 1]))).toBe(APPLY_STATUS.DIVERGED);
    expect(Array.from(p)).toEqual([1, 2]);
    expect(sgd.steps).toBe(0);
    expect(sgd.state().buffers[0].every((x) => x === 0)).toBe(true);

    const adam = createOptimizer({ kind: 'adam' }, 2);
    expect(adam.apply(p, new Float64Array([1e200, 1]))).toBe(APPLY_STATUS.DIVERGED); // v = g² overflows
    expect(Array.from(p)).toEqual([1, 2]);
    expect(adam.state().buffers.every((b) => b.every((x) => x === 0))).toBe(true);
    expect(applyStatusCode(APPLY_STATUS.DIVERGED)).toBe(LSTM_ERR.DIVERGED);
    expect(applyStatusCode(APPLY_STATUS.NON_FINITE)).toBe(LSTM_ERR.NON_FINITE);
    expect(applyStatusCode(APPLY_STATUS.OK)).toBeNull();
  });

  it('throws LSTM_ERR_DIMENSION for buffers of the wrong length', () => {
    const opt = createOptimizer({}, 3);
    expect(codeOf(() => opt.apply(new Float64Array(3), new Float64Array(2)))).toBe(LSTM_ERR.DIMENSION);
  });
});

describe('maxAbs', () => {
  it('is NaN when any entry of the range is NaN, wherever it is, and the largest |entry| otherwise', () => {
    for (let n = 1; n <= 9; n++) {
      for (let from = 0; from < n; from++) {
        const a = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1 : 1) * (i + 1));
        expect(maxAbs(a, n, from)).toBe(n);
        for (let i = from; i < n; i++) {
          const b = a.slice();
          b[i] = NaN;
          expect(maxAbs(b, n, from)).toBeNaN();
        }
        if (from > 0) {
          const c = a.slice();
          c[from - 1] = NaN; // outside the range
          expect(maxAbs(c, n, from)).toBe(n);
        }
      }
    }
    expect(maxAbs(Float64Array.from([1, -Infinity, 2]), 3)).toBe(Infinity);
    expect(maxAbs(new Float64Array(0), 0)).toBe(0);
  });
});

describe('optimizer state', () => {
  it('resumes bit-exactly after state() and load()', () => {
    for (const opts of [{ kind: 'adam' }, { kind: 'rmsprop', momentum: 0.3 }, { kind: 'sgd', momentum: 0.9 }] as OptimizerOptions[]) {
      const a = createOptimizer(opts, 6);
      const p = randomVec(11, 6);
      for (let t = 0; t < 3; t++) a.apply(p, randomVec(20 + t, 6));
      const b = createOptimizer(opts, 6);
      b.load(a.state());
      expect(b.steps).toBe(3);
      const q = p.slice();
      const g = randomVec(30, 6);
      a.apply(p, g);
      b.apply(q, g);
      expect(sameBits(p, q)).toBe(true);
    }
  });

  it('refuses a state of another kind or length with LSTM_ERR_CHECKPOINT', () => {
    const adam = createOptimizer({ kind: 'adam' }, 4);
    expect(codeOf(() => adam.load(createOptimizer({ kind: 'rmsprop' }, 4).state()))).toBe(LSTM_ERR.CHECKPOINT);
    expect(codeOf(() => adam.load(createOptimizer({ kind: 'adam' }, 5).state()))).toBe(LSTM_ERR.CHECKPOINT);
    const s = adam.state();
    s.buffers[1][0] = NaN;
    expect(codeOf(() => adam.load(s))).toBe(LSTM_ERR.CHECKPOINT);
  });
});

describe('minimisation smoke', () => {
  // f(p) = ½ Σ a_i (p_i - c_i)², gradient a_i (p_i - c_i), minimum at c.
  const a = Float64Array.from([1, 3, 0.5, 2]);
  const c = Float64Array.from([1, -2, 0.5, 3]);
  const cases: OptimizerOptions[] = [
    { kind: 'sgd', lr: 0.1 },
    { kind: 'sgd', lr: 0.05, momentum: 0.9 },
    { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true },
    { kind: 'adam', lr: 0.05 },
    { kind: 'adamw', lr: 0.05, weightDecay: 0 },
    { kind: 'rmsprop', lr: 0.01 },
    { kind: 'sgd', lr: 0.1, clipNorm: 0.5 },
  ];
  for (const opts of cases) {
    it(`converges on a quadratic bowl (${JSON.stringify(opts)})`, () => {
      const opt = createOptimizer(opts, 4);
      const p = new Float64Array(4);
      const g = new Float64Array(4);
      for (let t = 0; t < 3000; t++) {
        for (let i = 0; i < 4; i++) g[i] = a[i] * (p[i] - c[i]);
        expect(opt.apply(p, g)).toBe(APPLY_STATUS.OK);
      }
      for (let i = 0; i < 4; i++) expect(Math.abs(p[i] - c[i])).toBeLessThan(1e-2);
    });
  }
});

describe('optimizer memory', () => {
  it('an optimizer keeps only its state buffers: the next buffers of the atomic path are one workspace per process', () => {
    const P = 1000;
    const typedArrays = (o: object): Float64Array[] => {
      const found: Float64Array[] = [];
      const walk = (v: unknown, depth: number): void => {
        if (v instanceof Float64Array) found.push(v);
        else if (v !== null && typeof v === 'object' && depth < 4) for (const x of Object.values(v)) walk(x, depth + 1);
      };
      walk(o, 0);
      return found;
    };
    const cases: [OptimizerOptions, number][] = [[{}, 0], [{ kind: 'sgd', momentum: 0.9 }, 1], [{ kind: 'adam' }, 2], [{ kind: 'adamw' }, 2], [{ kind: 'rmsprop' }, 1], [{ kind: 'rmsprop', momentum: 0.5 }, 2]];
    for (const [opts, buffers] of cases) {
      const held = typedArrays(createOptimizer(opts, P));
      expect(held.map((b) => b.length)).toEqual(new Array<number>(buffers).fill(P));
    }
  });

  it('optimizers interleaved on the atomic path (rmsprop, and adam beyond the fast bound) give bit-identical results to each one alone', () => {
    const P = 257;
    for (const opts of [{ kind: 'rmsprop', momentum: 0.5 }, { kind: 'adam', lr: 1e7 }, { kind: 'sgd', momentum: 0.9, lr: 1e7 }] as OptimizerOptions[]) {
      const run = (interleave: boolean): Float64Array[] => {
        const ps = [randomVec(1, P), randomVec(2, 2 * P)];
        const os = [createOptimizer(opts, P), createOptimizer(opts, 2 * P)];
        for (let t = 0; t < 20; t++) {
          for (let k = 0; k < 2; k++) {
            if (!interleave && k === 1) continue;
            expect(os[k]!.apply(ps[k]!, randomVec(100 + t * 2 + k, ps[k]!.length))).toBe(APPLY_STATUS.OK);
          }
        }
        if (!interleave) for (let t = 0; t < 20; t++) os[1]!.apply(ps[1]!, randomVec(100 + t * 2 + 1, 2 * P));
        return [...ps, ...os.flatMap((o) => o.state().buffers)];
      };
      const alone = run(false);
      const interleaved = run(true);
      alone.forEach((a, i) => expect(sameBits(a, interleaved[i]!)).toBe(true));
    }
  });
});
