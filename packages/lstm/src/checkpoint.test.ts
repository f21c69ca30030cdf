import { Packr, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  decodeCheckpoint,
  encodeCheckpoint,
  bytesToFloat64,
  float64ToBytes,
  type Checkpoint,
  type StateRecord,
} from './checkpoint.ts';
import { LSTM_ERR, LstmError } from './errors.ts';
import type { ParamGroup } from './learner.ts';
import { createOptimizer } from './optimizers.ts';
import { createRng } from './prng.ts';

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LstmError ? e.code : `not an LstmError: ${String(e)}`;
  }
  return undefined;
}

const SPECIALS = [-0, 0, 5e-324, -5e-324, 2.2250738585072009e-308, 2.2250738585072014e-308, Number.MAX_VALUE, Infinity, -Infinity, 1 / 3];

/** Seeded doubles with random bit patterns (excluding NaN), plus the special values. */
function randomDoubles(seed: number, n: number): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    do {
      words[2 * i] = rng.next32();
      words[2 * i + 1] = rng.next32();
    } while (Number.isNaN(out[i]));
  }
  SPECIALS.forEach((v, k) => (out[k * 7] = v));
  return out;
}

const groups: ParamGroup[] = [
  { name: 'Wz', offset: 0, shape: [4, 3] },
  { name: 'V', offset: 12, shape: [2, 4] },
  { name: 'bv', offset: 20, shape: [2] },
];

function sample(seed: number): Checkpoint {
  const params = randomDoubles(seed, 22);
  const opt = createOptimizer({ kind: 'adam' }, 22);
  const p = params.slice();
  for (let t = 0; t < 3; t++) opt.apply(p, randomDoubles(seed + 1 + t, 22).map((x) => Math.tanh(x)));
  const rng = createRng(seed + 10);
  const stream = (): StateRecord => ({
    h: randomDoubles(rng.next32(), 4),
    c: randomDoubles(rng.next32(), 4),
    t: rng.int(0, 1e9),
    loss: rng.normal(),
    nan: NaN,
    label: 'sensor-7',
    warm: true,
    missing: null,
    ring: { head: 3, items: [randomDoubles(rng.next32(), 3), randomDoubles(rng.next32(), 3)], nested: { deeper: new Float64Array([-0]) } },
    empty: new Float64Array(0),
  });
  return {
    config: { cell: 'vanilla', hidden: [4], inputs: 3, outputs: 2, lr: 0.001, flags: { peepholes: false }, tags: ['a', null] },
    params,
    groups,
    optimizer: opt.state(),
    streams: { 'stream-a': stream(), 'stream-b': stream() },
  };
}

function expectStateEqual(a: unknown, b: unknown, path = ''): void {
  if (a instanceof Float64Array) {
    expect(b, path).toBeInstanceOf(Float64Array);
    expect(sameBits(a, b as Float64Array), path).toBe(true);
  } else if (Array.isArray(a)) {
    expect(Array.isArray(b), path).toBe(true);
    expect((b as unknown[]).length, path).toBe(a.length);
    a.forEach((x, i) => expectStateEqual(x, (b as unknown[])[i], `${path}[${i}]`));
  } else if (typeof a === 'object' && a !== null) {
    expect(Object.keys(b as object).sort(), path).toEqual(Object.keys(a).sort());
    for (const [k, x] of Object.entries(a)) expectStateEqual(x, (b as Record<string, unknown>)[k], `${path}.${k}`);
  } else {
    expect(Object.is(a, b) || (a === 0 && b === 0), `${path}: ${String(a)} vs ${String(b)}`).toBe(true);
  }
}

