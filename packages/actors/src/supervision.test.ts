import { describe, expect, it } from 'vitest';
import type { ActorBehaviour } from './behaviour.ts';
import { ManualClock } from './clock.ts';
import { failureDirective, isThenable, restartDelay } from './supervision.ts';

describe('restartDelay', () => {
  it('doubles per consecutive crash from the first delay and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => restartDelay(n, 100, 1_000))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });
});

describe('failureDirective', () => {
  const base: ActorBehaviour<string, string, number> = {
    activate: async () => 0,
    turn: (s) => s,
    passivate: async () => {},
  };

  it("resumes when the behaviour has no onFailure", () => {
    expect(failureDirective(base, new Error('x'), 'k', 'm')).toBe('resume');
  });

  it('follows onFailure and treats a throwing onFailure as a restart', () => {
    const marks = { ...base, onFailure: (e: unknown) => ((e as Error).message === 'fatal' ? 'restart' : 'resume') } as const;
    expect(failureDirective(marks, new Error('fatal'), 'k', 'm')).toBe('restart');
    expect(failureDirective(marks, new Error('soft'), 'k', 'm')).toBe('resume');
    const throws = {
      ...base,
      onFailure: (): 'resume' => {
        throw new Error('bug');
      },
    };
    expect(failureDirective(throws, new Error('x'), 'k', 'm')).toBe('restart');
  });
});

describe('isThenable', () => {
  it('tells promises from plain states', () => {
    expect(isThenable(Promise.resolve(1))).toBe(true);
    expect(isThenable({ then: () => {} })).toBe(true);
    expect(isThenable({ sum: 1 })).toBe(false);
    expect(isThenable(0)).toBe(false);
    expect(isThenable(null)).toBe(false);
  });
});

describe('ManualClock', () => {
  it('fires due timers in time order only when advanced, and not cleared ones', () => {
    const clock = new ManualClock(10);
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 20);
    const c = clock.setTimer(() => fired.push('c'), 5);
    clock.setTimer(() => fired.push(`a@${clock.now()}`), 10);
    clock.clearTimer(c);
    clock.advance(15);
    expect(fired).toEqual(['a@20']);
    expect(clock.now()).toBe(25);
    clock.advance(5);
    expect(fired).toEqual(['a@20', 'b@30']);
    expect(clock.pending).toBe(0);
  });
});
