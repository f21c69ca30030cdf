// The shared metric definitions of the services, as typed factories over a registry. Names follow
// DESIGN.md: carousel_ prefix, base units, histograms not summaries, labels from closed sets
// (partition, code), never a stream id. Registering the same factory twice on one registry throws.

import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** Step latency buckets, seconds: 10 us .. 100 ms (one LSTM step + update is well under 1 ms). */
export const STEP_SECONDS_BUCKETS: readonly number[] = [1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1];
/** End-to-end latency buckets (publish to prediction), seconds: 1 ms .. 10 s. */
export const LATENCY_SECONDS_BUCKETS: readonly number[] = [1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 10];
/** Batch size buckets, member steps per batched step of a model group: 1 .. 256 in powers of 2. */
export const GROUP_BATCH_BUCKETS: readonly number[] = Array.from({ length: 9 }, (_, i) => 2 ** i);
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
  /** Member steps per batched step of a model group, by partition. */
  readonly groupBatchSteps: Histogram<P>;
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
  /** Checkpoint writes that failed, by partition and `code` (CHECKPOINT_FAILURE_CODES via codeLabel). */
  readonly checkpointFailures: Counter<P | 'code'>;
  /** Periodic checkpoints put off because the checkpoint byte budget was spent, by partition (once per sample that found one due). */
  readonly checkpointDeferrals: Counter<P>;
  /** Partition leases taken or lost, by partition. */
  readonly leaseChanges: Counter<P>;
  /**
   * Messages the partition's consumer has yet to deliver, by partition: the JetStream stream's last
   * sequence minus the last sequence the consumer delivered, read every heartbeat. The stream holds
   * every partition, so this is an upper bound (other partitions' newer messages count too).
   */
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
  /** Redelivered samples already covered by a checkpoint, skipped without effect. */
  readonly redeliveriesSkipped: Counter;
  /** Checkpoints written, by `store` where the bytes went ('kv' | 'object'). */
  readonly checkpointsWritten: Counter<'store'>;
  /** Seconds per infer request. */
  readonly inferSeconds: Histogram;
  /** Control requests answered, by `op` (the protocol's control ops). */
  readonly controlRequests: Counter<'op'>;
  /** Partitions this worker holds a lease on now. */
  readonly partitionsOwned: Gauge;
  /** Messages queued in all stream mailboxes now. */
  readonly mailboxQueued: Gauge;
  /** Actor runtime status events, by `type` (ACTOR_STATUS_METRICS of @carousel/actors). */
  readonly actorEvents: Counter<'type'>;
}

/**
 * Codes of failed checkpoint writes: 'fenced' (the lease or generation moved on before the write),
 * the bus codes a save can fail with; anything else counts as 'other'.
 */
export const CHECKPOINT_FAILURE_CODES: ReadonlySet<string> = new Set(['fenced', 'BUS_ERR_REVISION', 'BUS_ERR_TIMEOUT', 'BUS_ERR_CLOSED', 'BUS_ERR_NOT_FOUND', 'BUS_ERR_PAYLOAD_TOO_LARGE', 'WORKER_ERR_CHECKPOINT']);

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
    groupBatchSteps: histogram('carousel_worker_group_batch_steps', 'Member steps per batched step of a model group.', GROUP_BATCH_BUCKETS),
    endToEndSeconds: histogram('carousel_worker_end_to_end_seconds', 'Seconds from sample timestamp to published prediction.', LATENCY_SECONDS_BUCKETS),
    activeActors: gauge('carousel_worker_active_actors', 'Live actors.'),
    passivated: counter('carousel_worker_passivated_actors_total', 'Actors passivated to their checkpoint.', p),
    checkpointSeconds: histogram('carousel_worker_checkpoint_seconds', 'Seconds per checkpoint write.', CHECKPOINT_SECONDS_BUCKETS),
    checkpointBytes: histogram('carousel_worker_checkpoint_bytes', 'Bytes per checkpoint record.', CHECKPOINT_BYTES_BUCKETS),
    checkpointFailures: counter('carousel_worker_checkpoint_failures_total', 'Checkpoint writes that failed, by code.', ['partition', 'code'] as const),
    checkpointDeferrals: counter('carousel_worker_checkpoint_deferrals_total', 'Periodic checkpoints put off by the checkpoint byte budget.', p),
    leaseChanges: counter('carousel_worker_lease_changes_total', 'Partition leases taken or lost.', p),
    consumerLag: gauge('carousel_worker_consumer_lag_messages', 'Stream last sequence minus the partition consumer\'s last delivered sequence.'),
    modelRefused: counter('carousel_worker_model_refused_updates_total', 'Model updates the learner refused.', p),
    modelDiverged: counter('carousel_worker_model_diverged_total', 'Models that diverged.', p),
    modelRollbacks: counter('carousel_worker_model_rollbacks_total', 'Rollbacks to the last good checkpoint.', p),
    predictions: counter('carousel_worker_predictions_published_total', 'Predictions published.', p),
    alerts: counter('carousel_worker_alerts_total', 'Anomaly alerts published.', p),
    mailboxOverflow: counter('carousel_worker_mailbox_overflow_total', 'Samples dropped on a full actor mailbox.', p),
    redeliveriesSkipped: counter('carousel_worker_redeliveries_skipped_total', 'Redelivered samples already covered by a checkpoint.', []),
    checkpointsWritten: counter('carousel_worker_checkpoints_total', 'Checkpoints written, by store.', ['store'] as const),
    inferSeconds: new Histogram({ name: 'carousel_worker_infer_seconds', help: 'Seconds per infer request.', buckets: [...STEP_SECONDS_BUCKETS], registers }),
    controlRequests: counter('carousel_worker_control_requests_total', 'Control requests answered, by op.', ['op'] as const),
    partitionsOwned: new Gauge({ name: 'carousel_worker_partitions_owned', help: 'Partitions this worker holds a lease on.', registers }),
    mailboxQueued: new Gauge({ name: 'carousel_worker_mailbox_queued', help: 'Messages queued in stream mailboxes.', registers }),
    actorEvents: counter('carousel_worker_actor_events_total', 'Actor runtime status events.', ['type'] as const),
  };
}

