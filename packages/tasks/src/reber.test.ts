import { describe, expect, it } from 'vitest';
import { createRng } from '@carousel/lstm';
import type { Rng } from '@carousel/lstm';
import {
  ContinualReber,
  REBER_SYMBOLS,
  embeddedReber,
  isEmbeddedReber,
  isEmbeddedReberRun,
  legalSymbols,
  reberSets,
} from './reber.ts';
import { argmax } from './sequence.ts';

/** An Rng whose int() replays a script; everything else is unused by the Reber walk. */
function scripted(ints: number[]): Rng {
  const unused = (): never => {
    throw new Error('not scripted');
  };
  return {
    seed: 0,
    next32: unused,
    uniform: unused,
    range: unused,
    normal: unused,
    fork: unused,
    state: unused,
    int: () => {
      const v = ints.shift();
      if (v === undefined) throw new Error('script exhausted');
      return v;
    },
  };
}

const gen = embeddedReber();

describe('embedded Reber grammar', () => {
  it('generates only strings the automaton (an independent regular expression) accepts', () => {
    const rng = createRng(1);
    for (let i = 0; i < 3000; i++) expect(isEmbeddedReber(gen.next(rng).meta.symbols)).toBe(true);
  });

  it('has an acceptor that rejects a mismatched branch, a missing E and a foreign symbol', () => {
    expect(isEmbeddedReber('BTBTXSETE')).toBe(true);
    expect(isEmbeddedReber('BTBTXSEPE')).toBe(false);
    expect(isEmbeddedReber('BTBTXSET')).toBe(false);
    expect(isEmbeddedReber('BTBTXXETE')).toBe(false);
    expect(isEmbeddedReber('BPBPVVEPEB')).toBe(false);
  });

  it('has shortest strings of exactly 9 symbols (8 steps)', () => {
    const rng = createRng(2);
    let min = Infinity;
    for (let i = 0; i < 2000; i++) {
      const s = gen.next(rng);
      min = Math.min(min, s.meta.symbols.length);
      expect(s.inputs.length).toBe(s.meta.symbols.length - 1);
    }
    expect(min).toBe(9);
  });

  it('walks the scripted path BPBPVVEPE with the legal successor sets of the grammar', () => {
    const s = gen.next(scripted([1, 1, 1, 1]));
    expect(s.meta.symbols).toBe('BPBPVVEPE');
    expect(s.meta.branch).toBe('P');
    expect(Array.from(s.meta.legalNext, legalSymbols)).toEqual(['TP', 'B', 'TP', 'TV', 'PV', 'E', 'P', 'E']);
  });

  it('walks the scripted path BTBTSXXTVPSETE with the legal successor sets of the grammar', () => {
    // branch T; S0 -T-> S1 -S-> S1 -X-> S3 -X-> S2 -T-> S2 -V-> S4 -P-> S3 -S-> S5
    const s = gen.next(scripted([0, 0, 0, 1, 0, 0, 1, 0, 1]));
    expect(s.meta.symbols).toBe('BTBTSXXTVPSETE');
    expect(Array.from(s.meta.legalNext, legalSymbols)).toEqual(
      ['TP', 'B', 'TP', 'SX', 'SX', 'SX', 'TV', 'TV', 'PV', 'SX', 'E', 'T', 'E'],
    );
  });

  it('puts the actual next symbol in the legal set and feeds one-hot inputs and targets', () => {
    const rng = createRng(3);
    for (let i = 0; i < 500; i++) {
      const s = gen.next(rng);
      for (let t = 0; t < s.inputs.length; t++) {
        const next = REBER_SYMBOLS.indexOf(s.meta.symbols[t + 1]);
        expect(s.meta.legalNext[t] & (1 << next)).not.toBe(0);
        expect(argmax(s.inputs[t])).toBe(REBER_SYMBOLS.indexOf(s.meta.symbols[t]));
        expect(s.inputs[t].reduce((a, b) => a + b, 0)).toBe(1);
        expect(Array.from(s.targets[t]!)).toEqual(Array.from(REBER_SYMBOLS, (_, k) => (k === next ? 1 : 0)));
      }
    }
  });

  it("gives multi-hot targets over the legal set with target 'legal'", () => {
    const s = embeddedReber({ target: 'legal' }).next(createRng(4));
    s.targets.forEach((y, t) => {
      expect(Array.from(y!)).toEqual(Array.from(REBER_SYMBOLS, (_, k) => ((s.meta.legalNext[t] >> k) & 1)));
    });
  });

  it('takes each outer branch about half the time', () => {
    const rng = createRng(5);
    let t = 0;
    for (let i = 0; i < 2000; i++) if (gen.next(rng).meta.branch === 'T') t++;
    expect(Math.abs(t - 1000)).toBeLessThan(100); // sd 22
  });
});

