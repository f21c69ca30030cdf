// infra/prometheus against running processes: a real Prometheus, configured from the checked-in
// prometheus.yml (same jobs and rule files; targets rewritten to this run's ports, 1 s intervals),
// scrapes the @carousel/metrics registries of worker, gateway and simulator (a fixture process)
// and the real worker and gateway connected to a real nats-server; then the HTTP API must show
// every target up, every shared Carousel metric present, and the alert rules evaluating cleanly.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { NatsServer, REPO_ROOT, ServiceProcess, freePorts, printOutputOnFailure, waitFor } from '@carousel/test-suites';
import { definedMetrics } from './metric-names.ts';
import { PrometheusProcess, type Sample } from './prometheus-process.ts';

const INFRA = path.join(REPO_ROOT, 'infra/prometheus');

interface PromConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}

interface Target {
  labels: { job: string; instance: string };
  health: string;
  lastError: string;
}

/**
 * The checked-in config with `targets` per Carousel job, Prometheus's own address (`self`) for the
 * prometheus job, 1 s scrape and evaluation, and absolute rule file paths.
 */
async function configFor(targets: Record<string, string[]>): Promise<{ config: (self: string) => string; jobs: string[] }> {
  const checkedIn = parse(await readFile(path.join(INFRA, 'prometheus.yml'), 'utf8')) as PromConfig;
  const config = (self: string): PromConfig => ({
    ...checkedIn,
    global: { ...checkedIn.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: (checkedIn.rule_files ?? []).map((f) => path.join(INFRA, f)),
    scrape_configs: checkedIn.scrape_configs.map((job) => {
      const t = job.job_name === 'prometheus' ? [self] : targets[job.job_name];
      if (t === undefined) throw new Error(`no targets given for job ${job.job_name}`);
      return { ...job, static_configs: [{ targets: t }] };
    }),
  });
  return { config: (self) => stringify(config(self)), jobs: checkedIn.scrape_configs.map((j) => j.job_name) };
}

/** Node process metrics that infra/grafana/dashboards/carousel.json queries. */
const PROCESS_METRICS = ['carousel_process_cpu_seconds_total', 'carousel_process_resident_memory_bytes', 'carousel_nodejs_eventloop_lag_p99_seconds'];

const values = (samples: Sample[]): string[] => samples.map((s) => s.value[1]);
const instances = (samples: Sample[]): string[] => samples.map((s) => s.metric['instance']!).sort();

describe('Prometheus with infra/prometheus config, against running services', () => {
  let nats: NatsServer | undefined;
  let fixture: ServiceProcess | undefined;
  let worker: ServiceProcess | undefined;
  let gateway: ServiceProcess | undefined;
  let prom: PrometheusProcess | undefined;
  const at = (port: number): string => `127.0.0.1:${port}`;
  let fx: { worker: string; gateway: string; simulator: string };
  let real: { worker: string; gateway: string };
  let expectedTargets: string[];

  beforeAll(async () => {
    const [fw, fg, fs, rw, rg] = await freePorts(5);
    fx = { worker: at(fw!), gateway: at(fg!), simulator: at(fs!) };
    real = { worker: at(rw!), gateway: at(rg!) };
    nats = await NatsServer.start({ serverName: 'deploy-e2e', configText: await readFile(path.join(REPO_ROOT, 'infra/nats/single.conf'), 'utf8') });
    fixture = await ServiceProcess.start({
      entry: 'test/deploy/fixtures/metrics-services.ts',
      name: 'metrics-fixture',
      env: { WORKER_METRICS_PORT: String(fw), GATEWAY_METRICS_PORT: String(fg), SIMULATOR_METRICS_PORT: String(fs) },
      readyLine: 'metrics fixture ready',
    });
    worker = await ServiceProcess.start({
      entry: 'services/worker/src/main.ts',
      env: { NATS_URL: nats.url, CAROUSEL_METRICS_PORT: String(rw), CAROUSEL_WORKER_ID: 'deploy-e2e-worker', CAROUSEL_PARTITIONS: '16' },
      readyUrl: `http://${real.worker}/readyz`,
    });
    gateway = await ServiceProcess.start({
      entry: 'services/gateway/src/main.ts',
      env: { NATS_URL: nats.url, CAROUSEL_GATEWAY_PORT: String(rg), CAROUSEL_GATEWAY_HOST: '127.0.0.1', CAROUSEL_GATEWAY_AUTH: 'none', CAROUSEL_GATEWAY_STATIC_DIR: '' },
      readyUrl: `http://${real.gateway}/readyz`,
    });
    const targets = { worker: [fx.worker, real.worker], gateway: [fx.gateway, real.gateway], simulator: [fx.simulator] };
    const { config, jobs } = await configFor(targets);
    expect(jobs).toEqual(['worker', 'gateway', 'simulator', 'prometheus']);
    prom = await PrometheusProcess.start((self) => config(at(self)));
    expectedTargets = [fx.worker, real.worker, fx.gateway, real.gateway, fx.simulator, at(prom.port)].sort();
  });

  afterAll(async () => {
    await prom?.close();
    await Promise.all([gateway?.close(), worker?.close(), fixture?.close()]);
    await nats?.close();
  });

  printOutputOnFailure(() => [prom, fixture, worker, gateway, nats]);

  test('scrapes every worker, gateway and simulator target (and itself) successfully', async () => {
    const activeTargets = async (): Promise<Target[]> => (await prom!.api<{ activeTargets: Target[] }>('targets?state=active')).activeTargets;
    await waitFor('every target to be scraped up', async () => {
      const ts = await activeTargets();
      return ts.length === expectedTargets.length && ts.every((t) => t.health === 'up');
    }, { timeoutMs: 30_000 });
    const ts = await activeTargets();
    expect(ts.map((t) => t.labels.instance).sort()).toEqual(expectedTargets);
    expect(ts.map((t) => [t.labels.instance, t.health, t.lastError])).toEqual(ts.map((t) => [t.labels.instance, 'up', '']));
  });

  test('answers up = 1 for each of them', async () => {
    const up = await waitFor('up for every target', async () => {
      const r = await prom!.query('up');
      return r.length === expectedTargets.length ? r : undefined;
    });
    expect(instances(up)).toEqual(expectedTargets);
    expect(values(up)).toEqual(expectedTargets.map(() => '1'));
    const jobs = new Map(up.map((s) => [s.metric['instance'], s.metric['job']]));
    expect([fx.worker, real.worker, fx.gateway, real.gateway, fx.simulator, at(prom!.port)].map((i) => jobs.get(i))).toEqual(['worker', 'worker', 'gateway', 'gateway', 'simulator', 'prometheus']);
  });

  test('holds every metric @carousel/metrics defines, scraped from the job of its service', async () => {
    const defined = await definedMetrics();
    // Every service metric, and the process metrics the dashboard uses (others, such as
    // carousel_nodejs_active_requests, only have series while the process has such things).
    const expected = [...defined]
      .filter(([name]) => /^carousel_(worker|gateway|simulator)_/.test(name) || PROCESS_METRICS.includes(name))
      .map(([name, def]) => (def.type === 'histogram' ? `${name}_bucket` : name))
      .sort();
    expect(expected.length).toBeGreaterThan(20);
    const present = await waitFor('the fixture metrics to be ingested', async () => {
      const r = await prom!.query('count by (__name__, job) ({__name__=~"carousel_.+", instance=~"' + Object.values(fx).join('|') + '"})');
      const names = new Set(r.map((s) => s.metric['__name__']!));
      return expected.every((n) => names.has(n)) ? r : undefined;
    }).catch(async (err: Error) => {
      const r = await prom!.query('count by (__name__) ({__name__=~"carousel_.+"})');
      const names = new Set(r.map((s) => s.metric['__name__']));
      throw new Error(`${err.message}; missing: ${expected.filter((n) => !names.has(n)).join(', ')}`);
    });
    for (const s of present) {
      const name = s.metric['__name__']!;
      const job = s.metric['job']!;
      if (name.startsWith('carousel_worker_') || name.startsWith('carousel_gateway_') || name.startsWith('carousel_simulator_')) {
        expect(name, `${name} scraped by job ${job}`).toMatch(new RegExp(`^carousel_${job}_`));
      }
    }
  });

  test('scrapes the real worker and gateway, connected to nats-server', async () => {
    // The consumer lag gauge: one series per partition the worker consumes, read from JetStream.
    const fromWorker = await waitFor('the consumer lag of all 16 partitions from the real worker', async () => {
      const r = await prom!.query(`carousel_worker_consumer_lag_messages{instance="${real.worker}"}`);
      return r.length === 16 ? r : undefined;
    });
    expect(fromWorker.every((s) => s.metric['job'] === 'worker')).toBe(true);
    expect(fromWorker.map((s) => Number(s.metric['partition'])).sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    expect(fromWorker.map((s) => s.value[1])).toEqual(fromWorker.map(() => '0'));
    const clients = await waitFor('carousel_gateway_clients from the real gateway', async () => {
      const r = await prom!.query(`carousel_gateway_clients{instance="${real.gateway}"}`);
      return r.length > 0 ? r : undefined;
    });
    expect(clients.map((s) => [s.metric['job'], s.value[1]])).toEqual([['gateway', '0']]);
  });

  test('loads the alert rules and evaluates every one without error, none firing', async () => {
    interface Rule {
      name: string;
      health: string;
      lastError?: string;
      state?: string;
      lastEvaluation: string;
    }
    const rules = async (): Promise<Rule[]> => (await prom!.api<{ groups: { rules: Rule[] }[] }>('rules')).groups.flatMap((g) => g.rules);
    await waitFor('every rule to be evaluated', async () => {
      const r = await rules();
      return r.length > 0 && r.every((x) => !x.lastEvaluation.startsWith('0001-'));
    });
    const r = await rules();
    expect(r.length).toBeGreaterThanOrEqual(10);
    expect(r.map((x) => [x.name, x.health, x.lastError ?? ''])).toEqual(r.map((x) => [x.name, 'ok', '']));
    expect(r.filter((x) => x.state === 'firing').map((x) => x.name)).toEqual([]);
  });

  test('marks a stopped worker down and puts CarouselWorkerDown in pending', async () => {
    await worker!.close();
    const down = await waitFor('up = 0 for the stopped worker', async () => {
      const r = await prom!.query(`up{instance="${real.worker}"} == 0`);
      return r.length === 1 ? r : undefined;
    });
    expect(down[0]!.metric['job']).toBe('worker');
    const alert = await waitFor('CarouselWorkerDown pending for the stopped worker', async () => {
      const { alerts } = await prom!.api<{ alerts: { labels: Record<string, string>; state: string }[] }>('alerts');
      return alerts.find((a) => a.labels['alertname'] === 'CarouselWorkerDown' && a.labels['instance'] === real.worker);
    });
    expect(alert.state).toBe('pending');
    expect(alert.labels['severity']).toBe('critical');
  });
});
