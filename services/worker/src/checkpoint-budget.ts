// The byte budget of periodic checkpoints. Every stream checkpoints every N samples or T ms; with
// thousands of streams that alone can ask more of the KV store than it can take (10,000 streams of
// ~170 KB every 30 s is ~57 MB/s: in a benchmark run nats-server grew past 6 GB before it was
// stopped). A token bucket refilled at `bytesPerSec` (at most one second's worth banked) lets a
// periodic checkpoint start only while the bucket is not empty, charging the expected size up front
// and settling the difference once the write is done. A stream whose checkpoint was put off keeps its
// unsaved samples (its partition record still replays them after a crash) and asks again at its next
// sample, so the streams that apply the most samples, whose replay would cost most, ask most often.
// Checkpoints that must be written (passivation, drain, release, snapshot requests) never wait: they
// only spend from the bucket, down to one second's worth of debt, which delays the periodic ones after them.

import { pl } from './metrics.ts';

/** The bucket; `bytesPerSec` 0 means no limit. */
export class CheckpointBudget {
  readonly #rate: number;
  readonly #clock: () => number;
  #tokens: number;
  #at: number;
  /** Mean size of the checkpoints written so far (the charge of a stream's first one), bytes. */
  #mean = 64 * 1024;

  constructor(bytesPerSec: number, clock: () => number = () => performance.now()) {
    this.#rate = bytesPerSec;
    this.#clock = clock;
    this.#tokens = bytesPerSec;
    this.#at = clock();
  }

  get unlimited(): boolean {
    return this.#rate === 0;
  }

  /** Bytes in the bucket now (negative while a charge overshot it). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /**
   * May a periodic checkpoint start now? If so it is charged `expected` bytes (the stream's last
   * checkpoint size, or the mean when it has none) and the caller must settle() it.
   */
  tryTake(expected: number | undefined): number | null {
    if (this.unlimited) return 0;
    this.#refill();
    if (this.#tokens <= 0) return null;
    const charge = expected ?? this.#mean;
    this.#tokens -= charge;
    return charge;
  }

  /** Records a write of `written` bytes (0: nothing written) that was charged `charged` up front. */
  settle(charged: number, written: number): void {
    if (written > 0) this.#mean += (written - this.#mean) / 16;
    if (this.unlimited) return;
    this.#refill();
    // A wave of writes that must be made (10,000 passivations) would otherwise stop periodic
    // checkpoints for as long as the wave took at the budget's rate: the debt is capped at one second.
    this.#tokens = Math.max(-this.#rate, this.#tokens + charged - written);
  }

  #refill(): void {
    const t = this.#clock();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((t - this.#at) / 1000) * this.#rate);
    this.#at = t;
  }
}

/** Runs a checkpoint write (resolving to its bytes, 0 when it failed), then settles `charged`; true when written. */
export async function settledWrite(budget: CheckpointBudget, charged: number, write: () => Promise<number>): Promise<boolean> {
  let written = 0;
  try {
    written = await write();
    return written > 0;
  } finally {
    budget.settle(charged, written);
  }
}

/** What periodicCheckpoint reads of the worker. */
export interface PeriodicCheckpoints {
  readonly checkpointEverySamples: number;
  readonly checkpointEveryMs: number;
  readonly budget: CheckpointBudget;
  readonly metrics: { readonly checkpointDeferrals: { inc(labels: { partition: string }): void } };
}

/** What periodicCheckpoint reads of an actor (a stream's or a group's). */
export interface Checkpointed {
  readonly partition: number;
  /** Samples applied since the last checkpoint, and when that was written (performance.now() ms). */
  readonly pending: number;
  readonly checkpointAt: number;
  /** Size of the last checkpoint written, bytes (undefined before the first). */
  readonly checkpointBytes?: number;
  /** After failed writes: no periodic attempt before this time (performance.now() ms); see retryAfterFailure. */
  readonly checkpointRetryAt?: number;
}

/** First and longest wait before a periodic checkpoint is tried again after a failed one, ms (doubling). */
export const CHECKPOINT_RETRY_MIN_MS = 50;
export const CHECKPOINT_RETRY_MAX_MS = 2_000;

/**
 * When the next periodic checkpoint may be tried after `failures` failed writes in a row. Without
 * it a stream tries on every sample while the store is down (twenty writes in 150 ms in a KV leader
 * election), each a write of unknown outcome the store must remember, and each load on a cluster
 * that is electing. Checkpoints on passivation, release, drain and snapshot do not wait.
 */
export function retryAfterFailure(failures: number, t: number = performance.now()): number {
  return t + Math.min(CHECKPOINT_RETRY_MAX_MS, CHECKPOINT_RETRY_MIN_MS * 2 ** Math.min(Math.max(failures - 1, 0), 16));
}

/**
 * After a sample: null when no checkpoint is due or the budget puts the due one off (counted in
 * checkpointDeferrals); else the bytes charged for it, to pass to the write, which settles them.
 */
export function periodicCheckpoint(ctx: PeriodicCheckpoints, state: Checkpointed, t: number = performance.now()): number | null {
  if (state.pending < ctx.checkpointEverySamples && t - state.checkpointAt < ctx.checkpointEveryMs) return null;
  if (state.checkpointRetryAt !== undefined && t < state.checkpointRetryAt) return null;
  const charge = ctx.budget.tryTake(state.checkpointBytes);
  if (charge === null) ctx.metrics.checkpointDeferrals.inc(pl(state.partition));
  return charge;
}
