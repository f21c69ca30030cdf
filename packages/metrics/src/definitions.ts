// The shared metric definitions of the services, as typed factories over a registry. Names follow
// DESIGN.md: carousel_ prefix, base units, histograms not summaries, labels from closed sets
// (partition, code), never a stream id. Registering the same factory twice on one registry throws.

import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** Step latency buckets, seconds: 10 us .. 100 ms (one LSTM step + update is well under 1 ms). */
export const STEP_SECONDS_BUCKETS: readonly number[] = [1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1];
/** End-to-end latency buckets (publish to prediction), seconds: 1 ms .. 10 s. */
export const LATENCY_SECONDS_BUCKETS: readonly number[] = [1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 10];
/** Checkpoint duration buckets, seconds: 1 ms .. 30 s. */
export const CHECKPOINT_SECONDS_BUCKETS: readonly number[] = [1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1, 5, 30];
/** Checkpoint size buckets, bytes: 256 B .. 64 MiB in powers of 4. */
export const CHECKPOINT_BYTES_BUCKETS: readonly number[] = Array.from({ length: 10 }, (_, i) => 256 * 4 ** i);
/** WebSocket send-queue size buckets, bytes: 1 KiB .. 64 MiB in powers of 4. */
export const SEND_QUEUE_BYTES_BUCKETS: readonly number[] = Array.from({ length: 9 }, (_, i) => 1024 * 4 ** i);

type P = 'partition';

export interface WorkerMetrics {
  /** Samples accepted, by partition. */
  readonly samples: Counter<P>;
  /** Samples rejected, by partition and error code (codeLabel). */
  readonly rejects: Counter<P | 'code'>;
  /** Seconds per actor step (normalise, score, learn, forecast), by partition. */
  readonly stepSeconds: Histogram<P>;
  /** Seconds from the sample's timestamp to its prediction's publication, by partition. */
  readonly endToEndSeconds: Histogram<P>;
  /** Live actors, by partition. */
  readonly activeActors: Gauge<P>;
  /** Actors passivated to their checkpoint, by partition. */
  readonly passivated: Counter<P>;
  /** Seconds per checkpoint write, by partition. */
  readonly checkpointSeconds: Histogram<P>;
  /** Bytes per checkpoint record, by partition. */
  readonly checkpointBytes: Histogram<P>;
  /** Checkpoint writes that failed (including fenced writes after a lost lease), by partition. */
  readonly checkpointFailures: Counter<P>;
  /** Partition leases taken or lost, by partition. */
  readonly leaseChanges: Counter<P>;
  /** Messages pending on the partition's consumer, by partition. */
  readonly consumerLag: Gauge<P>;
  /** Model updates the learner refused (non-finite gradient, clipped away), by partition. */
  readonly modelRefused: Counter<P>;
  /** Models that diverged, by partition. */
  readonly modelDiverged: Counter<P>;
  /** Rollbacks to the last good checkpoint, by partition. */
  readonly modelRollbacks: Counter<P>;
  /** Predictions published, by partition. */
  readonly predictions: Counter<P>;
  /** Anomaly alerts published, by partition. */
  readonly alerts: Counter<P>;
  /** Samples dropped because an actor mailbox was full, by partition. */
  readonly mailboxOverflow: Counter<P>;
}

