import { describe, expect, it } from 'vitest';
import { LSTM_ERR, LstmError } from './errors.ts';
import type { ParamGroup } from './learner.ts';
import { createRng } from './prng.ts';
import {
  exportPytorch,
  importPytorch,
  referenceRecurrentGroups,
  stateDictFromJson,
  stateDictToJson,
  type ParamLayoutSpec,
  type StateDict,
} from './pytorch.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function thrown(fn: () => unknown): LstmError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof LstmError) return e;
    throw e;
  }
  return undefined;
}

function count(groups: ParamGroup[]): number {
  const last = groups[groups.length - 1];
  return last.offset + last.shape.reduce((a, b) => a * b, 1);
}

function randomParams(groups: ParamGroup[], seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: count(groups) }, () => rng.range(-1, 1));
}

function view(params: Float64Array, groups: ParamGroup[], name: string): number[] {
  const g = groups.find((x) => x.name === name);
  if (!g) throw new Error(`no group ${name}`);
  return Array.from(params.subarray(g.offset, g.offset + g.shape.reduce((a, b) => a * b, 1)));
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** Row r of a (rows × cols) matrix times v. */
const dotRow = (m: Float64Array | number[], r: number, cols: number, v: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < cols; j++) s += m[r * cols + j] * v[j];
  return s;
};

describe('referenceRecurrentGroups', () => {
  it('lays out a vanilla layer as Wz Rz bz Wi Ri bi Wf Rf bf Wo Ro bo, then V and bv', () => {
    const g = referenceRecurrentGroups({ kind: 'vanilla', inputs: 2, hidden: [3], outputs: 1 });
    expect(g.map((x) => x.name)).toEqual(['Wz', 'Rz', 'bz', 'Wi', 'Ri', 'bi', 'Wf', 'Rf', 'bf', 'Wo', 'Ro', 'bo', 'V', 'bv']);
    expect(g[1]).toEqual({ name: 'Rz', offset: 6, shape: [3, 3] });
    expect(count(g)).toBe(4 * (3 * 2 + 3 * 3 + 3) + 3 + 1);
  });

  it('adds peepholes, omits cifg input gates, prefixes deeper layers and gives the gru bRn', () => {
    const v = referenceRecurrentGroups({ kind: 'vanilla', inputs: 2, hidden: [3, 4], outputs: 2, peepholes: true });
    expect(v.map((x) => x.name).slice(12, 15)).toEqual(['pi', 'pf', 'po']);
    expect(v.find((x) => x.name === 'l1.Wz')!.shape).toEqual([4, 3]);
    expect(v.find((x) => x.name === 'V')!.shape).toEqual([2, 4]);
    const c = referenceRecurrentGroups({ kind: 'cifg', inputs: 1, hidden: [2], outputs: 1, peepholes: true });
    expect(c.map((x) => x.name)).toEqual(['Wz', 'Rz', 'bz', 'Wf', 'Rf', 'bf', 'Wo', 'Ro', 'bo', 'pf', 'po', 'V', 'bv']);
    const r = referenceRecurrentGroups({ kind: 'gru', inputs: 1, hidden: [2, 2], outputs: 1 });
    expect(r.map((x) => x.name)).toEqual([
      'Wr', 'Rr', 'br', 'Wu', 'Ru', 'bu', 'Wn', 'Rn', 'bn', 'bRn',
      'l1.Wr', 'l1.Rr', 'l1.br', 'l1.Wu', 'l1.Ru', 'l1.bu', 'l1.Wn', 'l1.Rn', 'l1.bn', 'l1.bRn', 'V', 'bv',
    ]);
  });
});

