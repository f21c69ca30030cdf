// The gateway's metrics: @carousel/metrics' gateway definitions on a registry of its own per Gateway
// instance (several gateways can live in one test process), with the `service="gateway"` label and
// Node's process metrics as carousel_process_*, carousel_nodejs_*. Nothing is defined here.

import type { Registry } from 'prom-client';
import { createRegistry, gatewayMetrics, type GatewayMetrics as SharedGatewayMetrics } from '@carousel/metrics';

export interface GatewayMetrics extends SharedGatewayMetrics {
  readonly registry: Registry;
}

/** Creates the metrics in a new registry; `queued()` is read at scrape time for the queued-bytes gauge. */
export function createGatewayMetrics(queued: () => number, processMetrics = true): GatewayMetrics {
  const registry = createRegistry({ service: 'gateway', processMetrics });
  return { ...gatewayMetrics(registry, { queuedBytes: queued }), registry };
}
