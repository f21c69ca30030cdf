// Time, injected: the system reads `now()` for idle passivation and arms timers for idle sweeps and
// restart backoff. `systemClock` uses the monotonic clock and unref'd timers; `ManualClock` is the
// fake that tests advance by hand, so no test ever sleeps on wall time.

/** An opaque timer handle, given back to `clearTimer`. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds on a monotonic scale (only differences are used). */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer that has not fired yet; a no-op otherwise. */
  clearTimer(handle: TimerHandle): void;
}

/** performance.now() and Node timers that do not keep the process alive. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimer(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
});

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that moves only when `advance()` is called; timers fire in due order, synchronously. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Set<ManualTimer>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const t: ManualTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.add(t);
    return t;
  }

  clearTimer(handle: TimerHandle): void {
    this.#timers.delete(handle as ManualTimer);
  }

  /** Timers armed and not yet fired. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.#timers) {
        if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#now = next.at;
      next.fn();
    }
    this.#now = end;
  }
}
