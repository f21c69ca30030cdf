// ReconnectBackoff: the delay nats.js asks for between dials, with jitter injected.

import { describe, expect, test } from 'vitest';
import { ReconnectBackoff } from './reconnect.ts';

describe('reconnect backoff', () => {
  test('asking for the delay again and again does not advance it (nats.js asks on every pass of its dial loop)', () => {
    const b = new ReconnectBackoff(250, 5_000, () => 0.5);
    const first = b.delay();
    for (let i = 0; i < 100; i++) expect(b.delay()).toBe(first);
    expect(b.attempts).toBe(0);
  });

  test('each dial doubles the base up to the cap; the delay lies in [base/2, base)', () => {
    const top = new ReconnectBackoff(250, 5_000, () => 0.999_999);
    const bottom = new ReconnectBackoff(250, 5_000, () => 0);
    const bases = [250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000];
    for (const base of bases) {
      expect(bottom.delay()).toBe(base / 2);
      expect(top.delay()).toBeLessThan(base);
      expect(top.delay()).toBeGreaterThan(base * 0.999);
      top.attempted();
      bottom.attempted();
    }
    expect(top.attempts).toBe(bases.length);
  });

  test('reset starts the next outage from the first delay', () => {
    const b = new ReconnectBackoff(100, 10_000, () => 0);
    for (let i = 0; i < 50; i++) b.attempted();
    expect(b.delay()).toBe(5_000);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.delay()).toBe(50);
  });
});
