// A structural pre-check of msgpack bytes, run before msgpackr sees them. It walks the token
// stream without allocating values (an explicit stack, no recursion) and refuses what msgpackr
// would otherwise have to survive: nesting deeper than maxDepth, a container or string whose
// declared length cannot fit in the bytes left, lists over the length limit, trailing bytes, and
// extension types (Carousel messages are plain msgpack; msgpackr records, typed arrays and
// timestamps are not part of the protocol). It does not check the schema: validate.ts does.

import { PROTO_ERR, ProtocolError } from './errors.ts';

export interface ScanLimits {
  /** Deepest container nesting (top-level map = 1). */
  readonly maxDepth: number;
  /** Most elements in one array, or entries in one map. */
  readonly maxItems: number;
}

/** Throws ProtocolError (DECODE or TOO_LARGE) unless `bytes` hold exactly one acceptable value. */
export function scanMsgpack(bytes: Uint8Array, limits: ScanLimits): void {
  const end = bytes.length;
  if (end === 0) throw new ProtocolError(PROTO_ERR.DECODE, 'empty body');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // parents[d] = values still to read in the container at depth d+1.
  const parents: number[] = [];
  let pending = 1; // values still to read at the current level
  let pos = 0;
  while (true) {
    while (pending === 0) {
      if (parents.length === 0) {
        if (pos !== end) throw new ProtocolError(PROTO_ERR.DECODE, `${end - pos} trailing bytes after the message`);
        return;
      }
      pending = parents.pop()!;
    }
    if (pos >= end) throw new ProtocolError(PROTO_ERR.DECODE, 'unexpected end of msgpack data');
    const t = bytes[pos++];
    pending--;
    let skip = 0; // payload bytes after the header
    let items = -1; // >= 0 when t opens a container with that many values
    let isMap = false;
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) {
      // fixint, negative fixint, nil, false, true
    } else if (t >= 0xa0 && t <= 0xbf) {
      skip = t & 0x1f;
    } else if (t >= 0x90 && t <= 0x9f) {
      items = t & 0x0f;
    } else if (t >= 0x80 && t <= 0x8f) {
      items = t & 0x0f;
      isMap = true;
    } else {
      const n = HEADER[t];
      if (n === undefined) {
        throw new ProtocolError(PROTO_ERR.DECODE, `msgpack type 0x${t.toString(16)} is not accepted (extension or reserved)`);
      }
      if (pos + n.len > end) throw new ProtocolError(PROTO_ERR.DECODE, 'unexpected end of msgpack data');
      const len = n.len === 0 ? 0 : n.len === 1 ? bytes[pos] : n.len === 2 ? view.getUint16(pos) : view.getUint32(pos);
      pos += n.len;
      if (n.kind === 'fixed') skip = n.size;
      else if (n.kind === 'bytes') skip = len;
      else {
        items = len;
        isMap = n.kind === 'map';
      }
    }
    if (skip > 0) {
      if (skip > end - pos) throw new ProtocolError(PROTO_ERR.DECODE, 'unexpected end of msgpack data');
      pos += skip;
    }
    if (items >= 0) {
      if (items > limits.maxItems) {
        throw new ProtocolError(PROTO_ERR.TOO_LARGE, `${isMap ? 'map' : 'array'} of ${items} entries is over the limit of ${limits.maxItems}`);
      }
      const values = isMap ? items * 2 : items;
      // Every value takes at least one byte: a longer declaration is a lie, refuse before allocating.
      if (values > end - pos) throw new ProtocolError(PROTO_ERR.DECODE, 'container length runs past the end of the data');
      if (parents.length + 1 > limits.maxDepth) {
        throw new ProtocolError(PROTO_ERR.TOO_LARGE, `nesting deeper than ${limits.maxDepth}`);
      }
      parents.push(pending);
      pending = values;
    }
  }
}

type Header =
  | { kind: 'fixed'; len: 0; size: number }
  | { kind: 'bytes' | 'array' | 'map'; len: 1 | 2 | 4; size: 0 };

/** Non-fix types by first byte: how many length bytes follow, and what they count. */
const HEADER: Record<number, Header> = {
  0xc4: { kind: 'bytes', len: 1, size: 0 }, // bin 8
  0xc5: { kind: 'bytes', len: 2, size: 0 }, // bin 16
  0xc6: { kind: 'bytes', len: 4, size: 0 }, // bin 32
  0xca: { kind: 'fixed', len: 0, size: 4 }, // float 32
  0xcb: { kind: 'fixed', len: 0, size: 8 }, // float 64
  0xcc: { kind: 'fixed', len: 0, size: 1 }, // uint 8
  0xcd: { kind: 'fixed', len: 0, size: 2 }, // uint 16
  0xce: { kind: 'fixed', len: 0, size: 4 }, // uint 32
  0xcf: { kind: 'fixed', len: 0, size: 8 }, // uint 64
  0xd0: { kind: 'fixed', len: 0, size: 1 }, // int 8
  0xd1: { kind: 'fixed', len: 0, size: 2 }, // int 16
  0xd2: { kind: 'fixed', len: 0, size: 4 }, // int 32
  0xd3: { kind: 'fixed', len: 0, size: 8 }, // int 64
  0xd9: { kind: 'bytes', len: 1, size: 0 }, // str 8
  0xda: { kind: 'bytes', len: 2, size: 0 }, // str 16
  0xdb: { kind: 'bytes', len: 4, size: 0 }, // str 32
  0xdc: { kind: 'array', len: 2, size: 0 }, // array 16
  0xdd: { kind: 'array', len: 4, size: 0 }, // array 32
  0xde: { kind: 'map', len: 2, size: 0 }, // map 16
  0xdf: { kind: 'map', len: 4, size: 0 }, // map 32
};
