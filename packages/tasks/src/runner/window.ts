// The most recent N training sequences: how many were wrong and their mean error, in O(1) per
// sequence. ST3(β) and the n_seq rule read it; progress reports show it. Not a stopping rule.

/** A RecentWindow's state as plain data. */
export interface WindowRecord {
  readonly size: number;
  readonly flags: number[];
  readonly errors: number[];
  readonly pos: number;
  readonly errorSum: number;
  readonly count: number;
  readonly wrong: number;
}

export class RecentWindow {
  private readonly wrongFlags: Uint8Array;
  private readonly errors: Float64Array;
  private pos = 0;
  private errorSum = 0;
  /** Sequences currently in the window (at most `size`). */
  count = 0;
  /** Wrong sequences currently in the window. */
  wrong = 0;

  constructor(readonly size: number) {
    this.wrongFlags = new Uint8Array(size);
    this.errors = new Float64Array(size);
  }

  /** Adds one sequence, evicting the oldest once the window is full. */
  push(correct: boolean, error: number): void {
    const i = this.pos;
    if (this.count === this.size) {
      this.wrong -= this.wrongFlags[i];
      this.errorSum -= this.errors[i];
    } else {
      this.count++;
    }
    this.wrongFlags[i] = correct ? 0 : 1;
    this.errors[i] = error;
    this.wrong += this.wrongFlags[i];
    this.errorSum += error;
    this.pos = i + 1 === this.size ? 0 : i + 1;
    // Re-add from scratch once per lap, so the running sum never drifts from the true one.
    if (this.pos === 0) {
      let s = 0;
      for (let k = 0; k < this.size; k++) s += this.errors[k];
      this.errorSum = s;
    }
  }

  /** Everything the window holds, for a trial checkpoint (plain data). */
  snapshot(): WindowRecord {
    return { size: this.size, flags: Array.from(this.wrongFlags), errors: Array.from(this.errors), pos: this.pos, errorSum: this.errorSum, count: this.count, wrong: this.wrong };
  }

  /** Puts back what snapshot() took (a window of the same size; the caller checks). */
  restore(r: WindowRecord): void {
    this.wrongFlags.set(r.flags);
    this.errors.set(r.errors);
    this.pos = r.pos;
    this.errorSum = r.errorSum;
    this.count = r.count;
    this.wrong = r.wrong;
  }

  /** True once `size` sequences have been pushed. */
  get full(): boolean {
    return this.count === this.size;
  }

  /** Mean error over the window; NaN when empty. */
  meanError(): number {
    return this.count === 0 ? NaN : this.errorSum / this.count;
  }

  /** Fraction of the window processed correctly; NaN when empty. */
  fractionCorrect(): number {
    return this.count === 0 ? NaN : 1 - this.wrong / this.count;
  }
}
