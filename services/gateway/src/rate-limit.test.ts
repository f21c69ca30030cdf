import { describe, expect, test } from 'vitest';
import { AuthRateLimiter } from './rate-limit.ts';

describe('auth rate limiter - token bucket per address', () => {
  test('allows the burst of failures, then refuses until tokens refill', () => {
    let now = 0;
    const l = new AuthRateLimiter(3, 1, 100, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.allowed('a')).toBe(true);
      l.fail('a');
    }
    expect(l.allowed('a')).toBe(false);
    expect(l.allowed('b')).toBe(true);
    now = 1_000;
    expect(l.allowed('a')).toBe(true);
  });

  test('tracks at most maxAddresses, evicting the least recently touched', () => {
    const l = new AuthRateLimiter(1, 0.001, 2, () => 0);
    l.fail('a');
    l.fail('b');
    l.fail('c');
    expect(l.size).toBe(2);
    expect(l.evicted).toBe(1);
    expect(l.allowed('a')).toBe(true);
    expect(l.allowed('c')).toBe(false);
  });
});
