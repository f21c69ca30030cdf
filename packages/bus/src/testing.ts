// Fault injection for tests (export '@carousel/bus/testing'): a transport whose lease renewals can
// be made to fail. Not used by any service.

import { BUS_ERR, BusError } from './errors.ts';
import type { KvSpec, KvStore, Transport } from './transport.ts';

/** What a test controls: while `stall` is set, every lease renewal fails as if its reply timed out. */
export interface RenewalControl {
  stall: boolean;
  /** Lease keys whose renewal was refused since `stall` was last set. */
  readonly refused: Set<string>;
}

/**
 * `t` with the lease bucket's update() of partition keys (`p.<n>`) failing with BUS_ERR_TIMEOUT,
 * writing nothing, while `ctl.stall`: the lease stays held under the same generation while its
 * holder cannot renew it. Every other call goes to `t` unchanged.
 */
export function withStallableRenewals(t: Transport, leasesBucket: string, ctl: RenewalControl): Transport {
  const wrapKv = (kv: KvStore): KvStore => ({
    bucket: kv.bucket,
    get: (k) => kv.get(k),
    put: (k, v) => kv.put(k, v),
    create: (k, v) => kv.create(k, v),
    update: (k, v, rev) => {
      if (ctl.stall && k.startsWith('p.')) {
        ctl.refused.add(k);
        return Promise.reject(new BusError(BUS_ERR.TIMEOUT, `renewal of ${k} timed out (injected)`));
      }
      return kv.update(k, v, rev);
    },
    delete: (k) => kv.delete(k),
    watch: (o) => kv.watch(o),
  });
  return new Proxy(t, {
    get(target, prop) {
      if (prop === 'ensureKv') {
        return async (spec: KvSpec) => {
          const kv = await target.ensureKv(spec);
          return spec.bucket === leasesBucket ? wrapKv(kv) : kv;
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
