// Bad input never reaches a model: malformed msgpack, a wrong dimension, NaN and Infinity, an
// oversized vector, invalid stream ids (in the subject, or a JSON body naming another stream), a
// replayed and an out-of-order seq each get a Reject with their code on carousel.reject.>, are
// counted in /metrics by code, leave the stream's model as it was, and another stream keeps
// producing predictions.

import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Transport } from '@carousel/bus';
import { PROTO_ERR, decodePrediction, decodeReject, encodeSample, partitionOf, type Reject } from '@carousel/protocol';
import { printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { P, connect, control, metric, readCheckpoint, startNats, startWorker, until, waitForSeq, type WorkerProc } from './helpers.ts';

const raw = new Packr({ useRecords: false, mapsAsObjects: true });
const TARGET = 'target';
const OTHER = 'bystander';

let nats: NatsServer;
let client: Transport;
let worker: WorkerProc;
const rejects: Reject[] = [];
const predictions: { stream: string; seq: number }[] = [];
printOutputOnFailure(() => [nats, worker?.proc].filter((x) => x !== undefined));

beforeAll(async () => {
  nats = await startNats();
  client = await connect(nats.url);
  worker = await startWorker(nats.url, 'wbad');
  client.subscribe('carousel.reject.>', { callback: (m) => {
    const d = decodeReject(m.data);
    if (d.ok) rejects.push(d.value);
  } });
  client.subscribe('carousel.out.>', { callback: (m) => {
    const d = decodePrediction(m.data);
    if (d.ok) predictions.push({ stream: d.value.stream, seq: d.value.seq });
  } });
  await client.flush();
});

afterAll(async () => {
  await worker?.proc.close();
  await client?.close();
  await nats?.close();
});

const good = (stream: string, seq: number): Promise<unknown> =>
  client.jsPublish(`carousel.in.${stream}`, encodeSample({ v: 1, stream, seq, x: [Math.sin(seq / 3), 0.5] }));

describe('bad input', () => {
  test('each kind gets a Reject with its code, counted by code; the model is untouched; another stream goes on', async () => {
    for (let i = 0; i < 30; i++) {
      await good(TARGET, i);
      await good(OTHER, i);
    }
    await waitForSeq(client, TARGET, 29);
    expect((await control(client, TARGET, 'snapshot')).ok).toBe(true);
    const before = await readCheckpoint(client, TARGET);

    const inTarget = `carousel.in.${TARGET}`;
    const bad: [string, () => Promise<unknown>][] = [
      [PROTO_ERR.DECODE, () => client.jsPublish(inTarget, new Uint8Array([0x93, 0xc1, 0xff]))],
      [PROTO_ERR.DIMENSION, () => client.jsPublish(inTarget, encodeSample({ v: 1, stream: TARGET, seq: 100, x: [1, 2, 3] }))],
      [PROTO_ERR.NON_FINITE, () => client.jsPublish(inTarget, raw.pack({ v: 1, stream: TARGET, seq: 101, x: [NaN, 1] }))],
      [PROTO_ERR.NON_FINITE, () => client.jsPublish(inTarget, raw.pack({ v: 1, stream: TARGET, seq: 102, x: [1, Infinity] }))],
      [PROTO_ERR.TOO_LARGE, () => client.jsPublish(inTarget, raw.pack({ v: 1, stream: TARGET, seq: 103, x: new Array(5000).fill(1) }))],
      [PROTO_ERR.STREAM_ID, () => client.jsPublish(inTarget, new TextEncoder().encode(JSON.stringify({ v: 1, stream: 'someone-else', seq: 104, x: [1, 1] })), { headers: { 'Content-Type': 'application/json' } })],
      [PROTO_ERR.STREAM_ID, () => client.jsPublish(`carousel.p.${partitionOf(TARGET, P)}.bad!id`, encodeSample({ v: 1, stream: TARGET, seq: 105, x: [1, 1] }))],
      [PROTO_ERR.SEQ, () => client.jsPublish(inTarget, encodeSample({ v: 1, stream: TARGET, seq: 29, x: [1, 1] }))], // replay
      [PROTO_ERR.SEQ, () => client.jsPublish(inTarget, encodeSample({ v: 1, stream: TARGET, seq: 7, x: [1, 1] }))], // out of order
    ];
    for (const [, send] of bad) await send();
    await until('every bad message rejected', () => rejects.length >= bad.length);
    // The subject check runs in the partition's consumer, the rest in the stream's actor: compare as multisets.
    expect(rejects.map((r) => r.code).sort()).toEqual(bad.map(([code]) => code).sort());
    expect(rejects.filter((r) => r.stream === TARGET)).toHaveLength(bad.length - 1);
    expect(rejects.find((r) => r.stream === null)?.code).toBe(PROTO_ERR.STREAM_ID);
    expect(rejects.filter((r) => r.code === PROTO_ERR.SEQ).map((r) => r.seq)).toEqual([29, 7]);

    const counts: Record<string, number> = {};
    for (const [code] of bad) counts[code] = (counts[code] ?? 0) + 1;
    for (const [code, n] of Object.entries(counts)) {
      expect(await metric(worker.metricsUrl, 'carousel_worker_rejects_total', `code="${code}"`), code).toBe(n);
    }

    // The model is exactly as before the bad input.
    expect((await control(client, TARGET, 'snapshot')).ok).toBe(true);
    const after = await readCheckpoint(client, TARGET);
    expect(after.seq).toBe(29);
    expect(after.body.n).toBe(30);
    expect(Buffer.from(after.body.proc!.model).equals(Buffer.from(before.body.proc!.model))).toBe(true);
    expect(after.body.proc!.stats).toEqual(before.body.proc!.stats);

    // Both streams go on: the bystander, and the target itself with its next seq.
    await good(OTHER, 30);
    await good(TARGET, 30);
    await until('predictions after the bad input', () =>
      predictions.some((p) => p.stream === OTHER && p.seq === 30) && predictions.some((p) => p.stream === TARGET && p.seq === 30));
  });
});
