import type { Counter, Gauge, Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { gatewayMetrics, simulatorMetrics, workerMetrics } from './definitions.ts';
import { CLOSE_CODES, OTHER, closeCodeLabel, codeLabel, partitionLabel } from './labels.ts';
import { createRegistry } from './registry.ts';

/** `# TYPE name type` lines of a Prometheus text exposition. */
function types(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** Label names used on the sample lines of a Prometheus text exposition. */
function labelNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.includes('{')) continue;
    const body = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) out.add(m[1]);
  }
  return out;
}

const WORKER_TYPES: [string, string][] = [
  ['carousel_worker_samples_total', 'counter'],
  ['carousel_worker_rejects_total', 'counter'],
  ['carousel_worker_step_seconds', 'histogram'],
  ['carousel_worker_group_batch_steps', 'histogram'],
  ['carousel_worker_end_to_end_seconds', 'histogram'],
  ['carousel_worker_active_actors', 'gauge'],
  ['carousel_worker_passivated_actors_total', 'counter'],
  ['carousel_worker_checkpoint_seconds', 'histogram'],
  ['carousel_worker_checkpoint_bytes', 'histogram'],
  ['carousel_worker_checkpoint_failures_total', 'counter'],
  ['carousel_worker_checkpoint_deferrals_total', 'counter'],
  ['carousel_worker_lease_changes_total', 'counter'],
  ['carousel_worker_consumer_lag_messages', 'gauge'],
  ['carousel_worker_model_refused_updates_total', 'counter'],
  ['carousel_worker_model_diverged_total', 'counter'],
  ['carousel_worker_model_rollbacks_total', 'counter'],
  ['carousel_worker_predictions_published_total', 'counter'],
  ['carousel_worker_alerts_total', 'counter'],
  ['carousel_worker_mailbox_overflow_total', 'counter'],
  ['carousel_worker_redeliveries_skipped_total', 'counter'],
  ['carousel_worker_checkpoints_total', 'counter'],
  ['carousel_worker_infer_seconds', 'histogram'],
  ['carousel_worker_control_requests_total', 'counter'],
  ['carousel_worker_partitions_owned', 'gauge'],
  ['carousel_worker_mailbox_queued', 'gauge'],
  ['carousel_worker_actor_events_total', 'counter'],
];
const GATEWAY_TYPES: [string, string][] = [
  ['carousel_gateway_clients', 'gauge'],
  ['carousel_gateway_messages_sent_total', 'counter'],
  ['carousel_gateway_messages_dropped_total', 'counter'],
  ['carousel_gateway_closes_total', 'counter'],
  ['carousel_gateway_auth_failures_total', 'counter'],
  ['carousel_gateway_send_queue_bytes', 'histogram'],
  ['carousel_gateway_connections_total', 'counter'],
  ['carousel_gateway_bus_messages_total', 'counter'],
  ['carousel_gateway_decode_errors_total', 'counter'],
  ['carousel_gateway_slow_consumers_total', 'counter'],
  ['carousel_gateway_queued_bytes', 'gauge'],
  ['carousel_gateway_replays_total', 'counter'],
  ['carousel_gateway_replay_messages_total', 'counter'],
  ['carousel_gateway_client_errors_total', 'counter'],
  ['carousel_gateway_fanout_seconds', 'histogram'],
];

/** One label value per label name the definitions use. */
const SAMPLE_LABELS: Record<string, string> = { partition: partitionLabel(3), code: 'PROTO_ERR_NON_FINITE', store: 'kv', op: 'list', type: 'restart' };

/** Records one observation on every metric of `defs`, with a value for each of its labels. */
function touchAll(defs: object): void {
  for (const metric of Object.values(defs) as (Counter | Gauge | Histogram)[]) {
    // prom-client keeps the declared label names on the metric; its typings do not show them.
    const names = (metric as unknown as { labelNames: string[] }).labelNames;
    const labels = Object.fromEntries(names.map((n) => [n, SAMPLE_LABELS[n] ?? 'x']));
    if ('observe' in metric) metric.observe(labels, 0.001);
    else if ('set' in metric) metric.set(labels, 2);
    else metric.inc(labels);
  }
}