describe('checkpoint round trip', () => {
  for (const seed of [1, 2, 3]) {
    it(`restores every Float64Array bit-exactly, scalars by value (seed ${seed})`, () => {
      const c = sample(seed);
      const back = decodeCheckpoint(encodeCheckpoint(c), { params: 22, groups, optimizerKind: 'adam' });
      expect(sameBits(back.params, c.params)).toBe(true);
      expect(back.config).toEqual(c.config);
      expect(back.groups).toEqual(groups);
      expect(back.optimizer!.kind).toBe('adam');
      expect(back.optimizer!.step).toBe(3);
      back.optimizer!.buffers.forEach((b, k) => expect(sameBits(b, c.optimizer!.buffers[k])).toBe(true));
      expectStateEqual(c.streams, back.streams);
    });
  }

  it('keeps -0 and subnormals in arrays', () => {
    const params = new Float64Array([-0, 5e-324, -2.2250738585072009e-308]);
    const back = decodeCheckpoint(encodeCheckpoint({ config: null, params }));
    expect(Object.is(back.params[0], -0)).toBe(true);
    expect(back.params[1]).toBe(5e-324);
    expect(back.params[2]).toBe(-2.2250738585072009e-308);
    expect(back.optimizer).toBeNull();
    expect(back.streams).toEqual({});
  });

  it('lets the restored optimizer state resume training bit-exactly', () => {
    const c = sample(4);
    const back = decodeCheckpoint(encodeCheckpoint(c));
    const a = createOptimizer({ kind: 'adam' }, 22);
    const b = createOptimizer({ kind: 'adam' }, 22);
    a.load(c.optimizer!);
    b.load(back.optimizer!);
    const pa = c.params.map(Math.tanh);
    const pb = pa.slice();
    const g = pa.map((x) => x / 2);
    a.apply(pa, g);
    b.apply(pb, g);
    expect(sameBits(pa, pb)).toBe(true);
  });

  it('writes the same bytes for arrays that are views into larger buffers, and the bytes do not alias them', () => {
    const c = sample(5);
    const expected = encodeCheckpoint(c);
    // Every Float64Array of the checkpoint, again as a view at an offset into a buffer with other values around it.
    const inside = (a: Float64Array): Float64Array => {
      const big = new Float64Array(a.length + 5).fill(7.25);
      const v = big.subarray(3, 3 + a.length);
      v.set(a);
      return v;
    };
    const mapState = (v: unknown): unknown =>
      v instanceof Float64Array ? inside(v) : Array.isArray(v) ? v.map(mapState)
        : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapState(x)])) : v;
    const viewed: Checkpoint = {
      ...c,
      params: inside(c.params),
      optimizer: { ...c.optimizer!, buffers: c.optimizer!.buffers.map(inside) },
      streams: mapState(c.streams) as Record<string, StateRecord>,
    };
    const bytes = encodeCheckpoint(viewed);
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    // Overwriting the sources afterwards leaves the encoded bytes as they were.
    viewed.params.fill(-1);
    viewed.optimizer!.buffers.forEach((b) => b.fill(-1));
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    expect(sameBits(decodeCheckpoint(bytes).params, c.params)).toBe(true);
  });

  it('stores float64 arrays as plain little-endian bin fields any MessagePack reader can read', () => {
    const params = new Float64Array([1.5, -0, 5e-324]);
    const doc = unpack(encodeCheckpoint({ config: { a: 1 }, params })) as Record<string, unknown>;
    expect(doc.format).toBe(CHECKPOINT_FORMAT);
    expect(doc.version).toBe(CHECKPOINT_VERSION);
    const bin = doc.params as Uint8Array;
    expect(bin).toBeInstanceOf(Uint8Array);
    expect(Array.from(bin.subarray(0, 8))).toEqual([0, 0, 0, 0, 0, 0, 0xf8, 0x3f]); // 1.5 little-endian
    expect(Array.from(bin.subarray(8, 16))).toEqual([0, 0, 0, 0, 0, 0, 0, 0x80]); // -0
    expect(Array.from(bin.subarray(16, 24))).toEqual([1, 0, 0, 0, 0, 0, 0, 0]); // smallest subnormal
  });
});

