import { describe, expect, test } from 'vitest';
import { WORKER_NODE_FLAGS, maxSemiSpaceMb, youngGenerationHint } from './node-flags.ts';

describe('maxSemiSpaceMb', () => {
  test('reads --max-semi-space-size from the flags, in either spelling and form', () => {
    expect(maxSemiSpaceMb(['--max-semi-space-size=64'], undefined)).toBe(64);
    expect(maxSemiSpaceMb(['--max_semi_space_size=32'], undefined)).toBe(32);
    expect(maxSemiSpaceMb(['--expose-gc', '--max-semi-space-size', '128', '--import', 'tsx'], undefined)).toBe(128);
    expect(maxSemiSpaceMb([...WORKER_NODE_FLAGS], undefined)).toBe(64);
  });

  test('the last one wins, and the command line wins over NODE_OPTIONS', () => {
    expect(maxSemiSpaceMb(['--max-semi-space-size=16', '--max-semi-space-size=64'], undefined)).toBe(64);
    expect(maxSemiSpaceMb([], ' --inspect  --max-semi-space-size=48 ')).toBe(48);
    expect(maxSemiSpaceMb(['--max-semi-space-size=64'], '--max-semi-space-size=48')).toBe(64);
  });

  test('is null when nothing sets it, or the value is not a size', () => {
    expect(maxSemiSpaceMb([], undefined)).toBeNull();
    expect(maxSemiSpaceMb(['--max-old-space-size=4096', '--import', 'tsx'], '--enable-source-maps')).toBeNull();
    expect(maxSemiSpaceMb(['--max-semi-space-size=big'], undefined)).toBeNull();
    expect(maxSemiSpaceMb(['--max-semi-space-size'], undefined)).toBeNull();
  });

  test("the operator's hint names the flags and where they are documented", () => {
    for (const flag of WORKER_NODE_FLAGS) expect(youngGenerationHint()).toContain(flag);
    expect(youngGenerationHint()).toContain('docs/deployment.md');
  });
});
