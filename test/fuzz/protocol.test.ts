// Fuzz - the protocol decoders. A bounded, deterministic run of seeded hostile bodies (the long
// run is `npm run fuzz`), then the edges one by one with the code each must get.

import { describe, expect, test } from 'vitest';
import { DEFAULT_MAX_PAYLOAD_BYTES, EXAMPLES, decode, decodeSample, encode } from '@carousel/protocol';
import type { MessageKind } from '@carousel/protocol';
import { F32_SPECIALS, F64_SPECIALS, caseSeed, deepJson, deepMsgpack, plainPackr } from './generators.ts';
import { describeProtocolCase, protocolCase, runProtocolCase } from './protocol-fuzz.ts';

const CASES = 2500;
const SEED = 0xc0ffee;
const JSON_CT = { contentType: 'application/json' };
const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const code = (kind: MessageKind, bytes: Uint8Array, json = false): string => {
  const r = decode(kind, bytes, json ? JSON_CT : {});
  return r.ok ? 'ok' : r.reject.code;
};

describe('fuzz - protocol decoders', () => {
  test(`${CASES} seeded hostile bodies: every decode returns, refusals carry a PROTO_ERR code, acceptances round-trip`, () => {
    const results = new Map<string, number>();
    const strategies = new Map<string, number>();
    const failures: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < CASES; i++) {
      const c = protocolCase(caseSeed(SEED, i));
      const o = runProtocolCase(c);
      results.set(o.result, (results.get(o.result) ?? 0) + 1);
      strategies.set(c.strategy, (strategies.get(c.strategy) ?? 0) + 1);
      if (o.failure !== undefined) failures.push(`case ${i}: ${o.failure}; ${describeProtocolCase(c)}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`protocol fuzz: ${CASES} cases in ${seconds.toFixed(2)} s (${(CASES / seconds).toFixed(0)}/s); results ${JSON.stringify(Object.fromEntries(results))}; strategies ${JSON.stringify(Object.fromEntries(strategies))}`);
    expect(failures.slice(0, 5)).toEqual([]);
    // The run exercised acceptance and most of the refusal codes, not one path.
    expect(results.get('ok') ?? 0).toBeGreaterThan(50);
    for (const c of ['PROTO_ERR_DECODE', 'PROTO_ERR_SCHEMA', 'PROTO_ERR_TOO_LARGE', 'PROTO_ERR_VERSION', 'PROTO_ERR_NON_FINITE', 'PROTO_ERR_STREAM_ID']) {
      expect(results.get(c) ?? 0, c).toBeGreaterThan(0);
    }
  });
});

describe('fuzz - protocol edges, one by one', () => {
  const sample = (x: unknown): Uint8Array => plainPackr.pack({ v: 1, stream: 'pump-7', seq: 1, x });

  test('NaN and infinities as float64, as float32 and inside an f32 bin are PROTO_ERR_NON_FINITE', () => {
    for (const f of F64_SPECIALS.slice(0, 5)) {
      const b = Buffer.concat([Buffer.from(sample([0]).subarray(0, -1)), hex(`cb${f}`)]);
      expect(code('sample', b), f).toBe('PROTO_ERR_NON_FINITE');
    }
    for (const f of F32_SPECIALS.slice(0, 5)) {
      const b = Buffer.concat([Buffer.from(sample([0]).subarray(0, -1)), hex(`ca${f}`)]);
      expect(code('sample', b), f).toBe('PROTO_ERR_NON_FINITE');
      const le = Buffer.from(hex(f)).reverse();
      expect(code('sample', sample(new Uint8Array(le))), `bin ${f}`).toBe('PROTO_ERR_NON_FINITE');
    }
  });

  test('JSON: 1e999 is PROTO_ERR_NON_FINITE; NaN, Infinity and hex literals are PROTO_ERR_DECODE', () => {
    const j = (x: string): Uint8Array => new TextEncoder().encode(`{"v":1,"stream":"pump-7","seq":1,"x":[${x}]}`);
    expect(code('sample', j('1e999'), true)).toBe('PROTO_ERR_NON_FINITE');
    expect(code('sample', j('-1e999'), true)).toBe('PROTO_ERR_NON_FINITE');
    for (const t of ['NaN', 'Infinity', '0x10', '01']) expect(code('sample', j(t), true), t).toBe('PROTO_ERR_DECODE');
    expect(code('sample', j('1e-400'), true)).toBe('ok'); // underflows to 0: finite
  });

  test('extension types (fixext, ext 8/16/32, timestamps) and the never-used byte are PROTO_ERR_DECODE', () => {
    for (const ext of ['d4ff00', 'd5010000', 'd6ff00000000', 'd7ff0000000000000000', 'd8' + '00'.repeat(17), 'c70165aa', 'c8000165aa', 'c900000001ffaa', 'c1']) {
      const b = Buffer.concat([Buffer.from(sample([0]).subarray(0, -1)), hex(ext)]);
      expect(code('sample', b), ext).toBe('PROTO_ERR_DECODE');
    }
  });

  test('lying lengths are refused before anything is allocated: array32/map32 over the item limit TOO_LARGE, str32/bin32 past the end DECODE', () => {
    const prefix = Buffer.from(sample([0]).subarray(0, -2)); // up to the x key, without its value
    expect(code('sample', Buffer.concat([prefix, hex('ddffffffff')]))).toBe('PROTO_ERR_TOO_LARGE');
    expect(code('sample', Buffer.concat([prefix, hex('dfffffffff')]))).toBe('PROTO_ERR_TOO_LARGE');
    expect(code('sample', Buffer.concat([prefix, hex('dbffffffff41')]))).toBe('PROTO_ERR_DECODE');
    expect(code('sample', Buffer.concat([prefix, hex('c6ffffffff00')]))).toBe('PROTO_ERR_DECODE');
    expect(code('sample', Buffer.concat([prefix, hex('dc0fa0')]))).toBe('PROTO_ERR_DECODE'); // 4000 items, no bytes
  });

  test('nesting 20k deep, in msgpack and JSON arrays and objects, is PROTO_ERR_TOO_LARGE', () => {
    expect(code('sample', deepMsgpack(20_000))).toBe('PROTO_ERR_TOO_LARGE');
    const enc = new TextEncoder();
    expect(code('sample', enc.encode(deepJson(20_000)), true)).toBe('PROTO_ERR_TOO_LARGE');
    expect(code('controlRequest', enc.encode(`{"v":1,"op":"configure","stream":"s","cfg":${deepJson(20_000, '{"a":', '}')}}`), true)).toBe('PROTO_ERR_TOO_LARGE');
  });

  test('sizes: a body over 1 MiB, a vector of 4097, a 2000-character string and 10,001 config keys are PROTO_ERR_TOO_LARGE', () => {
    expect(code('sample', new Uint8Array(DEFAULT_MAX_PAYLOAD_BYTES + 1))).toBe('PROTO_ERR_TOO_LARGE');
    expect(code('sample', new Uint8Array(DEFAULT_MAX_PAYLOAD_BYTES + 1), true)).toBe('PROTO_ERR_TOO_LARGE');
    expect(code('sample', sample(new Array(4097).fill(1)))).toBe('PROTO_ERR_TOO_LARGE');
    expect(code('sample', sample(new Uint8Array(4 * 4097)))).toBe('PROTO_ERR_TOO_LARGE');
    expect(code('reject', plainPackr.pack({ v: 1, stream: null, seq: null, code: 'X', msg: 'm'.repeat(2000) }))).toBe('PROTO_ERR_TOO_LARGE');
    const cfg = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i]));
    expect(code('controlRequest', plainPackr.pack({ v: 1, op: 'configure', stream: 's', cfg }))).toBe('PROTO_ERR_TOO_LARGE');
  });

  test('an f32 bin vector whose length is not a multiple of 4 is PROTO_ERR_SCHEMA; bin vectors in JSON bodies do not exist', () => {
    expect(code('sample', sample(new Uint8Array(6)))).toBe('PROTO_ERR_SCHEMA');
    expect(code('sample', new TextEncoder().encode('{"v":1,"stream":"s","seq":1,"x":"AAAAAA=="}'), true)).toBe('PROTO_ERR_SCHEMA');
  });

  test('every strict prefix of every example is refused, and so is every example with a byte appended', () => {
    let prefixes = 0;
    for (const { kind, msg } of EXAMPLES) {
      for (const bytes of [encode(kind, msg), encode(kind, msg, { vectors: 'f32' })]) {
        for (let n = 0; n < bytes.length; n++, prefixes++) expect(code(kind, bytes.subarray(0, n)), `${kind} prefix ${n}`).not.toBe('ok');
        expect(code(kind, Buffer.concat([bytes, Buffer.from([0xc0])]))).toBe('PROTO_ERR_DECODE');
      }
      const json = encode(kind, msg, { format: 'json' });
      expect(code(kind, Buffer.concat([json, Buffer.from('x')]), true)).toBe('PROTO_ERR_DECODE');
    }
    expect(prefixes).toBeGreaterThan(1000);
  });

  test('wrong types in each field of a Sample get PROTO_ERR_SCHEMA (or VERSION, STREAM_ID, NON_FINITE), never an exception', () => {
    const base = { v: 1, stream: 'pump-7', seq: 1, ts: 5, x: [1, 2], y: [3] };
    const wrong: unknown[] = ['1', true, null, [], {}, [[1]], -1, 2 ** 64, 1.5, new Uint8Array(3), { toString: 1, valueOf: null }];
    for (const key of Object.keys(base)) {
      for (const w of wrong) {
        const r = decodeSample(plainPackr.pack({ ...base, [key]: w }));
        if (!r.ok) expect(['PROTO_ERR_SCHEMA', 'PROTO_ERR_VERSION', 'PROTO_ERR_STREAM_ID', 'PROTO_ERR_NON_FINITE', 'PROTO_ERR_DECODE']).toContain(r.reject.code);
      }
    }
  });
});
