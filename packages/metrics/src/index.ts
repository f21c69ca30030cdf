// Public entry of @carousel/metrics: a prom-client registry per service, the shared metric
// definitions (typed factories) and the /metrics, /healthz, /readyz server.

export { METRIC_PREFIX, SERVICES, createRegistry } from './registry.ts';
export type { RegistryOptions, ServiceName } from './registry.ts';

export { CLOSE_CODES, OTHER, closeCodeLabel, codeLabel, partitionLabel } from './labels.ts';

export {
  CHECKPOINT_BYTES_BUCKETS,
  CHECKPOINT_FAILURE_CODES,
  CONNECTION_RESULTS,
  DROP_REASONS,
  FANOUT_SECONDS_BUCKETS,
  MESSAGE_KINDS,
  CHECKPOINT_SECONDS_BUCKETS,
  LATENCY_SECONDS_BUCKETS,
  SEND_QUEUE_BYTES_BUCKETS,
  STEP_SECONDS_BUCKETS,
  gatewayMetrics,
  simulatorMetrics,
  workerMetrics,
} from './definitions.ts';
export type { GatewayMetrics, GatewayMetricsOptions, SimulatorMetrics, WorkerMetrics } from './definitions.ts';

export { startMetricsServer } from './server.ts';
export type { HealthState, MetricsServer, MetricsServerOptions } from './server.ts';
