// The dashboard fed by the real pipeline: the simulator publishes samples to carousel.in.<stream>,
// nats-server maps them onto partitions (infra/nats/single.conf), a real worker process learns and
// publishes predictions, and a real gateway process serves the page and fans them out to Chromium.

import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { build } from 'vite';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { connect, headers } from 'nats';
import type { NatsConnection } from 'nats';
import { signToken } from '@carousel/gateway';
import { Simulator } from '@carousel/simulator';
import { NatsServer, REPO_ROOT, ServiceProcess, freePort, printOutputOnFailure, waitFor } from '@carousel/test-suites';

const OUT = path.join(REPO_ROOT, 'test-output', 'dashboard');
const DIST = path.join(OUT, 'dist-live');
const SECRET = 'dashboard-live-suite-secret-of-32-bytes-or-more';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let nats: NatsServer | undefined;
let worker: ServiceProcess | undefined;
let gateway: ServiceProcess | undefined;
let nc: NatsConnection | undefined;
let sim: Simulator | undefined;
let browser: Browser | undefined;
let origin = '';

printOutputOnFailure(() => [nats, worker, gateway]);

beforeAll(async () => {
  await mkdir(OUT, { recursive: true });
  await rm(DIST, { recursive: true, force: true });
  await build({ configFile: path.join(REPO_ROOT, 'services/dashboard/vite.config.ts'), logLevel: 'warn', build: { outDir: DIST, emptyOutDir: true } });
  nats = await NatsServer.start({ configText: readFileSync(path.join(REPO_ROOT, 'infra/nats/single.conf'), 'utf8') });
  worker = await ServiceProcess.start({ entry: 'services/worker/src/main.ts', name: 'worker', env: { NATS_URL: nats.url, CAROUSEL_METRICS_PORT: 'off' }, readyLine: 'worker_ready' });
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  gateway = await ServiceProcess.start({
    entry: 'services/gateway/src/main.ts',
    name: 'gateway',
    env: { NATS_URL: nats.url, CAROUSEL_GATEWAY_PORT: String(port), CAROUSEL_GATEWAY_HOST: '127.0.0.1', CAROUSEL_GATEWAY_SECRET: SECRET, CAROUSEL_GATEWAY_STATIC_DIR: DIST, CAROUSEL_LOG_LEVEL: 'warn' },
    readyUrl: `${origin}/readyz`,
  });
  nc = await connect({ servers: nats.url });
  const conn = nc;
  sim = new Simulator({
    publisher: {
      publish(subject, data, opts) {
        const h = headers();
        if (opts?.msgId !== undefined) h.set('Nats-Msg-Id', opts.msgId);
        conn.publish(subject, data, { headers: h });
      },
    },
    sensors: 2,
    plants: 1,
    rate: 20,
    seed: 3,
  });
  sim.start();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await sim?.close();
  await browser?.close();
  await nc?.close();
  await gateway?.close();
  await worker?.close();
  await nats?.close();
});

describe('dashboard - fed by the simulator through a real worker', () => {
  test("the worker's predictions for simulated streams appear in the list, the chart and the model stats", async () => {
    const token = await signToken({ secret: SECRET, streams: ['sensor-*', 'plant-*'], ttlSeconds: 600 });
    const context = await browser!.newContext({ colorScheme: 'dark', viewport: { width: 1280, height: 900 } });
    const page: Page = await context.newPage();
    await page.goto(`${origin}/#token=${token}`);
    await waitFor('authenticated', async () => (await page.textContent('#conn-state')) === 'authenticated' || undefined);
    await waitFor('three streams', async () => (await page.textContent('#stream-count')) === '3 streams' || undefined, { timeoutMs: 90_000 });
    await page.locator('[role="option"][data-stream="sensor-0"]').click();
    const points = async (): Promise<number> => Number(await page.getAttribute('#charts', 'data-points'));
    const first = await waitFor('points', async () => (await points()) || undefined);
    await waitFor('more points', async () => ((await points()) >= first + 20 ? true : undefined), { timeoutMs: 90_000 });
    expect(Number(await page.textContent('[data-stat="updates"]'))).toBeGreaterThan(0);
    expect(await page.textContent('[data-stat="loss"]')).toMatch(/^\d/);
    expect(await page.textContent('[data-stat="shape"]')).toMatch(/^[1-9]\d* × [1-9]\d*$/);
    expect(await page.textContent('[data-stat="mv"]')).toMatch(/^\d+$/);
    // The real worker sends its learning rate and update count with every prediction.
    expect(Number(await page.textContent('[data-stat="lr"]'))).toBeGreaterThan(0);
    await page.locator('[role="option"][data-stream="plant-0"]').click();
    await waitFor('plant selected', async () => ((await page.textContent('#stream-title')) === 'plant-0' ? true : undefined));
    await waitFor('plant points', async () => ((await points()) > 0 ? true : undefined));
    await page.locator('[role="option"][data-stream="sensor-0"]').click();
    await waitFor('points again', async () => ((await points()) > 20 ? true : undefined));
    await page.screenshot({ path: path.join(OUT, 'live-worker-dark.png'), fullPage: true });
    await context.close();
  });
});