export function workerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> => new Counter({ name, help, labelNames, registers });
  const histogram = (name: string, help: string, buckets: readonly number[]): Histogram<P> =>
    new Histogram({ name, help, labelNames: ['partition'] as const, buckets: [...buckets], registers });
  const gauge = (name: string, help: string): Gauge<P> => new Gauge({ name, help, labelNames: ['partition'] as const, registers });
  const p = ['partition'] as const;
  return {
    samples: counter('carousel_worker_samples_total', 'Samples accepted.', p),
    rejects: counter('carousel_worker_rejects_total', 'Samples rejected, by error code.', ['partition', 'code'] as const),
    stepSeconds: histogram('carousel_worker_step_seconds', 'Seconds per actor step.', STEP_SECONDS_BUCKETS),
    endToEndSeconds: histogram('carousel_worker_end_to_end_seconds', 'Seconds from sample timestamp to published prediction.', LATENCY_SECONDS_BUCKETS),
    activeActors: gauge('carousel_worker_active_actors', 'Live actors.'),
    passivated: counter('carousel_worker_passivated_actors_total', 'Actors passivated to their checkpoint.', p),
    checkpointSeconds: histogram('carousel_worker_checkpoint_seconds', 'Seconds per checkpoint write.', CHECKPOINT_SECONDS_BUCKETS),
    checkpointBytes: histogram('carousel_worker_checkpoint_bytes', 'Bytes per checkpoint record.', CHECKPOINT_BYTES_BUCKETS),
    checkpointFailures: counter('carousel_worker_checkpoint_failures_total', 'Checkpoint writes that failed.', p),
    leaseChanges: counter('carousel_worker_lease_changes_total', 'Partition leases taken or lost.', p),
    consumerLag: gauge('carousel_worker_consumer_lag_messages', 'Messages pending on the partition consumer.'),
    modelRefused: counter('carousel_worker_model_refused_updates_total', 'Model updates the learner refused.', p),
    modelDiverged: counter('carousel_worker_model_diverged_total', 'Models that diverged.', p),
    modelRollbacks: counter('carousel_worker_model_rollbacks_total', 'Rollbacks to the last good checkpoint.', p),
    predictions: counter('carousel_worker_predictions_published_total', 'Predictions published.', p),
    alerts: counter('carousel_worker_alerts_total', 'Anomaly alerts published.', p),
    mailboxOverflow: counter('carousel_worker_mailbox_overflow_total', 'Samples dropped on a full actor mailbox.', p),
  };
}

export interface GatewayMetrics {
  /** Connected WebSocket clients. */
  readonly clients: Gauge;
  /** Messages sent to clients. */
  readonly messagesSent: Counter;
  /** Messages dropped or coalesced by the backpressure policy, by `reason` ('dropped' | 'coalesced'). */
  readonly dropped: Counter<'reason'>;
  /** Connections closed, by close code (closeCodeLabel). */
  readonly closes: Counter<'code'>;
  /** Connections refused authentication. */
  readonly authFailures: Counter;
  /** Bytes queued for one client when a message is enqueued. */
  readonly sendQueueBytes: Histogram;
}

export function gatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  return {
    clients: new Gauge({ name: 'carousel_gateway_clients', help: 'Connected WebSocket clients.', registers }),
    messagesSent: new Counter({ name: 'carousel_gateway_messages_sent_total', help: 'Messages sent to clients.', registers }),
    dropped: new Counter({ name: 'carousel_gateway_messages_dropped_total', help: 'Messages dropped or coalesced by backpressure.', labelNames: ['reason'] as const, registers }),
    closes: new Counter({ name: 'carousel_gateway_closes_total', help: 'Connections closed, by close code.', labelNames: ['code'] as const, registers }),
    authFailures: new Counter({ name: 'carousel_gateway_auth_failures_total', help: 'Connections refused authentication.', registers }),
    sendQueueBytes: new Histogram({ name: 'carousel_gateway_send_queue_bytes', help: 'Bytes queued for a client at enqueue.', buckets: [...SEND_QUEUE_BYTES_BUCKETS], registers }),
  };
}

export interface SimulatorMetrics {
  /** Samples published, by `kind` of synthetic stream ('sensor' | 'audio' | 'plant' | 'replay'). */
  readonly samples: Counter<'kind'>;
}

export function simulatorMetrics(registry: Registry): SimulatorMetrics {
  return {
    samples: new Counter({ name: 'carousel_simulator_samples_published_total', help: 'Samples published.', labelNames: ['kind'] as const, registers: [registry] }),
  };
}
