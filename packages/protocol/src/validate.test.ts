import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  createSubjects, decode, decodeCheckpoint, decodeControlReply, decodeControlRequest, decodeInferRequest, decodePrediction, decodeReject,
  decodeSample, encodeSample, parseOptions, PROTO_ERR, PROTO_ERR_CODES, ProtocolError, SeqGuard,
} from './index.ts';
import type { DecodeOptions, DecodeResult, ProtocolErrorCode } from './index.ts';

const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const json = (s: string): Uint8Array => new TextEncoder().encode(s);
const JSON_CT: DecodeOptions = { contentType: 'application/json' };
const base = { v: 1, stream: 's1', seq: 5 };
const small = parseOptions({ maxVectorLength: 4, maxHorizon: 2, maxPayloadBytes: 256, maxStringLength: 16, maxListLength: 3, maxDepth: 4 });

/** A case: a thunk producing a code, and the code expected. */
interface Case { readonly name: string; readonly code: ProtocolErrorCode; readonly run: () => string | undefined }

function codeOf(result: DecodeResult<unknown>): string | undefined {
  return result.ok ? undefined : result.reject.code;
}

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

const CASES: Case[] = [
  { name: 'empty body', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample(new Uint8Array(0))) },
  { name: 'truncated msgpack', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample(encodeSample({ ...base, x: [1] }).subarray(0, 10))) },
  { name: 'trailing bytes', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample(hex(Buffer.from(encodeSample({ ...base, x: [1] })).toString('hex') + '00'))) },
  { name: 'reserved byte 0xc1', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample(hex('c1'))) },
  { name: 'msgpack extension (timestamp)', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample(hex('d6ff00000001'))) },
  { name: 'msgpackr record extension', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample(hex('d47201'))) },
  { name: 'array claiming 65534 elements in 9 bytes', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample(hex('81a178dd0000fffe01'), { options: parseOptions({ maxVectorLength: 2 ** 24, maxListLength: 2 ** 24 }) })) },
  { name: 'invalid JSON', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample(json('{"v":1,'), JSON_CT)) },
  { name: 'invalid UTF-8 in JSON', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample(hex('7bff7d'), JSON_CT)) },
  { name: 'unsupported content type', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample(json('v=1'), { contentType: 'text/plain' })) },
  { name: 'body not a Uint8Array', code: PROTO_ERR.DECODE, run: () => codeOf(decodeSample('{}' as unknown as Uint8Array)) },
  { name: 'missing v', code: PROTO_ERR.VERSION, run: () => codeOf(decodeSample(pack({ stream: 's1', seq: 1, x: [1] }))) },
  { name: 'unsupported v', code: PROTO_ERR.VERSION, run: () => codeOf(decodeSample(pack({ v: 2, stream: 's1', seq: 1, x: [1] }))) },
  { name: 'v as a string', code: PROTO_ERR.VERSION, run: () => codeOf(decodeSample(json('{"v":"1","seq":1,"x":[1]}'), { ...JSON_CT, stream: 's' })) },
  { name: 'body not a map', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(pack([1, 2, 3]))) },
  { name: 'unknown key', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(pack({ ...base, x: [1], X: [2] }))) },
  { name: 'missing x', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(pack(base))) },
  { name: 'x as a string', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(pack({ ...base, x: '1,2' }))) },
  { name: 'x element as a string', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(pack({ ...base, x: [1, '2'] }))) },
  { name: 'empty x', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(pack({ ...base, x: [] }))) },
  { name: 'f32 bin not a multiple of 4 bytes', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(pack({ ...base, x: new Uint8Array(5) }))) },
  { name: 'negative seq', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(pack({ ...base, seq: -1, x: [1] }))) },
  { name: 'fractional seq', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(pack({ ...base, seq: 1.5, x: [1] }))) },
  { name: 'unsafe 64-bit seq', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(hex('84a17601a673747265616da27331a3736571cf0020000000000001a1789101'))) },
  { name: 'unknown control op', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeControlRequest(pack({ v: 1, op: 'explode', stream: 's' }))) },
  { name: 'checkpoint with both b and obj', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeCheckpoint(pack({ v: 1, stream: 's', mv: 0, js: 1, seq: null, b: new Uint8Array(1), obj: 'x' }))) },
  { name: 'checkpoint bytes not base64 in JSON', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeCheckpoint(json('{"v":1,"stream":"s","mv":0,"js":1,"seq":null,"b":"%%%%"}'), JSON_CT)) },
  { name: 'score above 1', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodePrediction(pack({ ...base, f: [1], err: null, score: 1.5, lik: null, mv: 0, pt: 0 }))) },
  { name: 'reject code not upper case', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeReject(pack({ v: 1, stream: null, seq: null, code: 'oops', msg: '' }))) },
  { name: '__proto__ key in a config', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeControlRequest(json('{"v":1,"op":"configure","stream":"s","cfg":{"__proto__":{"x":1}}}'), JSON_CT)) },
  { name: 'bin vector in a JSON-only place', code: PROTO_ERR.SCHEMA, run: () => codeOf(decodeSample(json('{"v":1,"stream":"s","seq":1,"x":"AACAPw=="}'), JSON_CT)) },
  { name: 'stream with a dot', code: PROTO_ERR.STREAM_ID, run: () => codeOf(decodeSample(pack({ ...base, stream: 'a.b', x: [1] }))) },
  { name: 'stream with a wildcard', code: PROTO_ERR.STREAM_ID, run: () => codeOf(decodeSample(pack({ ...base, stream: '*', x: [1] }))) },
  { name: 'stream of 129 characters', code: PROTO_ERR.STREAM_ID, run: () => codeOf(decodeSample(pack({ ...base, stream: 'a'.repeat(129), x: [1] }))) },
  { name: 'no stream in body or subject', code: PROTO_ERR.STREAM_ID, run: () => codeOf(decodeSample(pack({ v: 1, seq: 1, x: [1] }))) },
  { name: 'list reply with a bad stream id', code: PROTO_ERR.STREAM_ID, run: () => codeOf(decodeControlReply(pack({ v: 1, ok: true, op: 'list', streams: ['ok', 'no way'], parts: [] }))) },
  { name: 'building a subject for a bad stream', code: PROTO_ERR.STREAM_ID, run: () => thrownCode(() => createSubjects().in('a b')) },
  { name: 'NaN in x (msgpack float64)', code: PROTO_ERR.NON_FINITE, run: () => codeOf(decodeSample(pack({ ...base, x: [1, Number.NaN] }))) },
  { name: 'Infinity in x (JSON 1e400)', code: PROTO_ERR.NON_FINITE, run: () => codeOf(decodeSample(json('{"v":1,"stream":"s","seq":1,"x":[1e400]}'), JSON_CT)) },
  { name: 'NaN in an f32 bin', code: PROTO_ERR.NON_FINITE, run: () => codeOf(decodeSample(pack({ ...base, x: new Uint8Array([0, 0, 0xc0, 0x7f]) }))) },
  { name: 'NaN in a model config', code: PROTO_ERR.NON_FINITE, run: () => codeOf(decodeControlRequest(pack({ v: 1, op: 'configure', stream: 's', cfg: { lr: Number.NaN } }))) },
  { name: 'x of the wrong declared dimension', code: PROTO_ERR.DIMENSION, run: () => codeOf(decodeSample(pack({ ...base, x: [1, 2] }), { dim: 3 })) },
  { name: 'y of the wrong declared dimension', code: PROTO_ERR.DIMENSION, run: () => codeOf(decodeSample(pack({ ...base, x: [1], y: [1, 2] }), { targetDim: 1 })) },
  { name: 'ragged horizon', code: PROTO_ERR.DIMENSION, run: () => codeOf(decodePrediction(pack({ ...base, f: [[1, 2], [3]], err: null, score: null, lik: null, mv: 0, pt: 0 }))) },
  { name: 'infer x of the wrong dimension', code: PROTO_ERR.DIMENSION, run: () => codeOf(decodeInferRequest(pack({ v: 1, stream: 's', x: [1] }), { dim: 2 })) },
  { name: 'payload over maxPayloadBytes', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodeSample(new Uint8Array(257), { options: small })) },
  { name: 'vector over maxVectorLength', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodeSample(pack({ ...base, x: [1, 2, 3, 4, 5] }), { options: small })) },
  { name: 'f32 vector over maxVectorLength', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodeSample(pack({ ...base, x: new Uint8Array(20) }), { options: small })) },
  { name: 'JSON vector over maxVectorLength', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodeSample(json('{"v":1,"stream":"s","seq":1,"x":[1,2,3,4,5]}'), { ...JSON_CT, options: small })) },
  { name: 'horizon over maxHorizon', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodePrediction(pack({ ...base, f: [[1], [2], [3]], err: null, score: null, lik: null, mv: 0, pt: 0 }), { options: small })) },
  { name: 'infer h over maxHorizon', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodeInferRequest(pack({ v: 1, stream: 's', h: 3 }), { options: small })) },
  { name: 'msgpack nested deeper than maxDepth', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodeSample(hex('91'.repeat(100) + 'c0'))) },
  { name: 'JSON nested deeper than maxDepth', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodeSample(json('['.repeat(100_000) + ']'.repeat(100_000)), JSON_CT)) },
  { name: 'msgpack array over the list limit', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodeSample(pack({ ...base, x: [1, 2, 3, 4, 5, 6] }), { options: small })) },
  { name: 'config nested deeper than maxDepth', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodeControlRequest(json('{"v":1,"op":"configure","stream":"s","cfg":{"a":{"b":{"c":{"d":1}}}}}'), { ...JSON_CT, options: small })) },
  { name: 'reject msg over maxStringLength', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decodeReject(pack({ v: 1, stream: 's', seq: 1, code: 'X', msg: 'm'.repeat(17) }), { options: small })) },
  { name: 'checkpoint over maxCheckpointBytes', code: PROTO_ERR.TOO_LARGE, run: () => codeOf(decode('checkpoint', new Uint8Array(300), { options: parseOptions({ maxCheckpointBytes: 256 }) })) },
  { name: 'a replayed seq', code: PROTO_ERR.SEQ, run: () => { const g = new SeqGuard(); g.accept('s', 3); const r = g.accept('s', 3); return r.ok ? undefined : r.reject.code; } },
  { name: 'an out-of-order seq', code: PROTO_ERR.SEQ, run: () => { const g = new SeqGuard(); g.accept('s', 3); const r = g.accept('s', 2); return r.ok ? undefined : r.reject.code; } },
  { name: 'a partition out of range', code: PROTO_ERR.SUBJECT, run: () => thrownCode(() => createSubjects().partitioned(8, 's')) },
  { name: 'an unknown subject kind', code: PROTO_ERR.SUBJECT, run: () => thrownCode(() => createSubjects().all('nope' as 'in')) },
  { name: 'an option out of range', code: PROTO_ERR.OPTIONS, run: () => thrownCode(() => parseOptions({ partitions: 0 })) },
  { name: 'a bad prefix', code: PROTO_ERR.OPTIONS, run: () => thrownCode(() => parseOptions({ prefix: 'car.*' })) },
];