describe('checkpoint errors', () => {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true });
  const good = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, config: {}, params: float64ToBytes(new Float64Array(4)), groups: null, optimizer: null, streams: {} };

  it('refuses another version or format', () => {
    expect(thrownCode(() => decodeCheckpoint(packr.pack({ ...good, version: 2 })))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => decodeCheckpoint(packr.pack({ ...good, version: '1' })))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => decodeCheckpoint(packr.pack({ ...good, format: 'other' })))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => decodeCheckpoint(packr.pack([1, 2])))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => decodeCheckpoint(packr.pack(good)))).toBeUndefined();
    try {
      decodeCheckpoint(packr.pack({ ...good, version: 7 }));
    } catch (e) {
      expect((e as LstmError).message).toContain('version 7');
    }
  });

  it('refuses every truncation of a valid checkpoint, and trailing bytes', () => {
    const bytes = encodeCheckpoint(sample(5));
    for (let len = 0; len < bytes.length; len += 1 + (len >> 4)) {
      expect(thrownCode(() => decodeCheckpoint(bytes.subarray(0, len))), `length ${len}`).toBe(LSTM_ERR.CHECKPOINT);
    }
    expect(thrownCode(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 1)))).toBe(LSTM_ERR.CHECKPOINT);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(thrownCode(() => decodeCheckpoint(longer))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => decodeCheckpoint(new Uint8Array([0xc1])))).toBe(LSTM_ERR.CHECKPOINT);
  });

  it('refuses wrong shapes', () => {
    const cases: Record<string, unknown>[] = [
      { ...good, params: new Uint8Array(12) }, // not whole float64s
      { ...good, optimizer: { kind: 'adam', step: 1, buffers: [float64ToBytes(new Float64Array(4)), float64ToBytes(new Float64Array(3))] } },
      { ...good, optimizer: { kind: 'lion', step: 1, buffers: [] } },
      { ...good, optimizer: { kind: 'sgd', step: -1, buffers: [] } },
      { ...good, groups: [{ name: 'Wz', offset: 0, shape: [2, 3] }] }, // covers 6 of 4
      { ...good, groups: [{ name: 'Wz', offset: 1, shape: [3] }] }, // hole
      { ...good, streams: { s: { h: new Uint8Array(5) } } },
      { ...good, streams: { s: 3 } },
      { ...good, config: { blob: new Uint8Array(8) } },
      { ...good, config: { when: new Date(0) } },
    ];
    for (const doc of cases) expect(thrownCode(() => decodeCheckpoint(packr.pack(doc))), JSON.stringify(doc)).toBe(LSTM_ERR.CHECKPOINT);
  });

  it('checks the expected parameter count, layout and optimizer kind, naming the group', () => {
    const bytes = encodeCheckpoint(sample(6));
    expect(thrownCode(() => decodeCheckpoint(bytes, { params: 23 }))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => decodeCheckpoint(bytes, { optimizerKind: 'sgd' }))).toBe(LSTM_ERR.CHECKPOINT);
    const other = [groups[0], { name: 'V', offset: 12, shape: [4, 2] }, groups[2]];
    try {
      decodeCheckpoint(bytes, { groups: other });
      expect.unreachable();
    } catch (e) {
      expect((e as LstmError).code).toBe(LSTM_ERR.CHECKPOINT);
      expect((e as LstmError).message).toContain('V [4x2]');
    }
  });

  it('refuses to write values outside the vocabulary', () => {
    const params = new Float64Array(2);
    expect(thrownCode(() => encodeCheckpoint({ config: { lr: NaN }, params }))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => encodeCheckpoint({ config: { f: () => 1 } as never, params }))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => encodeCheckpoint({ config: null, params, streams: { s: { x: new Float32Array(2) as never } } }))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => encodeCheckpoint({ config: null, params, optimizer: { kind: 'sgd', step: 0, buffers: [new Float64Array(3)] } }))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => encodeCheckpoint({ config: null, params: [1, 2] as never }))).toBe(LSTM_ERR.CHECKPOINT);
  });
});

describe('float64 <-> little-endian bytes', () => {
  const values = new Float64Array([...SPECIALS, -1.5, 123456.789, Number.NaN]);
  const viaDataView = (a: Float64Array): Uint8Array => {
    const out = new Uint8Array(a.length * 8);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < a.length; i++) dv.setFloat64(i * 8, a[i]!, true);
    return out;
  };

  it('writes the bytes DataView writes little-endian, from a view at any offset, as a copy', () => {
    const backing = new Float64Array(values.length + 3);
    backing.set(values, 2);
    const view = backing.subarray(2, 2 + values.length);
    const bytes = float64ToBytes(view);
    expect(Buffer.from(bytes).equals(Buffer.from(viaDataView(values)))).toBe(true);
    view[0] = 42;
    expect(bytes[0]).toBe(viaDataView(values)[0]); // not a view of the array
  });

  it('reads them back bit-exactly from an unaligned view, as a copy', () => {
    const raw = viaDataView(values);
    const buf = new Uint8Array(raw.length + 5);
    buf.set(raw, 3);
    const back = bytesToFloat64(buf.subarray(3, 3 + raw.length));
    expect(sameBits(back, values)).toBe(true);
    buf.fill(0);
    expect(sameBits(back, values)).toBe(true);
    expect(() => bytesToFloat64(buf.subarray(0, 9))).toThrow(LstmError);
  });
});
