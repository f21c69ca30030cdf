import { describe, expect, it } from 'vitest';
import { workerMetrics } from './definitions.ts';
import { createRegistry } from './registry.ts';
import { startMetricsServer } from './server.ts';
import type { HealthState } from './server.ts';

describe('metrics server', () => {
  it('answers /metrics, /healthz and /readyz on a free port, then closes', async () => {
    const registry = createRegistry({ service: 'worker', processMetrics: false });
    workerMetrics(registry).samples.inc({ partition: '1' }, 7);
    let ready = false;
    const health: HealthState = { status: 'ok', partitions: 2 };
    const server = await startMetricsServer({ port: 0, registry, health: () => health, ready: () => ready });
    const base = `http://${server.host}:${server.port}`;
    try {
      expect(server.port).toBeGreaterThan(0);

      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toBe(registry.contentType);
      expect(await metrics.text()).toContain('carousel_worker_samples_total{partition="1",service="worker"} 7');

      const healthz = await fetch(`${base}/healthz`);
      expect(healthz.status).toBe(200);
      expect(await healthz.json()).toEqual(health);

      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ ready: false });
      ready = true;
      const isReady = await fetch(`${base}/readyz`);
      expect(isReady.status).toBe(200);
      await isReady.body?.cancel();

      const missing = await fetch(`${base}/nope`);
      expect(missing.status).toBe(404);
      await missing.body?.cancel();
    } finally {
      await server.close();
    }
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('answers 500 when the health callback throws, and keeps serving', async () => {
    const registry = createRegistry({ service: 'gateway', processMetrics: false });
    const server = await startMetricsServer({
      port: 0,
      registry,
      health: () => {
        throw new Error('boom');
      },
      ready: () => true,
    });
    try {
      const r = await fetch(`http://${server.host}:${server.port}/healthz`);
      expect(r.status).toBe(500);
      expect(await r.json()).toEqual({ error: 'boom' });
      expect((await fetch(`http://${server.host}:${server.port}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('rejects when the port is taken', async () => {
    const registry = createRegistry({ service: 'worker', processMetrics: false });
    const a = await startMetricsServer({ port: 0, registry, health: () => ({ status: 'ok' }), ready: () => true });
    try {
      await expect(startMetricsServer({ port: a.port, registry, health: () => ({ status: 'ok' }), ready: () => true })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await a.close();
    }
  });
});