describe('validate - every refusal has its code', () => {
  for (const c of CASES) {
    it(`${c.name} gives ${c.code}`, () => {
      expect(c.run()).toBe(c.code);
    });
  }

  it('every PROTO_ERR code is produced by at least one case', () => {
    const produced = new Set(CASES.map((c) => c.code));
    expect(PROTO_ERR_CODES.filter((code) => !produced.has(code))).toEqual([]);
  });
});

describe('validate - rejects name what they could read', () => {
  it('carries stream and seq once read', () => {
    const r = decodeSample(pack({ ...base, x: [Number.NaN] }));
    expect(r.ok ? r : r.reject).toEqual({ v: 1, stream: 's1', seq: 5, code: PROTO_ERR.NON_FINITE, msg: 'x[0] is NaN' });
  });

  it('carries the subject stream when the body cannot be read', () => {
    const r = decodeSample(hex('c1'), { stream: 'from-subject' });
    expect(r.ok ? r : r.reject).toMatchObject({ stream: 'from-subject', seq: null, code: PROTO_ERR.DECODE });
  });

  it('carries a null stream when neither can be read', () => {
    const r = decodeSample(hex('c1'), { stream: 'not a token' });
    expect(r.ok ? r : r.reject).toMatchObject({ stream: null, seq: null });
  });
});
