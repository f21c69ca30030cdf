// Fault injection for tests (export '@carousel/bus/testing'): a transport whose KV calls can be made
// to fail (lease renewals, checkpoint reads). Not used by any service.

import { BUS_ERR, BusError } from './errors.ts';
import type { KvSpec, KvStore, Transport } from './transport.ts';

/** What a test controls: while `stall` is set, every lease renewal fails as if its reply timed out. */
export interface RenewalControl {
  stall: boolean;
  /** Lease keys whose renewal was refused since `stall` was last set. */
  readonly refused: Set<string>;
}

/** Faults a test injects into one KV bucket: an error to throw instead of the call, or undefined to let it through. */
export interface KvFaults {
  get?(key: string): BusError | undefined;
  update?(key: string): BusError | undefined;
  /** A delete refused: nothing deleted. */
  delete?(key: string): BusError | undefined;
  /**
   * A write (create or update) that lands but whose reply is lost: the value is written, then
   * this error is thrown instead of the new revision (a KV leader that committed the write and
   * died before it answered).
   */
  lostReply?(key: string): BusError | undefined;
}

/**
 * `t` with `bucket`'s get()/update()/delete() failing as `faults` says (nothing read or written then), and
 * its create()/update() replies lost as `faults.lostReply` says (written, then failing); every
 * other call unchanged.
 */
export function withKvFaults(t: Transport, bucket: string, faults: KvFaults): Transport {
  const wrapKv = (kv: KvStore): KvStore => {
    const lossy = withLostReplies(kv, (k) => faults.lostReply?.(k)); // a plain object: spreading it keeps every method
    return {
      ...lossy,
      get: (k) => {
        const e = faults.get?.(k);
        return e === undefined ? kv.get(k) : Promise.reject(e);
      },
      update: (k, v, rev) => {
        const e = faults.update?.(k);
        return e === undefined ? lossy.update(k, v, rev) : Promise.reject(e);
      },
      delete: (k, rev) => {
        const e = faults.delete?.(k);
        return e === undefined ? lossy.delete(k, rev) : Promise.reject(e);
      },
    };
  };
  return new Proxy(t, {
    get(target, prop) {
      if (prop === 'ensureKv') {
        return async (spec: KvSpec) => {
          const kv = await target.ensureKv(spec);
          return spec.bucket === bucket ? wrapKv(kv) : kv;
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * `t` with the lease bucket's update() of partition keys (`p.<n>`) failing with BUS_ERR_TIMEOUT,
 * writing nothing, while `ctl.stall`: the lease stays held under the same generation while its
 * holder cannot renew it (and is lost once the stall outlasts its TTL).
 */
export function withStallableRenewals(t: Transport, leasesBucket: string, ctl: RenewalControl): Transport {
  return withKvFaults(t, leasesBucket, {
    update: (k) => {
      if (!ctl.stall || !k.startsWith('p.')) return undefined;
      ctl.refused.add(k);
      return new BusError(BUS_ERR.TIMEOUT, `renewal of ${k} timed out (injected)`);
    },
  });
}

/**
 * `kv` whose create()/update() land and then fail with the error `lostReply` returns for the key
 * (a reply lost after the write committed), or answer as usual when it returns undefined.
 */
export function withLostReplies(kv: KvStore, lostReply: (key: string) => BusError | undefined): KvStore {
  const landed = async (k: string, write: Promise<number>): Promise<number> => {
    const revision = await write;
    const e = lostReply(k);
    if (e !== undefined) throw e;
    return revision;
  };
  return {
    bucket: kv.bucket,
    get: (k) => kv.get(k),
    put: (k, v) => kv.put(k, v),
    create: (k, v) => landed(k, kv.create(k, v)),
    update: (k, v, rev) => landed(k, kv.update(k, v, rev)),
    delete: (k, rev) => kv.delete(k, rev),
    watch: (o) => kv.watch(o),
    keys: (p) => kv.keys(p),
  };
}

/** Written writes per key, and which of them lost their reply (see lostRepliesAt). */
export interface LostReplies {
  /** Writes that landed, per key. */
  readonly writes: Map<string, number>;
  /** Of those, the ones whose reply was lost, per key. */
  readonly lost: Map<string, number>;
  /** For withLostReplies / KvFaults.lostReply. */
  lostReply(key: string): BusError | undefined;
}

/** Loses the reply of the writes of each key numbered in `lostAt(key)` (1 = its first write that lands), with BUS_ERR_TIMEOUT. */
export function lostRepliesAt(lostAt: (key: string) => readonly number[]): LostReplies {
  const writes = new Map<string, number>();
  const lost = new Map<string, number>();
  return {
    writes, lost,
    lostReply: (k) => {
      const n = (writes.get(k) ?? 0) + 1;
      writes.set(k, n);
      if (!lostAt(k).includes(n)) return undefined;
      lost.set(k, (lost.get(k) ?? 0) + 1);
      return new BusError(BUS_ERR.TIMEOUT, `KV write ${k}: reply lost (injected)`);
    },
  };
}
