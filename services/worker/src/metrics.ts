// The worker's metrics: @carousel/metrics' shared worker definitions (labelled by partition and
// code, never by stream) plus the few the worker adds here, all on one registry with the
// `service="worker"` label. The /metrics server is @carousel/metrics' startMetricsServer.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { STEP_SECONDS_BUCKETS, createRegistry, partitionLabel, workerMetrics, type WorkerMetrics as SharedWorkerMetrics } from '@carousel/metrics';

export interface WorkerMetrics extends SharedWorkerMetrics {
  readonly registry: Registry;
  /** Redelivered samples already covered by a checkpoint, skipped without effect. */
  readonly redeliveriesSkipped: Counter;
  /** Checkpoints written, by where the bytes went ('kv' | 'object'). */
  readonly checkpointsWritten: Counter<'store'>;
  /** Seconds per infer request. */
  readonly inferSeconds: Histogram;
  /** Control requests answered, by op. */
  readonly controlRequests: Counter<'op'>;
  /** Partitions held now. */
  readonly partitionsOwned: Gauge;
  /** Messages queued in all stream mailboxes now. */
  readonly mailboxQueued: Gauge;
  /** Actor runtime status events (ACTOR_STATUS_METRICS types). */
  readonly actorEvents: Counter<'type'>;
}

export function createWorkerMetrics(registry: Registry = createRegistry({ service: 'worker' })): WorkerMetrics {
  const registers = [registry];
  return {
    ...workerMetrics(registry),
    registry,
    redeliveriesSkipped: new Counter({ name: 'carousel_worker_redeliveries_skipped_total', help: 'Redelivered samples already covered by a checkpoint.', registers }),
    checkpointsWritten: new Counter({ name: 'carousel_worker_checkpoints_total', help: 'Checkpoints written, by store.', labelNames: ['store'] as const, registers }),
    inferSeconds: new Histogram({ name: 'carousel_worker_infer_seconds', help: 'Seconds per infer request.', buckets: [...STEP_SECONDS_BUCKETS], registers }),
    controlRequests: new Counter({ name: 'carousel_worker_control_requests_total', help: 'Control requests answered, by op.', labelNames: ['op'] as const, registers }),
    partitionsOwned: new Gauge({ name: 'carousel_worker_partitions_owned', help: 'Partitions this worker holds a lease on.', registers }),
    mailboxQueued: new Gauge({ name: 'carousel_worker_mailbox_queued', help: 'Messages queued in stream mailboxes.', registers }),
    actorEvents: new Counter({ name: 'carousel_worker_actor_events_total', help: 'Actor runtime status events.', labelNames: ['type'] as const, registers }),
  };
}

/** The partition label. */
export const pl = (partition: number): { partition: string } => ({ partition: partitionLabel(partition) });
