import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_OPTIONS, DEFAULT_PARTITIONS, DEFAULT_PREFIX, parseOptions, PROTO_ERR } from './index.ts';

describe('options', () => {
  it('defaults to the documented constants, frozen', () => {
    expect(DEFAULT_OPTIONS.prefix).toBe(DEFAULT_PREFIX);
    expect(DEFAULT_OPTIONS.partitions).toBe(DEFAULT_PARTITIONS);
    expect(DEFAULT_OPTIONS.maxPayloadBytes).toBe(DEFAULT_MAX_PAYLOAD_BYTES);
    expect(Object.isFrozen(DEFAULT_OPTIONS)).toBe(true);
  });

  it('merges given fields over the defaults and freezes the result', () => {
    const o = parseOptions({ prefix: 'x.y', partitions: 16 });
    expect(o).toMatchObject({ prefix: 'x.y', partitions: 16, maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('refuses unknown fields and out-of-range values', () => {
    for (const bad of [{ partitions: 1.5 }, { maxDepth: 1 }, { maxPayloadBytes: -1 }, { prefix: '' }, { prefix: 'a..b' }, { nope: 1 }]) {
      expect(() => parseOptions(bad as never), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: PROTO_ERR.OPTIONS }));
    }
  });
});
