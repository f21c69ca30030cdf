// The worker's Prometheus metrics, on the prom-client registry it is given. Labels are partition
// or code, never stream (DESIGN.md conventions). Defined here because @carousel/metrics has no
// worker handles yet; the names follow its conventions so they can move there unchanged.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PROTO_ERR_CODES } from '@carousel/protocol';
import { WORKER_ERR } from './errors.ts';

export interface WorkerMetrics {
  readonly registry: Registry;
  /** Samples applied to a model. */
  readonly samples: Counter<'partition'>;
  /** Samples refused, by stable code. */
  readonly rejects: Counter<'code'>;
  /** Redelivered messages already covered by a checkpoint, skipped without effect. */
  readonly skipped: Counter;
  readonly predictions: Counter;
  readonly alerts: Counter;
  /** Checkpoints written, by where (kv, object) and failures by code. */
  readonly checkpoints: Counter<'store'>;
  readonly checkpointFailures: Counter<'code'>;
  readonly checkpointBytes: Histogram;
  /** Time of one sample turn (decode to publish), seconds. */
  readonly turnSeconds: Histogram;
  readonly inferSeconds: Histogram;
  readonly controlRequests: Counter<'op'>;
  /** Partitions owned now, and lease events. */
  readonly partitionsOwned: Gauge;
  readonly leaseEvents: Counter<'event'>;
  /** Actor runtime gauges, refreshed on scrape. */
  readonly actorsActive: Gauge;
  readonly mailboxQueued: Gauge;
  /** Actor status events (ACTOR_STATUS_METRICS names). */
  readonly actorEvents: Counter<'type'>;
}

export function createWorkerMetrics(registry: Registry = new Registry()): WorkerMetrics {
  const r = [registry];
  const m: WorkerMetrics = {
    registry,
    samples: new Counter({ name: 'carousel_worker_samples_total', help: 'Samples applied to a stream model', labelNames: ['partition'], registers: r }),
    rejects: new Counter({ name: 'carousel_worker_rejects_total', help: 'Samples refused, by error code', labelNames: ['code'], registers: r }),
    skipped: new Counter({ name: 'carousel_worker_redeliveries_skipped_total', help: 'Redelivered samples already covered by a checkpoint', registers: r }),
    predictions: new Counter({ name: 'carousel_worker_predictions_total', help: 'Predictions published', registers: r }),
    alerts: new Counter({ name: 'carousel_worker_alerts_total', help: 'Alerts published', registers: r }),
    checkpoints: new Counter({ name: 'carousel_worker_checkpoints_total', help: 'Checkpoints written', labelNames: ['store'], registers: r }),
    checkpointFailures: new Counter({ name: 'carousel_worker_checkpoint_failures_total', help: 'Checkpoints not written', labelNames: ['code'], registers: r }),
    checkpointBytes: new Histogram({ name: 'carousel_worker_checkpoint_bytes', help: 'Checkpoint size', buckets: [1e3, 1e4, 3e4, 1e5, 3e5, 1e6, 4e6], registers: r }),
    turnSeconds: new Histogram({ name: 'carousel_worker_turn_seconds', help: 'One sample turn', buckets: [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 0.1], registers: r }),
    inferSeconds: new Histogram({ name: 'carousel_worker_infer_seconds', help: 'One infer request', buckets: [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 0.1], registers: r }),
    controlRequests: new Counter({ name: 'carousel_worker_control_requests_total', help: 'Control requests answered', labelNames: ['op'], registers: r }),
    partitionsOwned: new Gauge({ name: 'carousel_worker_partitions_owned', help: 'Partitions this worker holds a lease on', registers: r }),
    leaseEvents: new Counter({ name: 'carousel_worker_lease_events_total', help: 'Lease acquired, released, lost', labelNames: ['event'], registers: r }),
    actorsActive: new Gauge({ name: 'carousel_worker_actors_active', help: 'Stream actors in memory', registers: r }),
    mailboxQueued: new Gauge({ name: 'carousel_worker_mailbox_queued', help: 'Messages queued in stream mailboxes', registers: r }),
    actorEvents: new Counter({ name: 'carousel_worker_actor_events_total', help: 'Actor runtime status events', labelNames: ['type'], registers: r }),
  };
  for (const code of [...PROTO_ERR_CODES, ...Object.values(WORKER_ERR)]) m.rejects.inc({ code }, 0);
  return m;
}
