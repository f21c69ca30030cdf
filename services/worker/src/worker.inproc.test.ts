// The worker on the in-process transport: leases, one consumer per partition, stream actors,
// predictions, rejects, control and infer, drain with checkpoints. (Real NATS: test/worker.)

import { afterEach, describe, expect, test } from 'vitest';
import { InProcTransport, type BusMsg } from '@carousel/bus';
import {
  PROTO_ERR, decodeControlReply, decodeInferReply, decodePrediction, decodeReject, encodeControlRequest,
  encodeInferRequest, encodeSample, type ControlReply,
} from '@carousel/protocol';
import { createModel, loadModel, modelToPytorch, writeSafetensors } from '@carousel/lstm';
import { CheckpointStore } from './checkpoint.ts';
import { parseStreamConfig, withStreamPhase } from './stream-config.ts';
import { StreamProcessor } from './stream-processor.ts';
import { Worker } from './worker.ts';

const P = 4;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(): Promise<{ t: InProcTransport; w: Worker }> {
  const t = new InProcTransport({ mappings: { 'carousel.in.*': `carousel.p.{{partition(${P},1)}}.{{wildcard(1)}}` } });
  const w = new Worker({ transport: t, partitions: P, leaseTtlMs: 900, heartbeatMs: 100, metricsPort: null, log: false, workerId: 'w1', stream: { model: { hidden: 8, seed: 1 } } });
  await w.start();
  cleanup.push(async () => {
    await w.close();
    await t.close();
  });
  const deadline = Date.now() + 5000;
  while (w.partitions().length < P && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return { t, w };
}

function collect(t: InProcTransport, subject: string): BusMsg[] {
  const got: BusMsg[] = [];
  t.subscribe(subject, { callback: (m) => got.push(m) });
  return got;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function control(t: InProcTransport, stream: string, op: 'inspect' | 'snapshot' | 'reset'): Promise<ControlReply> {
  const r = await t.request(`carousel.ctl.${stream}`, encodeControlRequest({ v: 1, op, stream }));
  const d = decodeControlReply(r.data);
  if (!d.ok) throw new Error(d.reject.msg);
  return d.value;
}

describe('worker (in-process transport)', () => {
  test('takes every partition and answers each sample with a prediction carrying its seq', async () => {
    const { t, w } = await setup();
    expect(w.partitions()).toEqual([0, 1, 2, 3]);
    const out = collect(t, 'carousel.out.>');
    for (let i = 0; i < 20; i++) await t.jsPublish('carousel.in.alpha', encodeSample({ v: 1, stream: 'alpha', seq: i, x: [Math.sin(i), 1] }), { msgId: `alpha-${i}` });
    await until(() => out.length === 20);
    const seqs = out.map((m) => (decodePrediction(m.data) as { ok: true; value: { seq: number } }).value.seq);
    expect(seqs).toEqual([...Array(20).keys()]);
    // Each prediction carries its sample's x as received (float32 on the wire: sin(i) is rounded).
    const xs = out.map((m) => Array.from((decodePrediction(m.data) as { ok: true; value: { x?: Float64Array } }).value.x ?? []));
    expect(xs.map((x) => x.map((v) => Math.fround(v)))).toEqual([...Array(20).keys()].map((i) => [Math.fround(Math.sin(i)), 1]));
    const info = await control(t, 'alpha', 'inspect');
    expect(info.ok && info.op === 'inspect' && info.info.n).toBe(20);
  });

  test('sets each partition consumer lag to what its consumer has yet to deliver: 0 for partitions without messages, whatever others receive', async () => {
    const { t, w } = await setup();
    const out = collect(t, 'carousel.out.>');
    for (let i = 0; i < 12; i++) await t.jsPublish('carousel.in.alpha', encodeSample({ v: 1, stream: 'alpha', seq: i, x: [i, 1] }), { msgId: `alpha-${i}` });
    await until(() => out.length === 12);
    const lags = async (): Promise<Map<string, number>> => new Map((await w.metrics.consumerLag.get()).values.map((v) => [String(v.labels.partition), v.value]));
    let got = await lags();
    // The worker reads the lag every heartbeat (100 ms here); wait for a read after the last delivery.
    const deadline = Date.now() + 5000;
    while (got.size < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      got = await lags();
    }
    await new Promise((r) => setTimeout(r, 250));
    got = await lags();
    expect([...got.keys()].sort()).toEqual(['0', '1', '2', '3']);
    // alpha's partition delivered all 12; the other three have nothing to deliver (the stream's 12
    // messages are not theirs: before session 3 they showed 12, and the lag alert fired on idle partitions).
    expect([...got.values()]).toEqual([0, 0, 0, 0]);
  });

  test('rejects a replayed seq and a wrong dimension with their codes; the model is untouched', async () => {
    const { t } = await setup();
    const rejects = collect(t, 'carousel.reject.>');
    const out = collect(t, 'carousel.out.>');
    for (let i = 0; i < 5; i++) await t.jsPublish('carousel.in.beta', encodeSample({ v: 1, stream: 'beta', seq: i, x: [i, 0] }));
    await until(() => out.length === 5);
    await t.jsPublish('carousel.in.beta', encodeSample({ v: 1, stream: 'beta', seq: 3, x: [1, 1] }));
    await t.jsPublish('carousel.in.beta', encodeSample({ v: 1, stream: 'beta', seq: 9, x: [1, 1, 1] }));
    await until(() => rejects.length === 2);
    const codes = rejects.map((m) => (decodeReject(m.data) as { ok: true; value: { code: string } }).value.code);
    expect(codes).toEqual([PROTO_ERR.SEQ, PROTO_ERR.DIMENSION]);
    const info = await control(t, 'beta', 'inspect');
    expect(info.ok && info.op === 'inspect' && [info.info.n, info.info.seq]).toEqual([5, 4]);
  });

  test('infer answers from the current state; snapshot writes a checkpoint covering the last sample', async () => {
    const { t } = await setup();
    const out = collect(t, 'carousel.out.>');
    for (let i = 0; i < 10; i++) await t.jsPublish('carousel.in.gamma', encodeSample({ v: 1, stream: 'gamma', seq: i, x: [i / 10] }));
    await until(() => out.length === 10);
    const r = decodeInferReply((await t.request('carousel.infer.gamma', encodeInferRequest({ v: 1, stream: 'gamma', x: [0.5] }))).data);
    expect(r.ok && r.value.ok && r.value.seq).toBe(9);
    const snap = await control(t, 'gamma', 'snapshot');
    expect(snap.ok && snap.op === 'snapshot' && snap.seq).toBe(9);
    const kv = await t.kv('carousel_state');
    expect((await kv.get('gamma'))?.value.length).toBeGreaterThan(100);
  });
});

describe('warm start (in-process transport)', () => {
  test('configure with uploaded safetensors gives the stream exactly those weights and their shape', async () => {
    const { t } = await setup();
    const src = createModel({ cell: 'vanilla', inputs: 2, outputs: 2, hidden: 5, seed: 42 });
    const blobs = await t.objectStore('carousel_blobs');
    await blobs.put('warm/m1.safetensors', writeSafetensors(modelToPytorch(src)));
    const r = await t.request('carousel.ctl.warm', encodeControlRequest({ v: 1, op: 'configure', stream: 'warm', cfg: { warm: { obj: 'warm/m1.safetensors' } } }));
    expect(decodeControlReply(r.data)).toMatchObject({ ok: true, value: { ok: true, op: 'configure', mv: 1 } });
    const kv = await t.kv('carousel_state');
    const store = new CheckpointStore(kv, blobs, 1 << 20);
    const c = (await store.load('warm'))!;
    const params = loadModel(c.body.proc!.model).model.learner.params;
    expect(Array.from(params)).toEqual(Array.from(src.learner.params));
    expect(c.body.cfg).toMatchObject({ model: { cell: 'vanilla', hidden: 5 } });
    // The stream's dimension is the model's: a 3-feature sample is refused.
    const rejects = collect(t, 'carousel.reject.>');
    await t.jsPublish('carousel.in.warm', encodeSample({ v: 1, stream: 'warm', seq: 0, x: [1, 2, 3] }));
    await until(() => rejects.length === 1);
    expect((decodeReject(rejects[0]!.data) as { ok: true; value: { code: string } }).value.code).toBe(PROTO_ERR.DIMENSION);
  });

  test('a configure naming a missing object fails with WORKER_ERR_CONFIG and changes nothing', async () => {
    const { t } = await setup();
    const r = await t.request('carousel.ctl.warm2', encodeControlRequest({ v: 1, op: 'configure', stream: 'warm2', cfg: { warm: { obj: 'nope' } } }));
    expect(decodeControlReply(r.data)).toMatchObject({ ok: true, value: { ok: false, code: 'WORKER_ERR_CONFIG' } });
    expect(await control(t, 'warm2', 'inspect')).toMatchObject({ ok: true, info: { mv: 0 } });
  });
});

describe('configure (in-process transport)', () => {
  test('a config whose model does not build is WORKER_ERR_CONFIG and changes nothing, for a stream with samples and one without', async () => {
    const { t } = await setup();
    const out = collect(t, 'carousel.out.>');
    for (let i = 0; i < 3; i++) await t.jsPublish('carousel.in.cfg-a', encodeSample({ v: 1, stream: 'cfg-a', seq: i, x: [i] }));
    await until(() => out.length === 3);
    for (const [stream, cfg] of [['cfg-a', { model: { optimizer: { kind: 'adam', lr: -1 } } }], ['cfg-a', { model: { hidden: -3 } }], ['cfg-b', { model: { hidden: -3 } }]] as const) {
      const r = decodeControlReply((await t.request(`carousel.ctl.${stream}`, encodeControlRequest({ v: 1, op: 'configure', stream, cfg: cfg as never }))).data);
      expect(r.ok && r.value).toMatchObject({ ok: false, op: 'configure', code: 'WORKER_ERR_CONFIG' });
      expect(await control(t, stream, 'inspect')).toMatchObject({ ok: true, info: { mv: 0 } });
    }
    // Both streams go on learning with their old model.
    await t.jsPublish('carousel.in.cfg-a', encodeSample({ v: 1, stream: 'cfg-a', seq: 3, x: [3] }));
    await t.jsPublish('carousel.in.cfg-b', encodeSample({ v: 1, stream: 'cfg-b', seq: 0, x: [0] }));
    await until(() => out.length === 5);
    expect(await control(t, 'cfg-a', 'inspect')).toMatchObject({ ok: true, info: { n: 4, seq: 3 } });
    expect(await control(t, 'cfg-b', 'inspect')).toMatchObject({ ok: true, info: { n: 1, seq: 0 } });
  });
});

describe('the weight cap at the stream\'s dimension (in-process transport)', () => {
  test('a first sample whose dimension makes the model too big is a Reject (WORKER_ERR_CONFIG), a smaller one then builds; a configure too big at the stream\'s dimension is refused', async () => {
    const { t } = await setup();
    const out = collect(t, 'carousel.out.>');
    const rejects = collect(t, 'carousel.reject.>');
    const wide = Array.from({ length: 3000 }, (_, i) => Math.sin(i));
    // 512 units over 3,000 features: 4·512·(3,000 + 512 + 1) + 3,000·(512 + 1) = 8,733,624 weights, over MAX_STREAM_WEIGHTS (the units alone are allowed).
    const ok = decodeControlReply((await t.request('carousel.ctl.cap-a', encodeControlRequest({ v: 1, op: 'configure', stream: 'cap-a', cfg: { model: { hidden: 512 } } }))).data);
    expect(ok.ok && ok.value).toMatchObject({ ok: true, op: 'configure' });
    await t.jsPublish('carousel.in.cap-a', encodeSample({ v: 1, stream: 'cap-a', seq: 0, x: wide }));
    await until(() => rejects.length === 1);
    const rj = decodeReject(rejects[0]!.data);
    expect(rj.ok && rj.value).toMatchObject({ stream: 'cap-a', seq: 0, code: 'WORKER_ERR_CONFIG' });
    expect(rj.ok && rj.value.msg).toMatch(/model.hidden asks for 8,733,624 weights at 3000 features, over the 8,388,608 weights a stream may have/);
    expect(await control(t, 'cap-a', 'inspect')).toMatchObject({ ok: true, info: { n: 0, seq: null } });
    await t.jsPublish('carousel.in.cap-a', encodeSample({ v: 1, stream: 'cap-a', seq: 1, x: [1, 2, 3, 4] }));
    await until(() => out.length === 1);
    expect(await control(t, 'cap-a', 'inspect')).toMatchObject({ ok: true, info: { n: 1, seq: 1 } });

    // A stream with 3,000 features and the default model: hidden 512 is refused for it, and it goes on.
    await t.jsPublish('carousel.in.cap-b', encodeSample({ v: 1, stream: 'cap-b', seq: 0, x: wide }));
    await until(() => out.length === 2);
    const no = decodeControlReply((await t.request('carousel.ctl.cap-b', encodeControlRequest({ v: 1, op: 'configure', stream: 'cap-b', cfg: { model: { hidden: 512 } } }))).data);
    expect(no.ok && no.value).toMatchObject({ ok: false, op: 'configure', code: 'WORKER_ERR_CONFIG' });
    expect(await control(t, 'cap-b', 'inspect')).toMatchObject({ ok: true, info: { n: 1, mv: 0, cfg: { model: { hidden: 8 } } } });
    await t.jsPublish('carousel.in.cap-b', encodeSample({ v: 1, stream: 'cap-b', seq: 1, x: wide }));
    await until(() => out.length === 3);
  }, 30_000);
});

describe('large checkpoints (in-process transport)', () => {
  test('a checkpoint over the KV limit goes to the Object Store and is read back from there', async () => {
    const t = new InProcTransport({ mappings: { 'carousel.in.*': `carousel.p.{{partition(${P},1)}}.{{wildcard(1)}}` } });
    const w = new Worker({ transport: t, partitions: P, leaseTtlMs: 900, heartbeatMs: 100, metricsPort: null, log: false, workerId: 'w2', maxKvCheckpointBytes: 1024, stream: { model: { hidden: 8, seed: 1 } } });
    await w.start();
    cleanup.push(async () => {
      await w.close();
      await t.close();
    });
    await until(() => w.partitions().length === P);
    const out = collect(t, 'carousel.out.>');
    for (let i = 0; i < 5; i++) await t.jsPublish('carousel.in.big', encodeSample({ v: 1, stream: 'big', seq: i, x: [i] }));
    await until(() => out.length === 5);
    expect(await control(t, 'big', 'snapshot')).toMatchObject({ ok: true, seq: 4 });
    const kv = await t.kv('carousel_state');
    const entry = (await kv.get('big'))!;
    expect(entry.value.length).toBeLessThan(1024);
    const c = (await new CheckpointStore(kv, await t.objectStore('carousel_blobs'), 1024).load('big'))!;
    expect(c.envelope.obj).toBeDefined();
    expect(c.body.proc!.stats.samples).toBe(5);

    // A reset retires the model: the checkpoint is the stream's config and seq alone, in the KV,
    // and the Object Store object it replaced is deleted (how a stream no longer fed frees its storage).
    expect(await control(t, 'big', 'reset')).toMatchObject({ ok: true, op: 'reset' });
    const blobs = await t.objectStore('carousel_blobs');
    expect(await blobs.get(c.envelope.obj!)).toBeNull();
    const r = (await new CheckpointStore(kv, blobs, 1024).load('big'))!;
    expect(r.envelope.obj).toBeUndefined();
    expect([r.envelope.seq, r.body.n, r.body.proc]).toEqual([4, 0, null]);
    expect((await kv.get('big'))!.value.length).toBeLessThan(200);
  });
});

describe('passivation and fencing (in-process transport)', () => {
  test('an idle stream passivates to its checkpoint and continues from it exactly', async () => {
    const t = new InProcTransport({ mappings: { 'carousel.in.*': `carousel.p.{{partition(${P},1)}}.{{wildcard(1)}}` } });
    const cfg = { model: { hidden: 6, seed: 9 } };
    const w = new Worker({ transport: t, partitions: P, leaseTtlMs: 900, heartbeatMs: 100, metricsPort: null, log: false, workerId: 'w3', idleMs: 150, stream: cfg });
    await w.start();
    cleanup.push(async () => {
      await w.close();
      await t.close();
    });
    await until(() => w.partitions().length === P);
    const out = collect(t, 'carousel.out.>');
    const xs = Array.from({ length: 40 }, (_, i) => [Math.sin(i / 4)]);
    for (let i = 0; i < 20; i++) await t.jsPublish('carousel.in.idle', encodeSample({ v: 1, stream: 'idle', seq: i, x: xs[i]! }));
    await until(() => out.length === 20);
    await until(() => w.actorCounters().passivatedTotal >= 1 && w.actorCounters().active === 0);
    for (let i = 20; i < 40; i++) await t.jsPublish('carousel.in.idle', encodeSample({ v: 1, stream: 'idle', seq: i, x: xs[i]! }));
    await until(() => out.length === 40);
    expect(await control(t, 'idle', 'snapshot')).toMatchObject({ ok: true, seq: 39 });
    const c = (await new CheckpointStore(await t.kv('carousel_state'), await t.objectStore('carousel_blobs'), 1 << 20).load('idle'))!;
    const ref = new StreamProcessor(withStreamPhase(parseStreamConfig(cfg), 'idle'), 1);
    xs.forEach((x, i) => ref.process(i, x));
    expect(Buffer.from(c.body.proc!.model).equals(Buffer.from(ref.snapshot().model))).toBe(true);
    expect(w.actorCounters().activatedTotal).toBeGreaterThanOrEqual(2);
  });

  test('a checkpoint write with a stale revision is refused (the fence)', async () => {
    const t = new InProcTransport();
    cleanup.push(() => t.close());
    const store = new CheckpointStore(await t.ensureKv({ bucket: 'st' }), await t.ensureObjectStore({ bucket: 'bl' }), 1 << 20);
    const body = { v: 1 as const, cfg: null, n: 0, proc: null };
    const r1 = await store.save({ stream: 's', mv: 0, js: 1, seq: null }, body, 0, undefined);
    await store.save({ stream: 's', mv: 0, js: 2, seq: null }, body, r1.revision, undefined); // the new owner
    await expect(store.save({ stream: 's', mv: 0, js: 3, seq: null }, body, r1.revision, undefined)).rejects.toMatchObject({ code: 'BUS_ERR_REVISION' });
    await expect(store.save({ stream: 's', mv: 0, js: 3, seq: null }, body, 0, undefined)).rejects.toMatchObject({ code: 'BUS_ERR_REVISION' });
    expect((await store.load('s'))!.envelope.js).toBe(2);
  });

  test('list on the bare control subject names the partitions and the streams seen', async () => {
    const { t } = await setup();
    const out = collect(t, 'carousel.out.>');
    await t.jsPublish('carousel.in.listed', encodeSample({ v: 1, stream: 'listed', seq: 0, x: [1] }));
    await until(() => out.length === 1);
    const r = decodeControlReply((await t.request('carousel.ctl', encodeControlRequest({ v: 1, op: 'list' }))).data);
    expect(r).toMatchObject({ ok: true, value: { ok: true, op: 'list', streams: ['listed'], parts: [0, 1, 2, 3] } });
  });

  test('a closed worker answers no request on the transport it was given (its list subscription once stayed)', async () => {
    const { t, w } = await setup();
    await w.close();
    await expect(t.request('carousel.ctl', encodeControlRequest({ v: 1, op: 'list' }), { timeout: 300 })).rejects.toMatchObject({ code: 'BUS_ERR_NO_RESPONDERS' });
  });

  test('list names the checkpointed streams of its partitions too: after a restart, before their next sample', async () => {
    const { t, w } = await setup();
    const out = collect(t, 'carousel.out.>');
    await t.jsPublish('carousel.in.kept', encodeSample({ v: 1, stream: 'kept', seq: 0, x: [1] }));
    await until(() => out.length === 1);
    await w.drain(); // checkpoints 'kept' (its sample covered), releases the leases
    await w.close();
    const w2 = new Worker({ transport: t, partitions: P, leaseTtlMs: 900, heartbeatMs: 100, metricsPort: null, log: false, workerId: 'w2', stream: { model: { hidden: 8, seed: 1 } } });
    await w2.start();
    cleanup.push(() => w2.close());
    await until(() => w2.partitions().length === P);
    const r = decodeControlReply((await t.request('carousel.ctl', encodeControlRequest({ v: 1, op: 'list' }))).data);
    expect(r).toMatchObject({ ok: true, value: { ok: true, op: 'list', streams: ['kept'], parts: [0, 1, 2, 3] } });
    expect(out.length).toBe(1); // nothing replayed: the stream is listed from its checkpoint
  });
});
