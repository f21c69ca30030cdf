// infra/grafana: the Carousel dashboard queries only metrics @carousel/metrics defines, uses the
// provisioned data source, and shows what an operator needs (throughput, latency, rejects, actors,
// checkpoints, lag, gateway); the provisioning files are well formed.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '@carousel/test-suites';
import { checkExpression, definedMetrics, metricReferences, type MetricDef } from './metric-names.ts';

const GRAFANA = path.join(REPO_ROOT, 'infra/grafana');

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
  gridPos?: { x: number; y: number; w: number; h: number };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list: { name: string; datasource?: { uid?: string }; query?: unknown }[] };
}

function dashboards(): [string, Dashboard][] {
  const dir = path.join(GRAFANA, 'dashboards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Dashboard]);
}

function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

function exprs(d: Dashboard): { panel: string; expr: string }[] {
  return allPanels(d).flatMap((p) => (p.targets ?? []).flatMap((t) => (t.expr === undefined ? [] : [{ panel: p.title, expr: t.expr }])));
}

function provisionedDatasourceUids(): Set<string> {
  const dir = path.join(GRAFANA, 'provisioning/datasources');
  const uids = new Set<string>();
  for (const f of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const doc = parse(readFileSync(path.join(dir, f), 'utf8')) as { datasources: { uid: string }[] };
    for (const ds of doc.datasources) uids.add(ds.uid);
  }
  return uids;
}

describe('the Carousel dashboard', () => {
  let defined: Map<string, MetricDef>;
  beforeAll(async () => {
    defined = await definedMetrics();
  });

  test('exists and is the only dashboard under infra/grafana/dashboards', () => {
    expect(dashboards().map(([f]) => f)).toEqual(['carousel.json']);
  });

  test('queries only metric names and labels that @carousel/metrics defines', () => {
    for (const [file, d] of dashboards()) {
      const found = exprs(d);
      expect(found.length, file).toBeGreaterThan(20);
      const problems = found.flatMap(({ panel, expr }) => checkExpression(expr, defined).map((p) => `${panel}: ${p.name} ${p.problem}`));
      expect(problems, file).toEqual([]);
    }
  });

  test('shows throughput, latency quantiles and heatmaps, rejects by code, actors, checkpoints, lag and the gateway', () => {
    const [, d] = dashboards()[0]!;
    const all = exprs(d).map((e) => e.expr);
    const names = new Set(all.flatMap((e) => metricReferences(e).map((r) => r.name)));
    for (const name of [
      'carousel_worker_samples_total',
      'carousel_worker_predictions_published_total',
      'carousel_simulator_samples_published_total',
      'carousel_worker_step_seconds_bucket',
      'carousel_worker_end_to_end_seconds_bucket',
      'carousel_worker_rejects_total',
      'carousel_worker_active_actors',
      'carousel_worker_checkpoint_seconds_bucket',
      'carousel_worker_checkpoint_bytes_bucket',
      'carousel_worker_consumer_lag_messages',
      'carousel_gateway_clients',
      'carousel_gateway_messages_dropped_total',
      'carousel_gateway_closes_total',
    ]) {
      expect(names, name).toContain(name);
    }
    expect(all.some((e) => /histogram_quantile\(0\.99, sum by \(le\) \(rate\(carousel_worker_end_to_end_seconds_bucket/.test(e))).toBe(true);
    expect(all.some((e) => /sum by \(code\) \(rate\(carousel_worker_rejects_total/.test(e))).toBe(true);
    const heatmaps = allPanels(d).filter((p) => p.type === 'heatmap');
    expect(heatmaps.map((p) => p.targets?.[0]?.expr)).toEqual([expect.stringContaining('carousel_worker_step_seconds_bucket'), expect.stringContaining('carousel_worker_end_to_end_seconds_bucket')]);
  });

  test('uses the provisioned data source everywhere and unique panel ids', () => {
    const uids = provisionedDatasourceUids();
    for (const [file, d] of dashboards()) {
      const panels = allPanels(d);
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const p of panels.filter((p) => p.type !== 'row')) {
        expect(uids, `${p.title} data source`).toContain(p.datasource?.uid);
        for (const t of p.targets ?? []) expect(uids, `${p.title} ${t.refId}`).toContain(t.datasource?.uid);
        expect(p.gridPos, p.title).toBeDefined();
        expect(p.gridPos!.x + p.gridPos!.w, p.title).toBeLessThanOrEqual(24);
      }
      for (const v of d.templating?.list ?? []) expect(uids, `variable ${v.name}`).toContain(v.datasource?.uid);
    }
  });
});

describe('grafana provisioning', () => {
  test('declares the Prometheus data source of the compose deployment', () => {
    const doc = parse(readFileSync(path.join(GRAFANA, 'provisioning/datasources/prometheus.yml'), 'utf8')) as { apiVersion: number; datasources: { type: string; url: string; uid: string }[] };
    expect(doc.apiVersion).toBe(1);
    expect(doc.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090', uid: 'carousel-prometheus' })]);
  });

  test('loads dashboards from one folder of files', () => {
    const doc = parse(readFileSync(path.join(GRAFANA, 'provisioning/dashboards/carousel.yml'), 'utf8')) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
    expect(doc.apiVersion).toBe(1);
    expect(doc.providers).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: '/var/lib/grafana/dashboards' }) })]);
  });
});