describe('PyTorch export -> import round trip', () => {
  const specs: ParamLayoutSpec[] = [
    { kind: 'vanilla', inputs: 3, hidden: [4], outputs: 2 },
    { kind: 'vanilla', inputs: 3, hidden: [4, 5], outputs: 2 },
    { kind: 'gru', inputs: 2, hidden: [3], outputs: 1 },
    { kind: 'gru', inputs: 2, hidden: [3, 3], outputs: 2 },
  ];
  specs.forEach((spec, k) => {
    it(`is bit-exact for ${spec.kind} with ${spec.hidden.length} layer(s), directly and through F64 safetensors`, () => {
      const groups = referenceRecurrentGroups(spec);
      const params = randomParams(groups, 10 + k);
      params[groups.find((g) => g.name === 'bv')!.offset] = -0;
      for (const opts of [{}, { rnnPrefix: 'rnn.', headPrefix: 'out.' }]) {
        const sd = exportPytorch(groups, params, opts);
        const back = new Float64Array(params.length).fill(7);
        importPytorch(sd, groups, back, opts);
        expect(sameBits(back, params)).toBe(true);
        const viaFile = new Float64Array(params.length);
        importPytorch(readSafetensors(writeSafetensors(sd)).tensors, groups, viaFile, opts);
        expect(sameBits(viaFile, params)).toBe(true);
      }
    });
  });

  it('round-trips through the JSON that state_dict().tolist() produces', () => {
    const groups = referenceRecurrentGroups({ kind: 'vanilla', inputs: 2, hidden: [3, 3], outputs: 1 });
    const params = randomParams(groups, 20);
    const json = JSON.parse(JSON.stringify(stateDictToJson(exportPytorch(groups, params, { rnnPrefix: 'lstm.' }))));
    expect(Object.keys(json).sort()).toEqual([
      'head.bias', 'head.weight',
      'lstm.bias_hh_l0', 'lstm.bias_hh_l1', 'lstm.bias_ih_l0', 'lstm.bias_ih_l1',
      'lstm.weight_hh_l0', 'lstm.weight_hh_l1', 'lstm.weight_ih_l0', 'lstm.weight_ih_l1',
    ]);
    expect(json['lstm.weight_ih_l0'].length).toBe(12);
    expect(json['lstm.weight_ih_l0'][0].length).toBe(2);
    const back = new Float64Array(params.length);
    importPytorch(stateDictFromJson(json), groups, back, { rnnPrefix: 'lstm.' });
    expect(sameBits(back, params)).toBe(true);
  });

  it('exports bias_hh as zeros, except the GRU n block which holds bRn', () => {
    const lstm = referenceRecurrentGroups({ kind: 'vanilla', inputs: 1, hidden: [2], outputs: 1 });
    expect(Array.from(exportPytorch(lstm, randomParams(lstm, 1)).bias_hh_l0.data)).toEqual(new Array(8).fill(0));
    const gru = referenceRecurrentGroups({ kind: 'gru', inputs: 1, hidden: [2], outputs: 1 });
    const p = randomParams(gru, 2);
    const bhh = Array.from(exportPytorch(gru, p).bias_hh_l0.data);
    expect(bhh.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(bhh.slice(4)).toEqual(view(p, gru, 'bRn'));
  });
});

describe('PyTorch import lands each block in the right group', () => {
  it('maps nn.LSTM i, f, g, o to Wi, Wf, Wz, Wo and sums the two biases', () => {
    // H = 2, X = 1, K = 1; rows of weight_ih: i0 i1 f0 f1 g0 g1 o0 o1.
    const groups = referenceRecurrentGroups({ kind: 'vanilla', inputs: 1, hidden: [2], outputs: 1 });
    const sd = stateDictFromJson({
      weight_ih_l0: [[1], [2], [3], [4], [5], [6], [7], [8]],
      weight_hh_l0: [[11, 12], [13, 14], [21, 22], [23, 24], [31, 32], [33, 34], [41, 42], [43, 44]],
      bias_ih_l0: [0.5, 0.25, 1.5, 1.25, 2.5, 2.25, 3.5, 3.25],
      bias_hh_l0: [100, 200, 300, 400, 500, 600, 700, 800],
      'head.weight': [[9, 10]],
      'head.bias': [-1],
    });
    const p = new Float64Array(count(groups));
    importPytorch(sd, groups, p);
    expect(view(p, groups, 'Wi')).toEqual([1, 2]);
    expect(view(p, groups, 'Wf')).toEqual([3, 4]);
    expect(view(p, groups, 'Wz')).toEqual([5, 6]);
    expect(view(p, groups, 'Wo')).toEqual([7, 8]);
    expect(view(p, groups, 'Ri')).toEqual([11, 12, 13, 14]);
    expect(view(p, groups, 'Rf')).toEqual([21, 22, 23, 24]);
    expect(view(p, groups, 'Rz')).toEqual([31, 32, 33, 34]);
    expect(view(p, groups, 'Ro')).toEqual([41, 42, 43, 44]);
    expect(view(p, groups, 'bi')).toEqual([100.5, 200.25]);
    expect(view(p, groups, 'bf')).toEqual([301.5, 401.25]);
    expect(view(p, groups, 'bz')).toEqual([502.5, 602.25]);
    expect(view(p, groups, 'bo')).toEqual([703.5, 803.25]);
    expect(view(p, groups, 'V')).toEqual([9, 10]);
    expect(view(p, groups, 'bv')).toEqual([-1]);
  });

  it('maps nn.GRU r, z, n to r, u, n with br, bu summed, bn = b_in and bRn = b_hn', () => {
    const groups = referenceRecurrentGroups({ kind: 'gru', inputs: 1, hidden: [1], outputs: 1 });
    const sd = stateDictFromJson({
      weight_ih_l0: [[1], [2], [3]],
      weight_hh_l0: [[4], [5], [6]],
      bias_ih_l0: [0.5, 0.25, 0.125],
      bias_hh_l0: [4, 8, 16],
      'head.weight': [[7]],
      'head.bias': [8],
    });
    const p = new Float64Array(count(groups));
    importPytorch(sd, groups, p);
    const got = Object.fromEntries(groups.map((g) => [g.name, view(p, groups, g.name)[0]]));
    expect(got).toEqual({ Wr: 1, Rr: 4, br: 4.5, Wu: 2, Ru: 5, bu: 8.25, Wn: 3, Rn: 6, bn: 0.125, bRn: 16, V: 7, bv: 8 });
  });

  it('reads nn.LSTMCell names and zeroes the peepholes of a peephole layout', () => {
    const groups = referenceRecurrentGroups({ kind: 'vanilla', inputs: 1, hidden: [1], outputs: 1, peepholes: true });
    const sd = stateDictFromJson({
      weight_ih: [[1], [2], [3], [4]], weight_hh: [[5], [6], [7], [8]], bias_ih: [0, 0, 0, 0], bias_hh: [1, 1, 1, 1],
      'head.weight': [[1]], 'head.bias': [0],
    });
    const p = new Float64Array(count(groups)).fill(9);
    importPytorch(sd, groups, p, { cell: true });
    expect([...view(p, groups, 'pi'), ...view(p, groups, 'pf'), ...view(p, groups, 'po')]).toEqual([0, 0, 0]);
    expect(view(p, groups, 'Wz')).toEqual([3]);
    expect(Object.keys(exportPytorch(referenceRecurrentGroups({ kind: 'gru', inputs: 1, hidden: [1], outputs: 1 }), new Float64Array(14), { cell: true }))).toEqual([
      'weight_ih', 'weight_hh', 'bias_ih', 'bias_hh', 'head.weight', 'head.bias',
    ]);
  });

  // The mapping preserves the function: PyTorch's equations on the state dict and Carousel's
  // (LSTM-SPEC 2.3, no peepholes; GRU with u = PyTorch's z) on the imported params agree.
  it('gives the same LSTM and GRU trajectories under both conventions', () => {
    const X = 2;
    const H = 3;
    for (const kind of ['vanilla', 'gru'] as const) {
      const rng = createRng(kind === 'gru' ? 31 : 30);
      const G = kind === 'gru' ? 3 : 4;
      const r = (n: number): number[][] => Array.from({ length: n }, () => Array.from({ length: 1 }, () => rng.range(-1, 1)));
      const mat = (rows: number, cols: number): number[][] => Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.range(-1, 1)));
      const json = {
        weight_ih_l0: mat(G * H, X), weight_hh_l0: mat(G * H, H),
        bias_ih_l0: r(G * H).map((v) => v[0]), bias_hh_l0: r(G * H).map((v) => v[0]),
        'head.weight': mat(1, H), 'head.bias': [0.1],
      };
      const sd = stateDictFromJson(json);
      const groups = referenceRecurrentGroups({ kind, inputs: X, hidden: [H], outputs: 1 });
      const p = new Float64Array(count(groups));
      importPytorch(sd, groups, p);
      const P = (name: string): number[] => view(p, groups, name);
      const wih = sd.weight_ih_l0.data, whh = sd.weight_hh_l0.data, bih = sd.bias_ih_l0.data, bhh = sd.bias_hh_l0.data;
      let hT = new Array(H).fill(0), cT = new Array(H).fill(0); // PyTorch
      let hC = new Array(H).fill(0), cC = new Array(H).fill(0); // Carousel
      let maxDiff = 0;
      for (let t = 0; t < 5; t++) {
        const x = [rng.range(-1, 1), rng.range(-1, 1)];
        const pre = (k: number, j: number): number => dotRow(wih, k * H + j, X, x) + bih[k * H + j];
        const rec = (k: number, j: number, h: number[]): number => dotRow(whh, k * H + j, H, h) + bhh[k * H + j];
        const lin = (g: string, j: number, h: number[]): number => dotRow(P(`W${g}`), j, X, x) + dotRow(P(`R${g}`), j, H, h) + P(`b${g}`)[j];
        if (kind === 'vanilla') {
          const gate = (k: number, j: number): number => pre(k, j) + rec(k, j, hT);
          const c2 = cT.map((c, j) => sigmoid(gate(1, j)) * c + sigmoid(gate(0, j)) * Math.tanh(gate(2, j)));
          hT = c2.map((c, j) => sigmoid(gate(3, j)) * Math.tanh(c));
          cT = c2;
          const cc = cC.map((c, j) => Math.tanh(lin('z', j, hC)) * sigmoid(lin('i', j, hC)) + c * sigmoid(lin('f', j, hC)));
          hC = cc.map((c, j) => Math.tanh(c) * sigmoid(lin('o', j, hC)));
          cC = cc;
        } else {
          hT = hT.map((h, j) => {
            const rr = sigmoid(pre(0, j) + rec(0, j, hT));
            const z = sigmoid(pre(1, j) + rec(1, j, hT));
            const n = Math.tanh(pre(2, j) + rr * rec(2, j, hT));
            return (1 - z) * n + z * h;
          });
          hC = hC.map((h, j) => {
            const rr = sigmoid(lin('r', j, hC));
            const u = sigmoid(lin('u', j, hC));
            const n = Math.tanh(dotRow(P('Wn'), j, X, x) + P('bn')[j] + rr * (dotRow(P('Rn'), j, H, hC) + P('bRn')[j]));
            return (1 - u) * n + u * h;
          });
        }
        const yT = dotRow(sd['head.weight'].data, 0, H, hT) + sd['head.bias'].data[0];
        const yC = dotRow(P('V'), 0, H, hC) + P('bv')[0];
        maxDiff = Math.max(maxDiff, Math.abs(yT - yC), ...hT.map((h, j) => Math.abs(h - hC[j])));
      }
      expect(maxDiff, kind).toBeLessThan(1e-14);
    }
  });
});

