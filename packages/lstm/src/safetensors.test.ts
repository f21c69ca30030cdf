import { describe, expect, it } from 'vitest';
import { LSTM_ERR, LstmError } from './errors.ts';
import { createRng } from './prng.ts';
import { bf16ToNumber, f16ToNumber, readSafetensors, writeSafetensors, type TensorMap } from './safetensors.ts';

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

/** Builds a file from a header object and raw data bytes, as another writer would. */
function rawFile(header: unknown, data: Uint8Array, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function sampleTensors(seed: number): TensorMap {
  const rng = createRng(seed);
  const t = (shape: number[]): { shape: number[]; data: Float64Array } => ({
    shape,
    data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
  });
  const w = t([8, 3]);
  w.data.set([-0, 5e-324, -2.2250738585072009e-308, Infinity]);
  return { 'lstm.weight_ih_l0': w, 'lstm.bias_ih_l0': t([8]), scalar: t([]), empty: t([0, 4]) };
}

describe('safetensors round trip', () => {
  it('writes and reads F64 bit-exactly, with metadata and header padded to 8 bytes', () => {
    const tensors = sampleTensors(1);
    const bytes = writeSafetensors(tensors, { metadata: { format: 'pt', note: 'carousel' } });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(Object.keys(back.tensors)).toEqual(Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      expect(back.tensors[name].shape).toEqual(t.shape);
      expect(sameBits(back.tensors[name].data, t.data), name).toBe(true);
      expect(back.dtypes[name]).toBe('F64');
    }
    expect(back.metadata).toEqual({ format: 'pt', note: 'carousel' });
  });

  it('writes F32 as the nearest float32 and reads it back exactly', () => {
    const tensors = sampleTensors(2);
    const back = readSafetensors(writeSafetensors(tensors, { dtype: 'F32' }));
    for (const [name, t] of Object.entries(tensors)) {
      expect(back.dtypes[name]).toBe('F32');
      expect(sameBits(back.tensors[name].data, t.data.map(Math.fround)), name).toBe(true);
    }
    expect(back.metadata).toBeNull();
  });

  it('writes little-endian data at the offsets in the header', () => {
    const bytes = writeSafetensors({ a: { shape: [1], data: new Float64Array([1.5]) } });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.a).toEqual({ dtype: 'F64', shape: [1], data_offsets: [0, 8] });
    expect(Array.from(bytes.subarray(8 + n))).toEqual([0, 0, 0, 0, 0, 0, 0xf8, 0x3f]);
  });
});

describe('half-precision decoding', () => {
  it('decodes known F16 bit patterns', () => {
    const cases: [number, number][] = [
      [0x0000, 0], [0x3c00, 1], [0xc000, -2], [0x3555, 0.333251953125], [0x3bff, 0.99951171875],
      [0x7bff, 65504], [0x0400, 2 ** -14], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24],
      [0x7c00, Infinity], [0xfc00, -Infinity],
    ];
    for (const [bits, v] of cases) expect(f16ToNumber(bits), bits.toString(16)).toBe(v);
    expect(Object.is(f16ToNumber(0x8000), -0)).toBe(true);
    expect(f16ToNumber(0x7e00)).toBeNaN();
  });

  it('decodes known BF16 bit patterns', () => {
    const cases: [number, number][] = [
      [0x3f80, 1], [0xc000, -2], [0x3eab, 0.333984375], [0x7f80, Infinity], [0x0001, 2 ** -133], [0x7f7f, 3.3895313892515355e38],
    ];
    for (const [bits, v] of cases) expect(bf16ToNumber(bits), bits.toString(16)).toBe(v);
    expect(bf16ToNumber(0x7fc0)).toBeNaN();
  });

  it('reads F16 and BF16 tensors from a file', () => {
    const data = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x80, 0x3f, 0xab, 0x3e]); // f16 1, -2; bf16 1, 0.333984375
    const file = rawFile({
      h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      b: { dtype: 'BF16', shape: [1, 2], data_offsets: [4, 8] },
    }, data);
    const { tensors, dtypes } = readSafetensors(file);
    expect(Array.from(tensors.h.data)).toEqual([1, -2]);
    expect(Array.from(tensors.b.data)).toEqual([1, 0.333984375]);
    expect(tensors.b.shape).toEqual([1, 2]);
    expect(dtypes).toEqual({ h: 'F16', b: 'BF16' });
  });
});

describe('safetensors errors', () => {
  const data8 = new Uint8Array(8);
  const ok = { a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } };

  it('accepts the well-formed baseline used below', () => {
    expect(readSafetensors(rawFile(ok, data8)).tensors.a.data[0]).toBe(0);
  });

  it('codes header length problems as LSTM_ERR_CHECKPOINT', () => {
    expect(thrownCode(() => readSafetensors(new Uint8Array(5)))).toBe(LSTM_ERR.CHECKPOINT);
    const tooLong = rawFile(ok, data8);
    new DataView(tooLong.buffer).setUint32(0, tooLong.length, true);
    expect(thrownCode(() => readSafetensors(tooLong))).toBe(LSTM_ERR.CHECKPOINT);
    const huge = rawFile(ok, data8);
    new DataView(huge.buffer).setUint32(4, 1, true);
    expect(thrownCode(() => readSafetensors(huge))).toBe(LSTM_ERR.CHECKPOINT);
    const full = rawFile(ok, data8);
    expect(thrownCode(() => readSafetensors(full.subarray(0, full.length - 1)))).toBe(LSTM_ERR.CHECKPOINT);
  });

  it('codes malformed headers as LSTM_ERR_CHECKPOINT', () => {
    const cases: [string, Uint8Array][] = [
      ['not JSON', rawFile(null, data8, '{"a": ')],
      ['invalid UTF-8', rawFile(null, data8, '\u0000').map((b, i) => (i === 8 ? 0xff : b))],
      ['array', rawFile([1], data8)],
      ['unknown dtype', rawFile({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 8] } }, data8)],
      ['negative dim', rawFile({ a: { dtype: 'F64', shape: [-1], data_offsets: [0, 8] } }, data8)],
      ['size mismatch', rawFile({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, data8)],
      ['offsets reversed', rawFile({ a: { dtype: 'F64', shape: [0], data_offsets: [8, 0] } }, data8)],
      ['past the end', rawFile({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, data8)],
      ['hole', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8)],
      ['overlap', rawFile({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8)],
      ['uncovered tail', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data8)],
      ['metadata value', rawFile({ ...ok, __metadata__: { n: 1 } }, data8)],
    ];
    for (const [what, file] of cases) expect(thrownCode(() => readSafetensors(file)), what).toBe(LSTM_ERR.CHECKPOINT);
  });

  it('refuses integer dtypes with LSTM_ERR_UNSUPPORTED naming the tensor', () => {
    const file = rawFile({ steps: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, data8);
    expect(thrownCode(() => readSafetensors(file))).toBe(LSTM_ERR.UNSUPPORTED);
    expect(() => readSafetensors(file)).toThrow(/steps/);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(thrownCode(() => writeSafetensors({ a: { shape: [3], data: new Float64Array(2) } }))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => writeSafetensors({ __metadata__: { shape: [0], data: new Float64Array(0) } }))).toBe(LSTM_ERR.CHECKPOINT);
    expect(thrownCode(() => writeSafetensors({}, { dtype: 'F16' as never }))).toBe(LSTM_ERR.UNSUPPORTED);
  });
});