async function workerExposition(): Promise<string> {
  const registry = createRegistry({ service: 'worker' });
  touchAll(workerMetrics(registry));
  return registry.metrics();
}

describe('worker metrics', () => {
  it('expose every shared name with its type', async () => {
    const t = types(await workerExposition());
    for (const [name, type] of WORKER_TYPES) expect([name, t.get(name)]).toEqual([name, type]);
  });

  it('label by partition and code, never by stream, and use no summaries', async () => {
    const text = await workerExposition();
    const labels = labelNames(text);
    expect(labels.has('partition')).toBe(true);
    expect(labels.has('stream')).toBe(false);
    expect([...labels].filter((l) => !['partition', 'code', 'store', 'op', 'service', 'le', 'space', 'type', 'version', 'major', 'minor', 'patch', 'kind'].includes(l))).toEqual([]);
    expect([...types(text).values()]).not.toContain('summary');
  });

  it('name every metric with the carousel_ prefix, including the Node process metrics, and a service label', async () => {
    const text = await workerExposition();
    const names = [...types(text).keys()];
    expect(names).toContain('carousel_process_cpu_seconds_total');
    expect(names.every((n) => n.startsWith('carousel_'))).toBe(true);
    expect(text).toContain('carousel_worker_samples_total{partition="3",service="worker"} 1');
  });
});

describe('gateway and simulator metrics', () => {
  it('expose their names with their types and no stream label', async () => {
    const registry = createRegistry({ service: 'gateway', processMetrics: false });
    const g = gatewayMetrics(registry, { queuedBytes: () => 1234 });
    touchAll(g);
    g.closes.inc({ code: closeCodeLabel(1008) });
    g.messagesDropped.inc({ reason: 'coalesced' });
    const sim = createRegistry({ service: 'simulator', processMetrics: false });
    simulatorMetrics(sim).samples.inc({ kind: 'sensor' }, 5);
    const text = (await registry.metrics()) + (await sim.metrics());
    const t = types(text);
    for (const [name, type] of [...GATEWAY_TYPES, ['carousel_simulator_samples_published_total', 'counter']]) expect([name, t.get(name)]).toEqual([name, type]);
    expect(labelNames(text).has('stream')).toBe(false);
    expect(text).toContain('carousel_gateway_closes_total{code="1008",service="gateway"} 1');
    expect(text).toContain('carousel_gateway_messages_dropped_total{reason="coalesced",service="gateway"} 1');
    expect(text).toContain('carousel_gateway_queued_bytes{service="gateway"} 1234');
  });

  it('refuse to register the same definitions twice on one registry', () => {
    const registry = createRegistry({ service: 'worker', processMetrics: false });
    workerMetrics(registry);
    expect(() => workerMetrics(registry)).toThrow();
  });
});

describe('bounded label values', () => {
  it('partitions are small integers, codes outside the vocabulary become other', () => {
    expect(partitionLabel(0)).toBe('0');
    expect(() => partitionLabel(-1)).toThrow(RangeError);
    expect(() => partitionLabel(1.5)).toThrow(RangeError);
    expect(codeLabel('A', new Set(['A']))).toBe('A');
    expect(codeLabel('stream-42', new Set(['A']))).toBe(OTHER);
    expect(closeCodeLabel(1000)).toBe('1000');
    expect(closeCodeLabel(4999)).toBe(OTHER);
    expect(CLOSE_CODES.size).toBeLessThan(20);
  });

  it('createRegistry refuses an unknown service', () => {
    expect(() => createRegistry({ service: 'stream-42' as never })).toThrow(TypeError);
  });
});