describe('PyTorch import and export errors', () => {
  const groups = referenceRecurrentGroups({ kind: 'vanilla', inputs: 2, hidden: [3], outputs: 1 });
  const params = randomParams(groups, 40);
  const good = (): StateDict => exportPytorch(groups, params);

  it('names a missing, misshapen, non-finite or unexpected tensor and leaves params untouched', () => {
    const cases: [string, (sd: StateDict) => void][] = [
      ['bias_hh_l0', (sd) => delete sd.bias_hh_l0],
      ['weight_ih_l0', (sd) => (sd.weight_ih_l0 = { shape: [2, 12], data: sd.weight_ih_l0.data })],
      ['head.weight', (sd) => (sd['head.weight'] = { shape: [1, 3], data: new Float64Array(2) })],
      ['weight_hh_l0', (sd) => (sd.weight_hh_l0.data[4] = NaN)],
      ['weight_ih_l1', (sd) => (sd.weight_ih_l1 = { shape: [12, 3], data: new Float64Array(36) })],
    ];
    for (const [name, spoil] of cases) {
      const sd = good();
      spoil(sd);
      const target = new Float64Array(params.length).fill(3);
      const err = thrown(() => importPytorch(sd, groups, target));
      expect(err?.code, name).toBe(LSTM_ERR.CHECKPOINT);
      expect(err?.message, name).toContain(name);
      expect(target.every((v) => v === 3), name).toBe(true);
    }
  });

  it('ignores unexpected tensors only when allowed', () => {
    const sd = { ...good(), 'embed.weight': { shape: [1], data: new Float64Array(1) } };
    const p = new Float64Array(params.length);
    importPytorch(sd, groups, p, { allowUnexpected: true });
    expect(sameBits(p, params)).toBe(true);
  });

  it('refuses what PyTorch cannot represent with LSTM_ERR_UNSUPPORTED', () => {
    const peep = referenceRecurrentGroups({ kind: 'vanilla', inputs: 2, hidden: [3], outputs: 1, peepholes: true });
    expect(thrown(() => exportPytorch(peep, new Float64Array(count(peep))))?.code).toBe(LSTM_ERR.UNSUPPORTED);
    const cifg = referenceRecurrentGroups({ kind: 'cifg', inputs: 2, hidden: [3], outputs: 1 });
    expect(thrown(() => exportPytorch(cifg, new Float64Array(count(cifg))))?.code).toBe(LSTM_ERR.UNSUPPORTED);
    expect(thrown(() => importPytorch(good(), cifg, new Float64Array(count(cifg))))?.code).toBe(LSTM_ERR.UNSUPPORTED);
    const two = referenceRecurrentGroups({ kind: 'gru', inputs: 2, hidden: [3, 3], outputs: 1 });
    expect(thrown(() => exportPytorch(two, new Float64Array(count(two)), { cell: true }))?.code).toBe(LSTM_ERR.UNSUPPORTED);
    const proj = { ...good(), weight_hr_l0: { shape: [2, 3], data: new Float64Array(6) } };
    expect(thrown(() => importPytorch(proj, groups, new Float64Array(params.length), { allowUnexpected: true }))?.code).toBe(LSTM_ERR.UNSUPPORTED);
    const rev = { ...good(), weight_ih_l0_reverse: { shape: [12, 2], data: new Float64Array(24) } };
    expect(thrown(() => importPytorch(rev, groups, new Float64Array(params.length), { allowUnexpected: true }))?.code).toBe(LSTM_ERR.UNSUPPORTED);
    const w97: ParamGroup[] = [{ name: 'W_in', offset: 0, shape: [2, 2] }];
    expect(thrown(() => exportPytorch(w97, new Float64Array(4)))?.code).toBe(LSTM_ERR.UNSUPPORTED);
  });

  it('refuses ragged or non-numeric JSON with LSTM_ERR_CHECKPOINT naming the tensor', () => {
    expect(thrown(() => stateDictFromJson({ w: [[1, 2], [3]] }))?.message).toContain('w');
    expect(thrown(() => stateDictFromJson({ b: [1, 'x'] }))?.code).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrown(() => stateDictFromJson([1]))?.code).toBe(LSTM_ERR.CHECKPOINT);
    expect(stateDictFromJson({ s: 2.5 }).s).toEqual({ shape: [], data: new Float64Array([2.5]) });
  });
});