describe('Reber train and test sets', () => {
  it('holds 256 distinct training strings and 256 distinct test strings, and the two sets are disjoint', () => {
    const { train, test } = reberSets(createRng(6));
    expect(train).toHaveLength(256);
    expect(test).toHaveLength(256);
    const tr = new Set(train.map((s) => s.meta.symbols));
    const te = new Set(test.map((s) => s.meta.symbols));
    expect(tr.size).toBe(256);
    expect(te.size).toBe(256);
    for (const s of te) expect(tr.has(s)).toBe(false);
    for (const s of [...tr, ...te]) expect(isEmbeddedReber(s)).toBe(true);
  });

  it('builds the same sets from the same seed and different sets from a different fork', () => {
    const a = reberSets(createRng(7).fork(1)).train.map((s) => s.meta.symbols);
    const b = reberSets(createRng(7).fork(1)).train.map((s) => s.meta.symbols);
    const c = reberSets(createRng(7).fork(2)).train.map((s) => s.meta.symbols);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe('continual embedded Reber grammar', () => {
  it('stays grammatical across string boundaries: the stream is a concatenation of embedded strings', () => {
    const stream = new ContinualReber(createRng(8));
    let symbols = '';
    while (stream.strings < 300) {
      const step = stream.next();
      expect(step.legalNext & (1 << step.next)).not.toBe(0);
      symbols += REBER_SYMBOLS[step.symbol];
    }
    expect(isEmbeddedReberRun(symbols)).toBe(true);
    expect(isEmbeddedReberRun(symbols + 'B')).toBe(false);
    expect(symbols.split('EB')).toHaveLength(300); // 'EB' occurs only at the 299 boundaries
  });

  it('feeds each final E with target B and legal set {B}, and starts each string with B', () => {
    const stream = new ContinualReber(createRng(9));
    let prevWasEnd = true;
    let ends = 0;
    for (let t = 0; t < 3000; t++) {
      const step = stream.next();
      expect(step.stringStart).toBe(prevWasEnd);
      if (step.stringStart) expect(REBER_SYMBOLS[step.symbol]).toBe('B');
      const isEnd = REBER_SYMBOLS[step.symbol] === 'E' && REBER_SYMBOLS[step.next] === 'B';
      if (isEnd) {
        expect(legalSymbols(step.legalNext)).toBe('B');
        ends++;
      }
      prevWasEnd = isEnd;
    }
    expect(ends).toBe(stream.strings);
    expect(ends).toBeGreaterThan(100);
  });

  it('continues seamlessly from one take() to the next', () => {
    const a = new ContinualReber(createRng(10));
    const b = new ContinualReber(createRng(10));
    const x1 = a.take(50);
    const x2 = a.take(70);
    const whole = b.take(120);
    expect(x1.meta.symbols.slice(0, 50) + x2.meta.symbols).toBe(whole.meta.symbols);
    expect([...x1.meta.legalNext, ...x2.meta.legalNext]).toEqual([...whole.meta.legalNext]);
    expect(x2.inputs.length).toBe(70);
    expect(x2.targets.every((y) => y !== null)).toBe(true);
  });
});
