// The worker on the in-process transport: leases, one consumer per partition, stream actors,
// predictions, rejects, control and infer, drain with checkpoints. (Real NATS: test/worker.)

import { afterEach, describe, expect, test } from 'vitest';
import { InProcTransport, type BusMsg } from '@carousel/bus';
import {
  PROTO_ERR, decodeControlReply, decodeInferReply, decodePrediction, decodeReject, encodeControlRequest,
  encodeInferRequest, encodeSample, type ControlReply,
} from '@carousel/protocol';
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
    const info = await control(t, 'alpha', 'inspect');
    expect(info.ok && info.op === 'inspect' && info.info.n).toBe(20);
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
