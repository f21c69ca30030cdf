// Chaos 2: kill -9 and restart of the single nats-server (file storage) under load. A worker, the
// gateway and a @carousel/client Subscriber run throughout; a producer publishes 4 streams via
// JetStream with msg ids, each publish retried until acknowledged. The server is killed with
// SIGKILL and restarted on the same ports and storage. Checked: worker and gateway reconnect and
// continue (new predictions reach the Subscriber through the gateway, both processes still the
// same ones); nothing acknowledged is lost (CAROUSEL_IN holds exactly the acknowledged samples,
// and every stream's final weights and sample count equal StreamProcessor fed each acknowledged
// sample once).

import { afterAll, describe, expect, test } from 'vitest';
import type { Transport } from '@carousel/bus';
import { Subscriber } from '@carousel/client';
import { signToken } from '@carousel/gateway';
import { ServiceProcess, freePort, printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { connect, startNats, startWorker, until, type WorkerProc } from '../worker/helpers.ts';
import { PredictionRecorder, Producer, expectExactlyOnce, round, summary } from './common.ts';

const SECRET = 'chaos-secret-that-is-at-least-32-bytes-long!';
const STREAMS = ['nr-a', 'nr-b', 'nr-c', 'nr-d'];
const RATE = 50;
const ENV = { CAROUSEL_LEASE_TTL_MS: '3000', CAROUSEL_HEARTBEAT_MS: '300', CAROUSEL_CHECKPOINT_EVERY: '40', CAROUSEL_CHECKPOINT_EVERY_MS: '600000' };

let nats: NatsServer | undefined;
let client: Transport | undefined;
let producer: Producer | undefined;
let worker: WorkerProc | undefined;
let gateway: ServiceProcess | undefined;
let sub: Subscriber | undefined;
printOutputOnFailure(() => [nats, worker?.proc, gateway]);
afterAll(async () => {
  await producer?.stop();
  await sub?.close();
  await gateway?.close();
  await worker?.proc.close();
  await client?.close();
  await nats?.close();
});

describe('chaos: nats-server killed and restarted', () => {
  test('kill -9 of nats-server: worker and gateway reconnect and continue, nothing acknowledged is lost', async () => {
    nats = await startNats();
    worker = await startWorker(nats.url, 'nr1', ENV);
    const port = await freePort();
    gateway = await ServiceProcess.start({
      entry: 'services/gateway/src/main.ts',
      name: 'gateway',
      env: { NATS_URL: nats.url, CAROUSEL_GATEWAY_PORT: String(port), CAROUSEL_GATEWAY_HOST: '127.0.0.1', CAROUSEL_GATEWAY_SECRET: SECRET, CAROUSEL_GATEWAY_STATIC_DIR: '' },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    client = await connect(nats.url);
    const token = await signToken({ secret: SECRET, streams: ['nr-*'], ttlSeconds: 600 });
    sub = new Subscriber({ url: `ws://127.0.0.1:${port}/ws`, token, format: 'msgpack', backoffInitialMs: 50, backoffMaxMs: 400 });
    const viaGateway: Array<[number, string, number]> = [];
    sub.on('prediction', (p) => viaGateway.push([performance.now(), p.stream, p.seq]));
    await sub.connect();
    await sub.subscribe(['nr-*']);

    producer = new Producer(client, STREAMS, 5000, { ratePerStream: RATE });
    const rec = new PredictionRecorder(client, producer);
    await client.flush();
    producer.start();
    await until('predictions through the gateway', () => STREAMS.every((s) => viaGateway.filter((p) => p[1] === s).length > 40), 30_000, 100);

    const workerPid = worker.proc.pid;
    const gatewayPid = gateway.pid;
    const ackedBefore = producer.totalAcked;
    const killedAt = performance.now();
    await nats.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    await nats.restart();
    const restartedAt = performance.now();
    await until('worker predicts again', () => rec.arrivals.some((a) => a > restartedAt), 30_000, 50);
    const workerBackMs = rec.arrivals.find((a) => a > restartedAt)! - restartedAt;
    await until('gateway delivers again', () => STREAMS.every((s) => viaGateway.some((p) => p[0] > restartedAt && p[1] === s)), 30_000, 50);
    const gatewayBackMs = viaGateway.find((p) => p[0] > restartedAt)![0] - restartedAt;
    await new Promise((r) => setTimeout(r, 3000));
    await producer.stop();

    const exact = await expectExactlyOnce(client, producer);
    const info = await client.streamState('CAROUSEL_IN');
    expect(info.messages, 'CAROUSEL_IN holds exactly the acknowledged samples').toBe(producer.totalAcked);
    expect(worker.proc.running && worker.proc.pid === workerPid, 'the same worker process').toBe(true);
    expect(gateway.running && gateway.pid === gatewayPid, 'the same gateway process').toBe(true);
    expect(sub.state).toBe('open');
    // What the dashboard saw: per stream, seqs missing between its first and last delivered.
    let missing = 0;
    for (const s of STREAMS) {
      const seqs = [...new Set(viaGateway.filter((p) => p[1] === s).map((p) => p[2]))].sort((a, b) => a - b);
      missing += seqs[seqs.length - 1]! - seqs[0]! + 1 - seqs.length;
    }
    summary('chaos/nats-restart', {
      injected: `SIGKILL of the nats-server (file storage), restarted after 1 s, under ${RATE * STREAMS.length} samples/s`,
      checked: 'CAROUSEL_IN message count = acknowledged; bit-identical weights and exact counts; worker+gateway same processes, predictions resume via gateway',
      ackedBeforeKill: ackedBefore, ackedTotal: exact.samples, storedInStream: info.messages, producerRetries: producer.retries, duplicateAcks: producer.duplicates,
      outageMs: round(restartedAt - killedAt), workerFirstPredictionAfterRestartMs: round(workerBackMs), gatewayFirstPredictionAfterRestartMs: round(gatewayBackMs),
      subscriberPredictions: viaGateway.length, subscriberMissingSeqs: missing, subscriberReconnects: sub.reconnects,
    });
  });
});
