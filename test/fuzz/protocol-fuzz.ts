// The protocol decoder fuzz: one case = (message kind, body bytes, content type) made from a seed
// by one of several strategies; the check is that decode() returns, never throws, and refuses
// with a known PROTO_ERR_* code; what it accepts must encode again and decode to the same value.
// Inputs are capped at maxPayloadBytes + 16 bytes, so each case is bounded work.
// Used by test/fuzz/protocol.test.ts (a few thousand cases) and scripts/fuzz.ts (for N seconds).

import { DEFAULT_MAX_PAYLOAD_BYTES, EXAMPLES, MESSAGE_KINDS, PROTO_ERR_CODES, decode, encode } from '@carousel/protocol';
import type { DecodeResult, MessageKind } from '@carousel/protocol';
import {
  createRng, deepJson, deepMsgpack, hostileField, hostileJson, invalidUtf8, mutate, pick, plainPackr, randomString, randomValue,
  rawMsgpackMessage, setOwn, type Rng,
} from './generators.ts';

export interface ProtocolCase {
  readonly seed: number;
  readonly strategy: string;
  readonly kind: MessageKind;
  readonly json: boolean;
  readonly bytes: Uint8Array;
  readonly stream?: string;
  readonly dim?: number;
}

export interface ProtocolOutcome {
  /** 'ok' or the reject code. */
  readonly result: string;
  /** Set when the case broke a property: what, for the report. */
  readonly failure?: string;
}

const JSON_TYPE = 'application/json';
const SEEDS = EXAMPLES.flatMap(({ kind, msg }) => [
  { kind, json: false, msg, bytes: encode(kind, msg, { vectors: 'f32' }) },
  { kind, json: false, msg, bytes: encode(kind, msg) },
  { kind, json: true, msg, bytes: encode(kind, msg, { format: 'json' }) },
]);
const STRATEGIES = ['mutate', 'field', 'raw-msgpack', 'random-tree', 'hostile-json', 'edge'] as const;

/** The wire form of an example (vectors as arrays, bytes as they are), as a plain object to perturb. */
function wireObject(msg: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(msg as Record<string, unknown>)) o[k] = v instanceof Float64Array ? Array.from(v) : v;
  return o;
}

/** Builds case `seed`: a deterministic function of the seed. */
export function protocolCase(seed: number): ProtocolCase {
  const rng = createRng(seed);
  const strategy = pick(rng, STRATEGIES);
  const base = pick(rng, SEEDS);
  let kind: MessageKind = rng.uniform() < 0.85 ? base.kind : pick(rng, MESSAGE_KINDS);
  let json = base.json;
  let bytes: Uint8Array;
  switch (strategy) {
    case 'mutate':
      bytes = mutate(base.bytes, rng);
      break;
    case 'field': { // one field replaced, added or removed, then encoded plainly
      const o = wireObject(base.msg);
      const keys = Object.keys(o);
      const r = rng.uniform();
      if (r < 0.7) o[pick(rng, keys)] = hostileField(rng);
      else if (r < 0.85) setOwn(o, pick(rng, ['z', 'toString', '__proto__', 'x', 'y', 'ts', 'h']), hostileField(rng));
      else delete o[pick(rng, keys)];
      json = rng.uniform() < 0.4;
      bytes = json ? new TextEncoder().encode(hostileJson(rng, o)) : plainPackr.pack(o);
      break;
    }
    case 'raw-msgpack':
      json = false;
      bytes = rawMsgpackMessage(rng, wireObject(base.msg));
      break;
    case 'random-tree': {
      const extra = randomValue(rng);
      const v = rng.uniform() < 0.7 && extra !== null && typeof extra === 'object' ? Object.defineProperties(wireObject(base.msg), Object.getOwnPropertyDescriptors(extra)) : extra;
      json = rng.uniform() < 0.5;
      bytes = json ? new TextEncoder().encode(hostileJson(rng, v)) : plainPackr.pack(v);
      break;
    }
    case 'hostile-json':
      json = true;
      bytes = rng.uniform() < 0.3 ? invalidUtf8(rng, hostileJson(rng, wireObject(base.msg))) : new TextEncoder().encode(hostileJson(rng, wireObject(base.msg)));
      break;
    default: ({ bytes, json, kind } = edgeCase(rng, kind));
  }
  if (bytes.length > DEFAULT_MAX_PAYLOAD_BYTES + 16) bytes = bytes.subarray(0, DEFAULT_MAX_PAYLOAD_BYTES + 16);
  const stream = rng.uniform() < 0.5 ? 'pump-7' : undefined;
  const dim = kind === 'sample' && rng.uniform() < 0.5 ? rng.int(1, 4) : undefined;
  return { seed, strategy, kind, json, bytes, stream, dim };
}

