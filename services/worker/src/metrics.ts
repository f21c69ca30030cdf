// The worker's metrics: @carousel/metrics' worker definitions (labelled by partition and code, never
// by stream) on one registry with the `service="worker"` label. Nothing is defined here. The
// /metrics server is @carousel/metrics' startMetricsServer.

import type { Registry } from 'prom-client';
import { CHECKPOINT_FAILURE_CODES, codeLabel, createRegistry, partitionLabel, workerMetrics, type WorkerMetrics as SharedWorkerMetrics } from '@carousel/metrics';

export interface WorkerMetrics extends SharedWorkerMetrics {
  readonly registry: Registry;
}

export function createWorkerMetrics(registry: Registry = createRegistry({ service: 'worker' })): WorkerMetrics {
  return { ...workerMetrics(registry), registry };
}

/** The partition label. */
export const pl = (partition: number): { partition: string } => ({ partition: partitionLabel(partition) });

/**
 * Labels of a failed checkpoint write: `code` is 'fenced' when the write was not attempted (the
 * lease or generation moved on), else the error's code if CHECKPOINT_FAILURE_CODES holds it, else 'other'.
 */
export function checkpointFailureLabels(partition: number, error?: unknown): { partition: string; code: string } {
  if (error === undefined) return { ...pl(partition), code: 'fenced' };
  const code = (error as { code?: unknown } | null)?.code;
  return { ...pl(partition), code: codeLabel(typeof code === 'string' ? code : '', CHECKPOINT_FAILURE_CODES) };
}
