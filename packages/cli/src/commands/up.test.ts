// `carousel up --mode inproc`: the whole system in one process on the in-process bus (what runs
// where no nats-server is installed). It says which mode it runs in and why, the demo streams are
// learned (the worker's samples counter rises, predictions reach the gateway's WebSocket), and
// stopping drains and keeps the state in the data folder.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subscriber } from '@carousel/client';
import { afterAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { freePort, up } from './up.ts';

const dir = mkdtempSync(join(tmpdir(), 'carousel-up-inproc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function samplesAccepted(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return [...text.matchAll(/^carousel_worker_samples_total\{[^}]*\} (\S+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
}

describe('carousel up --mode inproc', () => {
  test('runs worker, gateway and demo streams on the in-process bus, serves predictions, and stops keeping its state', async () => {
    const lines: string[] = [];
    const ac = new AbortController();
    const h = await up({
      dataDir: join(dir, 'data'), port: await freePort(), natsPort: 0, partitions: 4, sensors: 2, audio: 0, plants: 0, rate: 50, simulator: true,
      mode: 'inproc', signal: ac.signal, print: (l) => lines.push(l),
    });
    try {
      expect(h.mode).toBe('inproc');
      expect(h.natsUrl).toBeNull();
      expect(lines[0]).toBe(`--mode inproc: running in one process on the in-process bus, state in ${join(dir, 'data', 'inproc')}`);
      const metricsUrl = /worker metrics: (\S+)/.exec(lines.join('\n'))![1]!;
      // A dashboard client, with the printed token, gets predictions of the demo streams.
      const sub = new Subscriber({ url: h.url.replace(/^http/, 'ws').replace(/\/#token=.*$/, '/ws'), token: h.token, WebSocket: WebSocket as never });
      const got = new Promise<string>((resolve) => sub.on('prediction', (p) => resolve(p.stream)));
      await sub.connect();
      await sub.subscribe(['sensor-*']);
      expect(await Promise.race([got, new Promise((_, j) => setTimeout(() => j(new Error('no prediction within 30 s')), 30_000))])).toMatch(/^sensor-[01]$/);
      await sub.close();
      expect(await samplesAccepted(metricsUrl)).toBeGreaterThan(0);
    } finally {
      ac.abort();
      await h.stopped;
    }
    expect(lines.at(-1)).toBe(`stopped; state kept in ${join(dir, 'data')}`);
    expect(readdirSync(join(dir, 'data', 'inproc')).length).toBeGreaterThan(0);
  });
});
