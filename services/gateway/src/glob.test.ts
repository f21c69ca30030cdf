import { describe, expect, test } from 'vitest';
import { compilePattern, patternCovers, patternMatches, withinScope } from './glob.ts';
import type { StreamPattern } from './glob.ts';

const P = (s: string): StreamPattern => {
  const p = compilePattern(s);
  if (p === null) throw new Error(`bad pattern ${s}`);
  return p;
};

describe('glob - compile', () => {
  test('accepts ids, inner stars and a trailing > or **', () => {
    for (const s of ['abc', 'a-b_c', '*', '>', '**', 'sensor-*', '*-temp', 'a*b*c', 'sensor->', 'sensor-**']) expect(compilePattern(s)).not.toBeNull();
  });

  test('refuses empty, dotted, spaced, inner > or ** and over-long patterns', () => {
    for (const s of ['', 'a.b', 'a b', 'a>b', '>a', 'a**b', '**a', 'ä', 'a'.repeat(257), 42, null]) expect(compilePattern(s)).toBeNull();
  });
});

describe('glob - match', () => {
  test('a star matches any run of id characters, also none', () => {
    const p = P('sensor-*');
    expect(patternMatches(p, 'sensor-1')).toBe(true);
    expect(patternMatches(p, 'sensor-')).toBe(true);
    expect(patternMatches(p, 'sensor')).toBe(false);
    expect(patternMatches(p, 'xsensor-1')).toBe(false);
    expect(patternMatches(P('a*c'), 'abbbc')).toBe(true);
    expect(patternMatches(P('a*c'), 'abcd')).toBe(false);
  });

  test('> and ** alone name every stream; as a suffix they name the rest', () => {
    for (const s of ['>', '**', '*']) expect(patternMatches(P(s), 'anything_9')).toBe(true);
    expect(patternMatches(P('temp>'), 'temp-7')).toBe(true);
    expect(patternMatches(P('temp**'), 'tem')).toBe(false);
  });

  test('a literal pattern matches only itself', () => {
    expect(patternMatches(P('s1'), 's1')).toBe(true);
    expect(patternMatches(P('s1'), 's10')).toBe(false);
  });
});

describe('glob - scope containment', () => {
  test('a wider pattern covers narrower ones', () => {
    expect(patternCovers(P('>'), P('a*'))).toBe(true);
    expect(patternCovers(P('sensor-*'), P('sensor-1*'))).toBe(true);
    expect(patternCovers(P('sensor-*'), P('sensor-a*b'))).toBe(true);
    expect(patternCovers(P('a*'), P('a'))).toBe(true);
    expect(patternCovers(P('*-temp'), P('room*-temp'))).toBe(true);
  });

  test('a narrower pattern does not cover a wider one', () => {
    expect(patternCovers(P('sensor-*'), P('*'))).toBe(false);
    expect(patternCovers(P('sensor-*'), P('sensor*'))).toBe(false);
    expect(patternCovers(P('a'), P('a*'))).toBe(false);
    expect(patternCovers(P('a*c'), P('a*'))).toBe(false);
    expect(patternCovers(P('s1'), P('s2'))).toBe(false);
  });

  test('containment agrees with matching on sampled ids (covered implies every match is in scope)', () => {
    const pats = ['*', 'a*', 'ab*', '*b', 'a*b', 'a*b*', 'ab', 'b*', '*a*', 'aa*b'].map(P);
    const ids: string[] = [];
    const letters = ['a', 'b', 'c'];
    const grow = (s: string): void => {
      if (s.length > 0) ids.push(s);
      if (s.length < 5) for (const l of letters) grow(s + l);
    };
    grow('');
    for (const outer of pats) {
      for (const inner of pats) {
        const sampled = ids.every((id) => !patternMatches(inner, id) || patternMatches(outer, id));
        if (patternCovers(outer, inner)) expect(sampled, `${outer.source} covers ${inner.source}`).toBe(true);
        else expect(sampled, `${outer.source} does not cover ${inner.source}`).toBe(false);
      }
    }
  });

  test('withinScope looks for one scope pattern that covers the whole pattern', () => {
    const scope = [P('room1-*'), P('room2-*')];
    expect(withinScope(scope, P('room2-t*'))).toBe(true);
    expect(withinScope(scope, P('room*'))).toBe(false);
  });
});
