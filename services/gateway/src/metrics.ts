// The gateway's Prometheus metrics, one registry per Gateway instance (several gateways can live in
// one test process). Conventions of @carousel/metrics: `carousel_` prefix, base units, histograms,
// no per-stream labels. Defined here until @carousel/metrics exports gateway definitions.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Connected WebSocket clients (any state). */
  readonly clients: Gauge;
  /** Connections accepted, by result: `accepted`, `rejected_limit`, `rejected_draining`. */
  readonly connections: Counter<'result'>;
  /** Connections closed, by close code. */
  readonly closes: Counter<'code'>;
  /** Failed authentications, by error code. */
  readonly authFailures: Counter<'code'>;
  /** Messages taken from the bus, by kind (`prediction`, `alert`). */
  readonly busMessages: Counter<'kind'>;
  /** Bus messages that failed to decode, by kind. */
  readonly decodeErrors: Counter<'kind'>;
  /** Frames handed to client sockets or queues, by kind. */
  readonly framesSent: Counter<'kind'>;
  /** Frames dropped for a client, by reason: `coalesced` (slow client), `duplicate` (seq already sent). */
  readonly framesDropped: Counter<'reason'>;
  /** Clients closed as slow consumers (4008). */
  readonly slowConsumers: Counter;
  /** Bytes waiting in send queues plus socket buffers, over all clients. */
  readonly queuedBytes: Gauge;
  /** Replays started and the messages they sent. */
  readonly replays: Counter;
  readonly replayMessages: Counter;
  /** Client frames refused, by error code. */
  readonly clientErrors: Counter<'code'>;
  /** Time to fan one bus message out to every client, seconds. */
  readonly fanoutSeconds: Histogram;
}

/** Creates the metrics in a new registry; `queued()` is read at scrape time. */
export function createGatewayMetrics(queued: () => number, withDefaults = true): GatewayMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'gateway' });
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'carousel_gateway_' });
  const registers = [registry];
  return {
    registry,
    clients: new Gauge({ name: 'carousel_gateway_clients', help: 'Connected WebSocket clients', registers }),
    connections: new Counter({ name: 'carousel_gateway_connections_total', help: 'WebSocket connections by result', labelNames: ['result'], registers }),
    closes: new Counter({ name: 'carousel_gateway_closes_total', help: 'WebSocket connections closed, by close code', labelNames: ['code'], registers }),
    authFailures: new Counter({ name: 'carousel_gateway_auth_failures_total', help: 'Failed authentications by error code', labelNames: ['code'], registers }),
    busMessages: new Counter({ name: 'carousel_gateway_bus_messages_total', help: 'Messages received from the bus by kind', labelNames: ['kind'], registers }),
    decodeErrors: new Counter({ name: 'carousel_gateway_decode_errors_total', help: 'Bus messages that failed to decode by kind', labelNames: ['kind'], registers }),
    framesSent: new Counter({ name: 'carousel_gateway_frames_sent_total', help: 'Frames handed to client sockets or send queues by kind', labelNames: ['kind'], registers }),
    framesDropped: new Counter({ name: 'carousel_gateway_frames_dropped_total', help: 'Frames dropped per client by reason', labelNames: ['reason'], registers }),
    slowConsumers: new Counter({ name: 'carousel_gateway_slow_consumers_total', help: 'Clients closed as slow consumers (4008)', registers }),
    queuedBytes: new Gauge({
      name: 'carousel_gateway_queued_bytes', help: 'Bytes in send queues and socket buffers over all clients', registers,
      collect() {
        this.set(queued());
      },
    }),
    replays: new Counter({ name: 'carousel_gateway_replays_total', help: 'Stream replays started for resuming clients', registers }),
    replayMessages: new Counter({ name: 'carousel_gateway_replay_messages_total', help: 'Messages sent by replays', registers }),
    clientErrors: new Counter({ name: 'carousel_gateway_client_errors_total', help: 'Client frames refused by error code', labelNames: ['code'], registers }),
    fanoutSeconds: new Histogram({
      name: 'carousel_gateway_fanout_seconds', help: 'Time to fan one bus message out to all clients', registers,
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
    }),
  };
}
