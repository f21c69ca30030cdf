// The partition of a stream, computed exactly as nats-server's subject mapping `partition(P, 1)`
// does (server/subject_transform.go, getHashPartition): FNV-1a 32-bit over the token's bytes,
// then `% P`. Workers use it to know which partition subject a stream lands on without asking NATS.

import { PROTO_ERR, ProtocolError } from './errors.ts';

/** FNV-1a 32-bit offset basis. */
export const FNV1A_OFFSET = 2166136261;
/** FNV-1a 32-bit prime. */
export const FNV1A_PRIME = 16777619;

const utf8 = new TextEncoder();

/** FNV-1a 32-bit hash of the UTF-8 bytes of `s`, as an unsigned integer. */
export function fnv1a32(s: string): number {
  let h = FNV1A_OFFSET;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return fnv1a32Bytes(utf8.encode(s)); // stream ids are ASCII; other text hashes its UTF-8
    h = Math.imul(h ^ c, FNV1A_PRIME);
  }
  return h >>> 0;
}

/** FNV-1a 32-bit hash of `bytes`, as an unsigned integer. */
export function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = FNV1A_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], FNV1A_PRIME);
  return h >>> 0;
}

/** The partition in [0, partitions) that nats-server's `partition(partitions, 1)` maps `stream` to. */
export function partitionOf(stream: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 0xffffffff) {
    throw new ProtocolError(PROTO_ERR.SUBJECT, `partition count must be a positive integer, got ${String(partitions)}`, partitions);
  }
  return fnv1a32(stream) % partitions;
}
