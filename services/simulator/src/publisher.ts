// The narrow slice of a bus the simulator needs: publish bytes to a subject with a message id.
// @carousel/bus's Transport satisfies it structurally; tests use an in-memory one. Also the
// injectable clock, so pacing is testable without wall time.

/** Where samples go. `Transport` from @carousel/bus is one. */
export interface Publisher {
  /**
   * Publishes `data` to `subject`. `msgId` becomes `Nats-Msg-Id`, so a retried publish is
   * de-duplicated by the stream capturing the subject. May throw or return a rejected promise.
   */
  publish(subject: string, data: Uint8Array, opts?: { msgId?: string; headers?: Readonly<Record<string, string>> }): void | Promise<unknown>;
}

/** Time as the simulator sees it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const SYSTEM_CLOCK: Clock = Object.freeze({
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
});

/** A clock that only moves when slept on: sleeping advances it at once (for tests and replays). */
export function virtualClock(start = 0): Clock & { readonly t: number } {
  let t = start;
  return {
    get t() {
      return t;
    },
    now: () => t,
    sleep: async (ms: number) => {
      t += Math.max(0, ms);
      await Promise.resolve();
    },
  };
}

/** A Publisher that keeps every message, for tests and dry runs. */
export class MemoryPublisher implements Publisher {
  readonly messages: { subject: string; data: Uint8Array; msgId: string | undefined }[] = [];

  publish(subject: string, data: Uint8Array, opts?: { msgId?: string }): void {
    this.messages.push({ subject, data, msgId: opts?.msgId });
  }
}
