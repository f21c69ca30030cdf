// Predictions from a real worker process: a sine-plus-noise stream is learned (the forecast error
// in the published Predictions falls well below the last-value forecast's) and an injected spike
// raises an Alert on carousel.alert.<stream>.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Transport } from '@carousel/bus';
import { createRng } from '@carousel/lstm';
import { decodeAlert, decodePrediction, encodeSample, type Alert } from '@carousel/protocol';
import { printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { connect, startNats, startWorker, until, type WorkerProc } from './helpers.ts';

const N = 3200;
const SPIKE = 3100;
const STREAM = 'sine';

/** sin with period 40 plus N(0, 0.05²) noise and a +4 spike (as the processor's unit test). */
function sineNoise(n: number, seed: number, spikeAt: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, t) => Math.sin((2 * Math.PI * t) / 40) + 0.05 * rng.normal() + (t === spikeAt ? 4 : 0));
}

let nats: NatsServer;
let client: Transport;
let worker: WorkerProc;
const forecasts = new Map<number, number>();
const alerts: Alert[] = [];
printOutputOnFailure(() => [nats, worker?.proc].filter((x) => x !== undefined));

beforeAll(async () => {
  nats = await startNats();
  client = await connect(nats.url);
  // The default stream model (the processor's unit tests pin its learning on this signal).
  worker = await startWorker(nats.url, 'wpred', { CAROUSEL_STREAM_CONFIG: '{}' });
  client.subscribe(`carousel.out.${STREAM}`, { callback: (m) => {
    const d = decodePrediction(m.data);
    if (d.ok) forecasts.set(d.value.seq, (d.value.f as Float64Array)[0]!);
  } });
  client.subscribe(`carousel.alert.${STREAM}`, { callback: (m) => {
    const d = decodeAlert(m.data);
    if (d.ok) alerts.push(d.value);
  } });
  await client.flush();
});

afterAll(async () => {
  await worker?.proc.close();
  await client?.close();
  await nats?.close();
});

describe('predictions', () => {
  test('a sine-plus-noise stream is learned and a spike raises an alert', async () => {
    const xs = sineNoise(N, 2, SPIKE);
    const acks: Promise<unknown>[] = [];
    for (let t = 0; t < N; t++) {
      acks.push(client.jsPublish(`carousel.in.${STREAM}`, encodeSample({ v: 1, stream: STREAM, seq: t, ts: 1_700_000_000_000 + t * 1000, x: [xs[t]!] }), { msgId: `${STREAM}-${t}` }));
      if (acks.length === 256) await Promise.all(acks.splice(0));
    }
    await Promise.all(acks);
    await until('every prediction', () => forecasts.size === N, 50_000);

    // Prediction t forecasts sample t + 1.
    let model = 0;
    let naive = 0;
    for (let t = 2000; t < 3000; t++) {
      model += (xs[t]! - forecasts.get(t - 1)!) ** 2;
      naive += (xs[t]! - xs[t - 1]!) ** 2;
    }
    expect(model).toBeLessThan(0.5 * naive);

    await until('the spike alert', () => alerts.some((a) => a.seq >= SPIKE && a.seq < SPIKE + 5));
    expect(alerts.filter((a) => a.seq >= 1500 && a.seq < SPIKE).length).toBeLessThanOrEqual(2);
    const a = alerts.find((x) => x.seq >= SPIKE)!;
    expect(a.stream).toBe(STREAM);
    expect(a.lik).toBeGreaterThanOrEqual(a.thr);
  });
});
