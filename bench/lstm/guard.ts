// The correctness guard run before any timing: every contender that learns does 400 online
// steps on the sine stream and must end with a lower mean loss (steps 300-399) than it began
// (steps 0-99), so the figures compare real work. Loss scales differ between peers (brain.js
// reports its own error over 8 outputs), so only each one's own trend is judged.

export const GUARD_STEPS = 400;
export const GUARD_SPAN = 100;

export interface GuardResult {
  readonly id: string;
  readonly H: number;
  readonly first: number;
  readonly last: number;
  /** last < first / 2. */
  readonly learns: boolean;
  readonly note?: string;
}

export function guardOf(id: string, H: number, first: number, last: number, note?: string): GuardResult {
  return { id, H, first, last, learns: Number.isFinite(last) && last < first / 2, ...(note ? { note } : {}) };
}

export function runGuard(id: string, H: number, learnStep: () => number, note?: string): GuardResult {
  let first = 0;
  let last = 0;
  for (let t = 0; t < GUARD_STEPS; t++) {
    const E = learnStep();
    if (t < GUARD_SPAN) first += E;
    if (t >= GUARD_STEPS - GUARD_SPAN) last += E;
  }
  return guardOf(id, H, first / GUARD_SPAN, last / GUARD_SPAN, note);
}

export function guardLine(g: GuardResult): string {
  const f = (v: number): string => v.toExponential(2);
  return `${g.id.padEnd(18)} H=${g.H}  mean loss steps 0-99 ${f(g.first)}  steps 300-399 ${f(g.last)}  ${g.learns ? 'learns' : 'DOES NOT LEARN'}${g.note ? `  (${g.note})` : ''}`;
}
