// One prom-client Registry per service, with Node's process metrics under the carousel_ prefix and
// a `service` default label. Not a global: every service (and every test) owns its registry.

import { Registry, collectDefaultMetrics } from 'prom-client';

/** Prefix of every Carousel metric name. */
export const METRIC_PREFIX = 'carousel_';

/** The services that own a registry: the `service` label's closed vocabulary. */
export const SERVICES = ['worker', 'gateway', 'simulator', 'cli'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface RegistryOptions {
  /** Added as the `service` label of every metric. */
  service: ServiceName;
  /** Collect Node process metrics (carousel_process_*, carousel_nodejs_*). Default true. */
  processMetrics?: boolean;
}

/** A fresh registry for `service`. */
export function createRegistry(opts: RegistryOptions): Registry {
  if (!SERVICES.includes(opts.service)) throw new TypeError(`unknown service ${String(opts.service)}`);
  const registry = new Registry();
  registry.setDefaultLabels({ service: opts.service });
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}
