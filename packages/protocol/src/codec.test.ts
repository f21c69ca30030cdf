import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  decode, decodePrediction, decodeSample, encode, encodeAlert, encodePrediction, encodeSample, f32Bytes, formatOf, PROTO_ERR,
  ProtocolError,
} from './index.ts';
import { EXAMPLES } from './examples.ts';

/** Decoded messages hold Float64Array vectors; compare as plain numbers. */
function plain(value: unknown): unknown {
  if (value instanceof Float64Array) return Array.from(value);
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const json = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('codec - round trips', () => {
  for (const { title, kind, msg } of EXAMPLES) {
    for (const format of ['msgpack', 'json'] as const) {
      for (const vectors of ['array', 'f32'] as const) {
        it(`${title} survives ${format} with ${vectors} vectors`, () => {
          const bytes = encode(kind, msg, { format, vectors });
          const contentType = format === 'json' ? 'application/json' : undefined;
          const result = decode(kind, bytes, { contentType });
          expect(result.ok ? plain(result.value) : result.reject).toEqual(plain(msg));
        });
      }
    }
  }

  it('writes f32 vectors as little-endian float32 bin and arrays as msgpack arrays', () => {
    const sample = { v: 1, stream: 's1', seq: 1, x: [1, -2] };
    const f32 = hex(encodeSample(sample, { vectors: 'f32' }));
    expect(f32.endsWith('a178c408' + '0000803f' + '000000c0')).toBe(true); // "x": bin8(8) 1.0f -2.0f
    expect(hex(encodeSample(sample)).endsWith('a1789201fe')).toBe(true); // "x": [1, -2] as fixints
  });

  it('rounds f32 vectors to float32', () => {
    const bytes = encodeSample({ v: 1, stream: 's1', seq: 1, x: [0.1] }, { vectors: 'f32' });
    const result = decodeSample(bytes);
    expect(result.ok && result.value.x[0]).toBe(Math.fround(0.1));
  });

  it('writes plain msgpack maps, not msgpackr records', () => {
    // fixmap(4) "v" 1 "stream" "s1" "seq" 1 "x" [0.5 as float64]
    expect(hex(encodeSample({ v: 1, stream: 's1', seq: 1, x: [0.5] }))).toBe('84a17601a673747265616da27331a373657101a17891cb3fe0000000000000');
  });
});

describe('codec - interoperability', () => {
  it('decodes a Sample packed by a generic msgpack encoder from a plain object', () => {
    const bytes = pack({ v: 1, stream: 'sensor_1', seq: 9, ts: 1700000000123, x: [0.5, 2, -3.75], y: [1] });
    const result = decodeSample(bytes);
    expect(result.ok && plain(result.value)).toEqual({ v: 1, stream: 'sensor_1', seq: 9, ts: 1700000000123, x: [0.5, 2, -3.75], y: [1] });
  });

  it('decodes a hand-written msgpack Sample with float32, uint64 and a float32 bin', () => {
    const bytes = Buffer.from(
      '83' + 'a176' + '01' // {"v": 1,
        + 'a3736571' + 'cf0000000000000007' // "seq": uint64 7,
        + 'a178' + 'c408' + '0000c03f' + '00002040', // "x": bin 1.5f 2.5f}
      'hex',
    );
    expect(plain(decodeSample(bytes, { stream: 'a' }))).toEqual({ ok: true, value: { v: 1, stream: 'a', seq: 7, x: [1.5, 2.5] } });
    const f32 = Buffer.from('83a17601a373657107a17891ca3fc00000', 'hex'); // "x": [float32 1.5]
    expect(plain(decodeSample(f32, { stream: 'a' }))).toEqual({ ok: true, value: { v: 1, stream: 'a', seq: 7, x: [1.5] } });
  });

  it('decodes the JSON body of `nats pub carousel.in.s1 ... -H Content-Type:application/json`', () => {
    const result = decodeSample(json('{"v":1,"seq":1,"x":[0.5]}'), { contentType: 'application/json', stream: 's1' });
    expect(plain(result)).toEqual({ ok: true, value: { v: 1, stream: 's1', seq: 1, x: [0.5] } });
  });

  it('reads the content type case-insensitively and with parameters', () => {
    expect(formatOf('Application/JSON; charset=utf-8')).toBe('json');
    expect(formatOf('application/x-msgpack')).toBe('msgpack');
    expect(formatOf(undefined)).toBe('msgpack');
    expect(formatOf('')).toBe('msgpack');
    expect(() => formatOf('text/plain')).toThrow(ProtocolError);
  });

  it('takes the stream from the subject and checks a body stream against it', () => {
    const bytes = encodeSample({ v: 1, stream: 's1', seq: 1, x: [1] });
    expect(decodeSample(bytes, { stream: 's1' }).ok).toBe(true);
    const other = decodeSample(bytes, { stream: 's2' });
    expect(!other.ok && other.reject).toMatchObject({ code: PROTO_ERR.STREAM_ID, stream: 's2', seq: null }) // the subject's stream: where it arrived;
  });

  it('accepts a declared dimension that matches', () => {
    const bytes = encodeSample({ v: 1, stream: 's1', seq: 1, x: [1, 2], y: [3] });
    expect(decodeSample(bytes, { dim: 2, targetDim: 1 }).ok).toBe(true);
  });

  it('copies checkpoint bytes out of the source buffer', () => {
    const bytes = encode('checkpoint', { v: 1, stream: 's', mv: 0, js: 1, seq: null, b: new Uint8Array([1, 2, 3]) });
    const result = decode('checkpoint', bytes);
    bytes.fill(0);
    expect(result.ok && Array.from(result.value.b!)).toEqual([1, 2, 3]);
  });

  it('decodes a horizon of f32 bins into equal-length vectors', () => {
    const bytes = pack({ v: 1, stream: 's', seq: 1, f: [f32Bytes([1, 2]), f32Bytes([3, 4])], err: null, score: null, lik: null, mv: 0, pt: 0 });
    expect(plain(decodePrediction(bytes))).toMatchObject({ ok: true, value: { f: [[1, 2], [3, 4]] } });
  });
});

describe('codec - encoders refuse what decoders would refuse', () => {
  it('throws PROTO_ERR_NON_FINITE for a NaN forecast', () => {
    const bad = { v: 1, stream: 's', seq: 1, f: [Number.NaN], err: null, score: null, lik: null, mv: 0, pt: 0 };
    expect(() => encodePrediction(bad)).toThrow(expect.objectContaining({ code: PROTO_ERR.NON_FINITE }));
    expect(() => encodePrediction(bad, { format: 'json' })).toThrow(expect.objectContaining({ code: PROTO_ERR.NON_FINITE }));
  });

  it('throws PROTO_ERR_NON_FINITE for a value that overflows float32', () => {
    expect(() => encodeSample({ v: 1, stream: 's', seq: 1, x: [1e39] }, { vectors: 'f32' })).toThrow(expect.objectContaining({ code: PROTO_ERR.NON_FINITE }));
  });

  it('throws PROTO_ERR_SCHEMA for an out-of-range score', () => {
    expect(() => encodeAlert({ v: 1, stream: 's', seq: 1, score: 2, lik: 0.5, thr: 0.9, mv: 0 })).toThrow(expect.objectContaining({ code: PROTO_ERR.SCHEMA }));
  });
});