/** Fan-out buckets, seconds: 10 us .. 100 ms (one bus message to every matching client). */
export const FANOUT_SECONDS_BUCKETS: readonly number[] = [1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1];

/** `result` of a WebSocket connection attempt. */
export const CONNECTION_RESULTS = ['accepted', 'rejected_limit', 'rejected_draining', 'rejected_rate_limited'] as const;
/** `kind` of a bus message or frame the gateway forwards. */
export const MESSAGE_KINDS = ['prediction', 'alert'] as const;
/**
 * `reason` a message to one client was not sent: 'coalesced' (replaced in a slow client's queue by
 * a newer message of the same stream), 'dropped' (a slow client's queue was over its hard limit),
 * 'duplicate' (its seq was at or below what the client already had).
 */
export const DROP_REASONS = ['coalesced', 'dropped', 'duplicate'] as const;

export interface GatewayMetricsOptions {
  /** Read at scrape time for carousel_gateway_queued_bytes; without it the gauge stays 0. */
  queuedBytes?: () => number;
}

export interface GatewayMetrics {
  /** Connected WebSocket clients (any state). */
  readonly clients: Gauge;
  /** Connection attempts, by `result` (CONNECTION_RESULTS). */
  readonly connections: Counter<'result'>;
  /** Connections closed, by close `code` (closeCodeLabel). */
  readonly closes: Counter<'code'>;
  /** Failed authentications, by error `code` (the gateway's GW_ERR_* family). */
  readonly authFailures: Counter<'code'>;
  /** Messages taken from the bus, by `kind` (MESSAGE_KINDS). */
  readonly busMessages: Counter<'kind'>;
  /** Bus messages that failed to decode, by `kind` (MESSAGE_KINDS). */
  readonly decodeErrors: Counter<'kind'>;
  /** Messages handed to a client's socket or send queue, by `kind` (MESSAGE_KINDS); one per client. */
  readonly messagesSent: Counter<'kind'>;
  /** Messages to a client not sent, by `reason` (DROP_REASONS). */
  readonly messagesDropped: Counter<'reason'>;
  /** Clients closed as slow consumers (4008). */
  readonly slowConsumers: Counter;
  /** Bytes a client holds (send queue plus socket buffer) when a message is enqueued for it. */
  readonly sendQueueBytes: Histogram;
  /** Bytes in send queues and socket buffers over all clients, read at scrape time. */
  readonly queuedBytes: Gauge;
  /** Replays started for resuming clients. */
  readonly replays: Counter;
  /** Messages sent by replays. */
  readonly replayMessages: Counter;
  /** Client frames refused, by error `code` (GW_ERR_*). */
  readonly clientErrors: Counter<'code'>;
  /** Seconds to fan one bus message out to every client. */
  readonly fanoutSeconds: Histogram;
}

export function gatewayMetrics(registry: Registry, opts: GatewayMetricsOptions = {}): GatewayMetrics {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> => new Counter({ name, help, labelNames, registers });
  const queued = opts.queuedBytes;
  return {
    clients: new Gauge({ name: 'carousel_gateway_clients', help: 'Connected WebSocket clients.', registers }),
    connections: counter('carousel_gateway_connections_total', 'WebSocket connection attempts, by result.', ['result'] as const),
    closes: counter('carousel_gateway_closes_total', 'Connections closed, by close code.', ['code'] as const),
    authFailures: counter('carousel_gateway_auth_failures_total', 'Failed authentications, by error code.', ['code'] as const),
    busMessages: counter('carousel_gateway_bus_messages_total', 'Messages received from the bus, by kind.', ['kind'] as const),
    decodeErrors: counter('carousel_gateway_decode_errors_total', 'Bus messages that failed to decode, by kind.', ['kind'] as const),
    messagesSent: counter('carousel_gateway_messages_sent_total', 'Messages handed to client sockets or send queues, by kind.', ['kind'] as const),
    messagesDropped: counter('carousel_gateway_messages_dropped_total', 'Messages to clients not sent, by reason.', ['reason'] as const),
    slowConsumers: counter('carousel_gateway_slow_consumers_total', 'Clients closed as slow consumers (4008).', []),
    sendQueueBytes: new Histogram({ name: 'carousel_gateway_send_queue_bytes', help: 'Bytes queued for a client at enqueue.', buckets: [...SEND_QUEUE_BYTES_BUCKETS], registers }),
    queuedBytes: new Gauge({
      name: 'carousel_gateway_queued_bytes',
      help: 'Bytes in send queues and socket buffers over all clients.',
      registers,
      collect() {
        if (queued !== undefined) this.set(queued());
      },
    }),
    replays: counter('carousel_gateway_replays_total', 'Stream replays started for resuming clients.', []),
    replayMessages: counter('carousel_gateway_replay_messages_total', 'Messages sent by replays.', []),
    clientErrors: counter('carousel_gateway_client_errors_total', 'Client frames refused, by error code.', ['code'] as const),
    fanoutSeconds: new Histogram({ name: 'carousel_gateway_fanout_seconds', help: 'Seconds to fan one bus message out to all clients.', buckets: [...FANOUT_SECONDS_BUCKETS], registers }),
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