/** Size and depth edges: over-limit bodies, vectors, strings; deep nesting; empty and whitespace bodies. */
function edgeCase(rng: Rng, kind: MessageKind): { bytes: Uint8Array; json: boolean; kind: MessageKind } {
  const enc = new TextEncoder();
  switch (rng.int(0, 7)) {
    case 0: return { bytes: deepMsgpack(rng.int(8, 20_000)), json: false, kind };
    case 1: return { bytes: enc.encode(deepJson(rng.int(8, 20_000), pick(rng, ['[', '{"a":']), pick(rng, [']', '}']))), json: true, kind };
    case 2: return { bytes: new Uint8Array(DEFAULT_MAX_PAYLOAD_BYTES + rng.int(1, 16)), json: rng.uniform() < 0.5, kind };
    case 3: { // a sample with an over-long x, as array or f32 bin
      const n = pick(rng, [4096, 4097, 20_000]);
      const x = rng.uniform() < 0.5 ? new Array<number>(n).fill(0.5) : new Uint8Array(4 * n);
      return { bytes: plainPackr.pack({ v: 1, stream: 'pump-7', seq: 1, x }), json: false, kind: 'sample' };
    }
    case 4: return { bytes: plainPackr.pack({ v: 1, stream: 'pump-7', seq: 1, x: [1], y: [randomString(rng, 2000)] }), json: false, kind: 'sample' };
    case 5: return { bytes: enc.encode(pick(rng, ['', ' ', '\n', 'null', '[]', '{}', '"x"', '1', 'true', '{"v":1}'])), json: true, kind };
    case 6: return { bytes: Uint8Array.from(pick(rng, [[], [0xc0], [0x80], [0x90], [0xa0], [0xc3]])), json: false, kind };
    default: { // a control request with a config map near the list and depth limits
      const cfg: Record<string, unknown> = {};
      for (let i = rng.int(1, 10_002); i > 0; i--) cfg[`k${i}`] = i;
      return { bytes: plainPackr.pack({ v: 1, op: 'configure', stream: 'pump-7', cfg }), json: false, kind: 'controlRequest' };
    }
  }
}

const CODES = new Set<string>(PROTO_ERR_CODES);

/** Runs one case and checks the properties. Never throws. */
export function runProtocolCase(c: ProtocolCase): ProtocolOutcome {
  let r: DecodeResult<unknown>;
  try {
    r = decode(c.kind, c.bytes, { contentType: c.json ? JSON_TYPE : undefined, stream: c.stream, dim: c.dim });
  } catch (e) {
    return { result: 'threw', failure: `decode threw ${String(e)}` };
  }
  if (!r.ok) {
    if (!CODES.has(r.reject.code)) return { result: r.reject.code, failure: `unknown reject code ${r.reject.code}` };
    if (typeof r.reject.msg !== 'string' || r.reject.msg.length > 1024) return { result: r.reject.code, failure: 'reject msg is not a bounded string' };
    return { result: r.reject.code };
  }
  // Accepted: it must encode again (in the same format) and decode to the same value.
  try {
    const again = encode(c.kind, r.value as never, { format: c.json ? 'json' : 'msgpack' });
    const back = decode(c.kind, again, { contentType: c.json ? JSON_TYPE : undefined, stream: c.stream, dim: c.dim });
    if (!back.ok) return { result: 'ok', failure: `accepted value does not decode after encoding: ${back.reject.code} ${back.reject.msg}` };
    if (!sameValue(back.value, r.value)) return { result: 'ok', failure: 'accepted value changes on an encode/decode round trip' };
  } catch (e) {
    return { result: 'ok', failure: `accepted value does not encode: ${String(e)}` };
  }
  return { result: 'ok' };
}

/** Deep equality where 0 equals -0 (JSON cannot carry -0, and no field gives it a meaning). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b || Object.is(a, b)) return true;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    return x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => v === y[i] || Object.is(v, y[i]));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** A case as one line: enough to replay it by hand. */
export function describeProtocolCase(c: ProtocolCase): string {
  const head = Buffer.from(c.bytes.subarray(0, 96)).toString('hex');
  return `seed ${c.seed} (${c.strategy}): decode('${c.kind}', ${c.bytes.length} bytes ${c.json ? 'json' : 'msgpack'}${c.stream ? `, stream ${c.stream}` : ''}${c.dim ? `, dim ${c.dim}` : ''}) ${head}${c.bytes.length > 96 ? '…' : ''}`;
}
