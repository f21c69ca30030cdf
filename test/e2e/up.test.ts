// The newcomer's path, as the README gives it: `npm start` (carousel up) from the repository, on
// a machine with nats-server installed. It must start NATS, a worker, the gateway with the
// dashboard and the demo streams, print the dashboard URL with a token, show live streams to a
// real browser, stop cleanly on Ctrl-C, and continue where it stopped on the next start. The demo
// sensors get the demo's alert threshold once.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NatsTransport } from '@carousel/bus';
import { PROTOCOL_VERSION, createSubjects, decodeControlReply, encodeControlRequest, parseOptions } from '@carousel/protocol';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { REPO_ROOT, freePort, waitFor } from '../harness/index.ts';

const OUT = path.join(REPO_ROOT, 'test-output', 'up');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Up {
  child: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

const running: Up[] = [];
const dataDirs: string[] = [];
let browser: Browser | undefined;

/** Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group. */
function ctrlC(u: Up): void {
  process.kill(-u.child.pid!, 'SIGINT');
}

function start(dataDir: string, port: number, natsPort: number): Up {
  // The README's run line is `bash scripts/setup.sh && npm start`; setup has run already here.
  const child = spawn('npm', ['start', '--', '--data-dir', dataDir, '--port', String(port), '--nats-port', String(natsPort), '--rate', '20'], {
    cwd: REPO_ROOT,
    env: { ...process.env, NATS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so Ctrl-C can be sent to the group as a terminal does
  });
  const out: string[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(...d.toString().split('\n')));
  child.stderr!.on('data', (d: Buffer) => out.push(...d.toString().split('\n')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const up = { child, out, exited };
  running.push(up);
  return up;
}

async function inspect(natsUrl: string, stream: string): Promise<{ samples: number; seq: number; mv: number; threshold: unknown }> {
  const t = await NatsTransport.connect({ servers: [natsUrl], name: 'up-test' });
  try {
    const subjects = createSubjects(parseOptions({}));
    const m = await t.request(subjects.ctl(stream), encodeControlRequest({ v: PROTOCOL_VERSION, op: 'inspect', stream }), { timeout: 2000 });
    const d = decodeControlReply(m.data);
    if (!d.ok || !d.value.ok || d.value.op !== 'inspect') throw new Error(`inspect failed: ${JSON.stringify(d)}`);
    const cfg = d.value.info.cfg as { anomaly?: { threshold?: unknown } };
    return { samples: d.value.info.n, seq: d.value.info.seq ?? -1, mv: d.value.info.mv, threshold: cfg.anomaly?.threshold };
  } finally {
    await t.close();
  }
}

afterAll(async () => {
  await browser?.close();
  for (const u of running) {
    try {
      process.kill(-u.child.pid!, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  // The nats-server runs in its own process group (so Ctrl-C reaches only carousel): stop it too.
  for (const d of dataDirs) {
    try {
      process.kill(Number(readFileSync(path.join(d, 'nats-server.pid'), 'utf8')), 'SIGKILL');
    } catch {
      // stopped by carousel already
    }
  }
});

describe('carousel up, the README way', () => {
  test('starts everything, shows live streams in Chromium, stops on Ctrl-C and continues on the next start', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'carousel-up-'));
    dataDirs.push(dataDir);
    const [port, natsPort] = [await freePort(), await freePort()];
    const first = start(dataDir, port, natsPort);
    const dash = await waitFor('the dashboard URL', () => first.out.find((l) => l.includes('Dashboard: http')), {
      timeoutMs: 120_000,
      abort: first.exited.then((c) => `carousel up exited with ${c}:\n${first.out.join('\n')}`),
    });
    console.log('up: dashboard URL printed');
    expect(first.out.join('\n')).toContain('started nats-server');
    const url = dash.slice(dash.indexOf('http'));
    expect(url).toMatch(/^http:\/\/localhost:\d+\/#token=ey/);

    await mkdir(OUT, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    await page.goto(url);
    const bodyText = (): Promise<string> => page.evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText);
    await waitFor('the dashboard to list sensor-0 and plant-0', async () => {
      const text = await bodyText().catch(() => '');
      return text.includes('sensor-0') && text.includes('plant-0');
    }, { timeoutMs: 120_000, abort: first.exited.then(async (c) => `carousel up exited with ${c}; page: ${(await bodyText().catch(() => '')).slice(0, 400)}`) }).catch(async (e: Error) => {
      throw new Error(`${e.message}\npage text: ${(await bodyText().catch(() => '?')).slice(0, 600)}\ncarousel output:\n${first.out.join('\n')}`);
    });
    await page.screenshot({ path: path.join(OUT, 'up-dashboard.png'), fullPage: true });
    console.log('up: the browser shows the streams');

    const natsUrl = `nats://127.0.0.1:${natsPort}`;
    const before = await waitFor('sensor-0 learning', async () => {
      const s = await inspect(natsUrl, 'sensor-0').catch(() => undefined);
      return s && s.samples > 20 ? s : undefined;
    }, { timeoutMs: 60_000 });

    console.log('up: sensor-0 has learned', before.samples, 'samples');
    // The demo sensors alert at DEMO_ALERT_THRESHOLD (set once, over the control API: model version 1).
    expect([before.threshold, before.mv]).toEqual([0.999, 1]);
    ctrlC(first);
    // npm itself dies of the SIGINT at once; carousel drains and says so (as on a terminal).
    await waitFor('the first run to stop cleanly', () => first.out.some((l) => l.startsWith('stopped; state kept in')), { timeoutMs: 60_000 });

    console.log('up: first run stopped');
    const second = start(dataDir, port, natsPort);
    await waitFor('the second start', () => second.out.find((l) => l.includes('Dashboard: http')), {
      timeoutMs: 120_000,
      abort: second.exited.then((c) => `second carousel up exited with ${c}:\n${second.out.join('\n')}`),
    });
    // The stream's model continues from its checkpoint: more samples than before, none lost.
    const after = await waitFor('sensor-0 continuing', async () => {
      const s = await inspect(natsUrl, 'sensor-0').catch(() => undefined);
      return s && s.samples > before.samples ? s : undefined;
    }, { timeoutMs: 60_000 });
    expect(after.samples).toBeGreaterThan(before.samples);
    // The threshold was kept in the checkpoint, not set again (the model version did not move).
    expect([after.threshold, after.mv]).toEqual([0.999, 1]);
    ctrlC(second);
    await waitFor('the second run to stop cleanly', () => second.out.some((l) => l.startsWith('stopped; state kept in')), { timeoutMs: 60_000 });
  }, 300_000);
});
