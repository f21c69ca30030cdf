// Shared fixtures for this package's tests only (not exported): a seeded PRNG, a deferred, a
// checkpoint-store behaviour over a Map, and a way to let the scheduler run without wall time.

import type { ActorBehaviour } from './behaviour.ts';
import type { ActorSystem } from './system.ts';

/** mulberry32: a tiny seeded uniform generator in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One turn of the event loop: microtasks and one setImmediate slice of the scheduler. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Yields to the event loop until `cond()` holds; fails after `max` ticks (a count, not a time). */
export async function until(cond: () => boolean, max = 10_000): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (cond()) return;
    await tick();
  }
  throw new Error(`condition not met after ${max} ticks`);
}

/**
 * Until `system` is quiet: nothing in flight and no counter moving across two ticks. Messages may
 * stay queued behind a restart timer of a ManualClock, which only the test moves.
 */
export async function settle<K, M, S>(system: ActorSystem<K, M, S>, max = 10_000): Promise<void> {
  let last = JSON.stringify(system.counters());
  for (let i = 0; i < max; i++) {
    await tick();
    await tick();
    const now = JSON.stringify(system.counters());
    if (now === last && system.counters().inFlight === 0) return;
    last = now;
  }
  throw new Error(`system not quiet after ${max} ticks`);
}

/** A counter actor's state: the sum of its messages and how many it has seen. */
export interface SumState {
  sum: number;
  count: number;
  log: number[];
}

/**
 * A behaviour whose "checkpoint store" is a Map of serialized states; activate() deserializes and
 * passivate() serializes, so a reactivated actor has an equal (not the same) state object.
 */
export function checkpointBehaviour(store = new Map<string, string>()): ActorBehaviour<string, number, SumState> & {
  store: Map<string, string>;
  activations: string[];
  passivations: string[];
} {
  const activations: string[] = [];
  const passivations: string[] = [];
  return {
    store,
    activations,
    passivations,
    async activate(key) {
      activations.push(key);
      const saved = store.get(key);
      return saved === undefined ? { sum: 0, count: 0, log: [] } : (JSON.parse(saved) as SumState);
    },
    turn(state, msg) {
      return { sum: state.sum + msg, count: state.count + 1, log: [...state.log, msg] };
    },
    async passivate(key, state) {
      passivations.push(key);
      store.set(key, JSON.stringify(state));
    },
  };
}
