// Request-reply against a real worker process: configure, inspect and reset a stream (a reset
// stream takes its next sample's dimension); infer is
// answered from the actor's current state while its mailbox still holds a backlog; SIGTERM drains
// (exit 0) with every stream's checkpoint covering its last sample and the leases released.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Transport } from '@carousel/bus';
import { decodeControlReply, decodeInferReply, decodePrediction, decodeReject, encodeControlRequest, encodeInferRequest, encodeSample, type ControlReply } from '@carousel/protocol';
import { printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { P, connect, control, readCheckpoint, startNats, startWorker, until, waitForSeq, workload, publish, type WorkerProc } from './helpers.ts';

let nats: NatsServer;
let client: Transport;
let worker: WorkerProc;
const lastSeq = new Map<string, number>();
printOutputOnFailure(() => [nats, worker?.proc].filter((x) => x !== undefined));

beforeAll(async () => {
  nats = await startNats();
  client = await connect(nats.url);
  worker = await startWorker(nats.url, 'wctl');
  client.subscribe('carousel.out.>', { callback: (m) => {
    const d = decodePrediction(m.data);
    if (d.ok) lastSeq.set(d.value.stream, Math.max(lastSeq.get(d.value.stream) ?? -1, d.value.seq));
  } });
  await client.flush();
});

afterAll(async () => {
  await worker?.proc.close();
  await client?.close();
  await nats?.close();
});

async function configure(stream: string, cfg: Record<string, unknown>): Promise<ControlReply> {
  const r = await client.request(`carousel.ctl.${stream}`, encodeControlRequest({ v: 1, op: 'configure', stream, cfg: cfg as never }), { timeout: 5000 });
  const d = decodeControlReply(r.data);
  if (!d.ok) throw new Error(d.reject.msg);
  return d.value;
}

describe('control and infer', () => {
  test('configure changes the model (new mv), inspect reports it, reset starts over', async () => {
    const data = new Map([['ctl-a', workload('ctl-a', 40, 1)]]);
    await publish(client, data, 0, 20);
    await waitForSeq(client, 'ctl-a', 19);
    const c = await configure('ctl-a', { model: { hidden: 6, seed: 5 }, horizon: 3 });
    expect(c).toMatchObject({ ok: true, op: 'configure', mv: 1 });
    await publish(client, data, 20, 40);
    await waitForSeq(client, 'ctl-a', 39);
    const info = await control(client, 'ctl-a', 'inspect');
    expect(info.ok && info.op === 'inspect' && info.info).toMatchObject({ seq: 39, n: 20, mv: 1, cfg: { horizon: 3, model: { hidden: 6, seed: 5 } } });
    const inf = decodeInferReply((await client.request('carousel.infer.ctl-a', encodeInferRequest({ v: 1, stream: 'ctl-a', h: 3 }))).data);
    expect(inf.ok && inf.value.ok && (inf.value.f as unknown[]).length).toBe(3);
    // The first sample fixed the stream's dimension: three features are refused...
    const rejects: string[] = [];
    const sub = client.subscribe('carousel.reject.ctl-a', { callback: (m) => {
      const d = decodeReject(m.data);
      if (d.ok) rejects.push(`${d.value.seq}:${d.value.code}`);
    } });
    await client.flush();
    await client.jsPublish('carousel.in.ctl-a', encodeSample({ v: 1, stream: 'ctl-a', seq: 40, x: [1, 2, 3] }));
    await until('the 3-feature sample refused', () => rejects.length === 1);
    expect(rejects).toEqual(['40:PROTO_ERR_DIMENSION']);
    expect(await control(client, 'ctl-a', 'reset')).toMatchObject({ ok: true, op: 'reset', mv: 2 });
    const after = await control(client, 'ctl-a', 'inspect');
    expect(after.ok && after.op === 'inspect' && [after.info.n, after.info.mv, after.info.seq]).toEqual([0, 2, 39]);
    const none = decodeInferReply((await client.request('carousel.infer.ctl-a', encodeInferRequest({ v: 1, stream: 'ctl-a', x: [0.1, 0.2] }))).data);
    expect(none.ok && !none.value.ok && none.value.code).toBe('WORKER_ERR_UNKNOWN_STREAM');
    // ...until a reset: the next sample builds the fresh model at its own dimension.
    await client.jsPublish('carousel.in.ctl-a', encodeSample({ v: 1, stream: 'ctl-a', seq: 41, x: [1, 2, 3] }));
    await waitForSeq(client, 'ctl-a', 41);
    const inf3 = decodeInferReply((await client.request('carousel.infer.ctl-a', encodeInferRequest({ v: 1, stream: 'ctl-a', x: [0.1, 0.2, 0.3], h: 1 }))).data);
    expect(inf3.ok && inf3.value.ok && Array.from(inf3.value.f as ArrayLike<number>).length).toBe(3);
    sub.close();
    expect(rejects).toHaveLength(1);
    const bad = await configure('ctl-a', { horizon: 0 });
    expect(bad).toMatchObject({ ok: false, code: 'WORKER_ERR_CONFIG' });
  });

  test('infer answers from the current state while the stream has a backlog in its mailbox', async () => {
    const stream = 'slow';
    // A big model so the samples pile up in the mailbox (consumer batch 256, mailbox 1024).
    expect(await configure(stream, { model: { hidden: 96, seed: 2, k1: 1, k2: 32 } })).toMatchObject({ ok: true });
    const N = 1000;
    const data = new Map([[stream, workload(stream, N, 3)]]);
    await publish(client, data, 0, N);
    await until('the first predictions', () => (lastSeq.get(stream) ?? -1) >= 10, 30_000, 5);
    const r = decodeInferReply((await client.request(`carousel.infer.${stream}`, encodeInferRequest({ v: 1, stream, x: [0.1, 0.2] }), { timeout: 5000 })).data);
    expect(r.ok && r.value.ok).toBe(true);
    const seqAtInfer = r.ok && r.value.ok ? r.value.seq! : -1;
    // The answer reflected a state part way through: the mailbox still held later samples.
    expect(seqAtInfer).toBeGreaterThanOrEqual(10);
    expect(seqAtInfer).toBeLessThan(N - 1);
    await until('the backlog applied', () => lastSeq.get(stream) === N - 1, 50_000);
  });

  test('SIGTERM drains: exit 0, every stream checkpointed at its last sample, leases released', async () => {
    const data = new Map(['term-a', 'term-b', 'term-c'].map((s, i) => [s, workload(s, 50, i + 5)]));
    await publish(client, data, 0, 50);
    for (const s of data.keys()) await until(`${s} predicted`, () => lastSeq.get(s) === 49);
    const exit = await worker.proc.kill('SIGTERM');
    expect(exit.code).toBe(0);
    for (const s of [...data.keys(), 'ctl-a', 'slow']) {
      const c = await readCheckpoint(client, s);
      expect(c.seq, s).toBe(lastSeq.get(s));
    }
    const leases = await client.kv('carousel_leases');
    for (let p = 0; p < P; p++) expect(await leases.get(`p.${p}`), `lease ${p}`).toBeNull();
    expect(worker.proc.output).toContain('"worker_drained"');
  });
});
