// checkSubject is one regular expression (no token array per publish). It must accept and refuse
// exactly what the token-by-token definition does: non-empty tokens without whitespace, '.', '*'
// or '>', joined by single dots. Seeded, so the same strings every run.
import { describe, expect, it } from 'vitest';
import { BUS_ERR } from './errors.ts';
import { checkPattern, checkSubject } from './subject.ts';

/** The definition, token by token. */
const concrete = (s: string): boolean => s.length > 0 && s.split('.').every((t) => /^[^\s.*>]+$/.test(t));

function accepts(s: string): boolean {
  try {
    checkSubject(s);
    return true;
  } catch (err) {
    expect((err as { code?: unknown }).code).toBe(BUS_ERR.INVALID_NAME);
    return false;
  }
}

describe('checkSubject', () => {
  it('accepts concrete subjects and refuses empty tokens, wildcards and whitespace', () => {
    for (const s of ['a', 'carousel.p.3.s-1', 'x.y_z.0', 'ü.ø', 'a.b.c.d.e.f']) expect(accepts(s)).toBe(true);
    for (const s of ['', '.', 'a.', '.a', 'a..b', 'a.*', 'a.>', 'a b', 'a.\tb', 'a\u00a0b', 'a\u2028b', '*', '>']) expect(accepts(s)).toBe(false);
  });

  it('agrees with the token-by-token definition on 20,000 seeded random strings', () => {
    const alphabet = ['a', 'b', 'Z', '0', '-', '_', '.', '.', '.', '*', '>', ' ', '\t', '\n', '\u00a0', '\u2028', 'é'];
    let x = 0x9e3779b9;
    const next = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    let yes = 0;
    for (let i = 0; i < 20_000; i++) {
      const n = Math.floor(next() * 9);
      let s = '';
      for (let k = 0; k < n; k++) s += alphabet[Math.floor(next() * alphabet.length)];
      const want = concrete(s);
      if (want) yes++;
      expect(accepts(s)).toBe(want);
    }
    expect(yes).toBeGreaterThan(1000); // both answers are well represented
  });

  it('refuses a non-string', () => {
    expect(() => checkSubject(42 as unknown as string)).toThrow(expect.objectContaining({ code: BUS_ERR.INVALID_NAME }));
    expect(() => checkPattern('a.*.>')).not.toThrow();
  });
});
