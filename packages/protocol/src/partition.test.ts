import { describe, expect, it } from 'vitest';
import { fnv1a32, fnv1a32Bytes, partitionOf } from './index.ts';

/** FNV-1a 32 straight from its definition, in BigInt, as an independent reference. */
function reference(s: string): number {
  let h = 2166136261n;
  for (const byte of new TextEncoder().encode(s)) {
    h ^= BigInt(byte);
    h = (h * 16777619n) % 2n ** 32n;
  }
  return Number(h);
}

describe('partition - FNV-1a 32', () => {
  it('matches the published FNV-1a test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('matches the definition computed by hand for "s1": two rounds of xor then multiply', () => {
    // h0 = 2166136261; h1 = ((h0 ^ 0x73) * 16777619) mod 2^32; h2 = ((h1 ^ 0x31) * 16777619) mod 2^32
    const h1 = Number(((2166136261n ^ 0x73n) * 16777619n) % 2n ** 32n);
    const h2 = Number(((BigInt(h1) ^ 0x31n) * 16777619n) % 2n ** 32n);
    expect(fnv1a32('s1')).toBe(h2);
  });

  it('matches the reference on many stream ids, including non-ASCII text', () => {
    for (const s of ['pump-7', 'sensor_000123', 'A'.repeat(128), 'x', 'Z-_9', 'héllo', '流']) {
      expect(fnv1a32(s)).toBe(reference(s));
      expect(fnv1a32Bytes(new TextEncoder().encode(s))).toBe(reference(s));
    }
  });
});

describe('partition - partitionOf agrees with nats-server partition(P, 1)', () => {
  it('maps the NATS documentation example (neworders.* with partition(3,1)) the same way', () => {
    // docs.nats.io, "Subject Mapping and Partitioning", deterministic subject token partitioning.
    const documented = { customerid1: 0, customerid2: 2, customerid3: 1, customerid4: 2, customerid5: 1, customerid6: 0 };
    for (const [token, partition] of Object.entries(documented)) expect(partitionOf(token, 3)).toBe(partition);
  });

  it('is the hash modulo P', () => {
    for (const P of [1, 2, 7, 8, 64, 1000]) {
      for (const s of ['pump-7', 'a', 'b', 'sensor_42']) expect(partitionOf(s, P)).toBe(reference(s) % P);
    }
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('s', 0)).toThrow(/PROTO_ERR_SUBJECT/);
    expect(() => partitionOf('s', 2.5)).toThrow(/PROTO_ERR_SUBJECT/);
  });
});
