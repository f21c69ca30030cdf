// Model groups: members share one model's weights and keep their own state; a group's record
// round-trips bit-exactly; the worker (in-process transport) routes <prefix>.g.<group>.<stream>
// to one group actor, refuses a member on its own subject, and warm-starts a group.

import { afterEach, describe, expect, test } from 'vitest';
import { InProcTransport, type BusMsg } from '@carousel/bus';
import { copyStream, createModel, createRng, loadModel, modelToPytorch, saveModel, writeSafetensors } from '@carousel/lstm';
import { decodeControlReply, decodePrediction, decodeReject, encodeControlRequest, encodeSample } from '@carousel/protocol';
import { groupCore, groupModelBytes, groupRecordKey, packGroupRecord, replayGroup, restoreGroup, unpackGroupRecord, type GroupRecord } from './group-actor.ts';
import { groupSubjects, parseGroups } from './groups.ts';
import { parseStreamConfig } from './stream-config.ts';
import { StreamProcessor } from './stream-processor.ts';
import { Worker } from './worker.ts';
import { Packr } from 'msgpackr';

const CFG = parseStreamConfig({ model: { hidden: 6, seed: 3, k1: 2, k2: 8 } as never });
const P = 4;

function samples(streams: string[], n: number, seed: number): { stream: string; seq: number; x: number[]; ts: number }[] {
  const rng = createRng(seed);
  const out: { stream: string; seq: number; x: number[]; ts: number }[] = [];
  for (let i = 0; i < n; i++) {
    streams.forEach((stream, k) => out.push({ stream, seq: i, ts: 1000 * i, x: [Math.sin(i / (4 + k)) + 0.1 * rng.normal(), Math.cos(i / 7) + 0.1 * rng.normal()] }));
  }
  return out;
}

function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a !== null && b !== null && Buffer.from(a).equals(Buffer.from(b));
}

describe('model groups: shared model, separate state', () => {
  test('a sample on member A changes the weights member B predicts with', () => {
    const model = createModel({ ...CFG.model, inputs: 2, outputs: 2 });
    const a = new StreamProcessor(CFG, 2, undefined, {}, { model });
    const b = new StreamProcessor(CFG, 2, undefined, {}, { model });
    for (const s of samples(['b'], 5, 1)) b.process(s.seq, s.x, s.ts);
    const before = b.infer([0.3, -0.2])[0]!.slice();
    const params = model.learner.params.slice();
    for (const s of samples(['a'], 6, 2)) a.process(s.seq, s.x, s.ts);
    expect(model.learner.params).not.toEqual(params);
    expect(b.infer([0.3, -0.2])[0]).not.toEqual(before);
  });

  test("a member's recurrent state, normaliser and counters are untouched by another member's samples", () => {
    const model = createModel({ ...CFG.model, inputs: 2, outputs: 2 });
    const a = new StreamProcessor(CFG, 2, undefined, {}, { model });
    const b = new StreamProcessor(CFG, 2, undefined, {}, { model });
    for (const s of samples(['b'], 7, 3)) b.process(s.seq, s.x, s.ts);
    const bStream = model.learner.newStream();
    copyStream(bStream, b.stream);
    const bSnap = b.snapshot();
    for (const s of samples(['a'], 9, 4)) a.process(s.seq, s.x, s.ts);
    const after = b.snapshot();
    expect(after.normalizer).toEqual(bSnap.normalizer);
    expect(after.scorer).toEqual(bSnap.scorer);
    expect(after.stats).toEqual(bSnap.stats);
    expect(after.seq).toBe(6);
    expect(a.lastSeq).toBe(8);
    // The recurrent state as saved under b's name is the one before a's samples.
    const saved = loadModel(saveModel(model, { b: b.stream, ref: bStream })).streams;
    expect(bytesEqual(saveModel(model, { s: saved.b! }), saveModel(model, { s: saved.ref! }))).toBe(true);
    // A member's snapshot carries no model: the group saves it once.
    expect(after.model.length).toBe(0);
  });

  test('a group record restored mid-stream continues bit-identically to the uninterrupted group', () => {
    const all = samples(['m1', 'm2', 'm3'], 40, 5);
    const whole = replayGroup(CFG, all);
    const first = replayGroup(CFG, all.slice(0, 61));
    const rec: GroupRecord = {
      v: 1, group: 'g', mv: 0, n: 61, js: 61, model: groupModelBytes(first),
      members: Object.fromEntries([...first.members].map(([k, m]) => [k, { proc: m.proc.snapshot(), seq: m.seq }])),
    };
    const back = unpackGroupRecord(packGroupRecord(rec));
    const restored = groupCore(CFG);
    restoreGroup(restored, back);
    expect(bytesEqual(groupModelBytes(restored), rec.model)).toBe(true);
    for (const s of all.slice(61)) {
      const m = restored.members.get(s.stream)!;
      expect(m.guard.accept(s.stream, s.seq).ok).toBe(true);
      m.proc.process(s.seq, s.x, s.ts);
    }
    expect(bytesEqual(groupModelBytes(restored), groupModelBytes(whole))).toBe(true);
    for (const [k, m] of whole.members) expect(restored.members.get(k)!.proc.snapshot()).toEqual(m.proc.snapshot());
  });

  test('group options: names unique, patterns compiled, a warm start without obj refused', () => {
    const g = parseGroups([{ name: 'pumps', pattern: 'pump-*' }], CFG);
    expect(g[0]!.match.test('pump-7')).toBe(true);
    expect(g[0]!.match.test('fan-1')).toBe(false);
    expect(() => parseGroups([{ name: 'a', pattern: 'x' }, { name: 'a', pattern: 'y' }], CFG)).toThrow(/twice/);
    expect(() => parseGroups([{ name: 'a.b', pattern: 'x' }], CFG)).toThrow(/name/);
    expect(() => parseGroups([{ name: 'a', pattern: 'x', warm: { obj: '' } }], CFG)).toThrow(/warm/);
    expect(() => parseGroups([{ name: 'a', pattern: 'x', minBatch: 0 }], CFG)).toThrow(/minBatch/);
    expect(parseGroups([{ name: 'a', pattern: 'x' }], CFG)[0]!.minBatch).toBe(8);
    const s = groupSubjects('carousel', 16);
    expect(s.parse('carousel.p.3.pumps.pump-1')).toEqual({ group: 'pumps', stream: 'pump-1' });
    expect(s.parse('carousel.p.3.pump-1')).toBeNull();
  });
});

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const GROUPS = [{ name: 'pumps', pattern: 'pump-*', stream: { model: { hidden: 6, seed: 3, k1: 2, k2: 8 } as never }, minBatch: 2 }];

async function setup(groups: typeof GROUPS | { name: string; pattern: string; warm: { obj: string } }[] = GROUPS): Promise<{ t: InProcTransport; w: Worker }> {
  const gs = groupSubjects('carousel', P);
  const t = new InProcTransport({
    mappings: { 'carousel.in.*': `carousel.p.{{partition(${P},1)}}.{{wildcard(1)}}`, [gs.mapping.source]: gs.mapping.destination },
  });
  const w = new Worker({ transport: t, partitions: P, leaseTtlMs: 900, heartbeatMs: 100, metricsPort: null, log: false, workerId: 'w1', groups });
  await w.start();
  cleanup.push(async () => {
    await w.close();
    await t.close();
  });
  const deadline = Date.now() + 5000;
  while (w.partitions().length < P && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return { t, w };
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const envelope = new Packr({ useRecords: false, moreTypes: true });

async function readRecord(t: InProcTransport, group: string): Promise<GroupRecord | null> {
  const e = await (await t.kv('carousel_state')).get(groupRecordKey(group));
  if (e === null) return null;
  return unpackGroupRecord((envelope.unpack(e.value) as { b: Uint8Array }).b);
}

describe('model groups in the worker (in-process transport)', () => {
  test("members on carousel.g.<group>.<stream> learn one model; drain writes one record equal to the in-process recomputation", async () => {
    const { t, w } = await setup();
    const outs: BusMsg[] = [];
    t.subscribe('carousel.out.*', { callback: (m) => outs.push(m) });
    const all = samples(['pump-1', 'pump-2', 'pump-3'], 30, 9);
    for (const s of all) await t.jsPublish(`carousel.g.pumps.${s.stream}`, encodeSample({ v: 1, stream: s.stream, seq: s.seq, ts: s.ts, x: s.x }));
    await until(() => outs.length >= all.length);
    expect(new Set(outs.map((m) => decodePrediction(m.data).ok && (decodePrediction(m.data) as { value: { stream: string } }).value.stream))).toEqual(new Set(['pump-1', 'pump-2', 'pump-3']));
    const r = await t.request('carousel.ctl.pump-2', encodeControlRequest({ v: 1, op: 'inspect', stream: 'pump-2' }));
    const info = decodeControlReply(r.data);
    expect(info.ok && info.value.ok && info.value.op === 'inspect' && info.value.info.seq).toBe(29);
    // list names the members (until session 31 it named the group's actor key g.pumps, which is no
    // stream id: the reply failed to encode and the rejection ended the worker process).
    const list = decodeControlReply((await t.request('carousel.ctl', encodeControlRequest({ v: 1, op: 'list' }))).data);
    expect(list).toMatchObject({ ok: true, value: { ok: true, op: 'list', streams: ['pump-1', 'pump-2', 'pump-3'] } });
    // A member is not deleted on its own: the group holds its state (and is configured in the options).
    const del = decodeControlReply((await t.request('carousel.ctl.pump-2', encodeControlRequest({ v: 1, op: 'delete', stream: 'pump-2' }))).data);
    expect(del).toMatchObject({ ok: true, value: { ok: false, op: 'delete', code: 'WORKER_ERR_CONFIG' } });
    await w.drain();
    const rec = (await readRecord(t, 'pumps'))!;
    const want = replayGroup(parseGroups(GROUPS, parseStreamConfig())[0]!.cfg, all);
    expect(rec.n).toBe(all.length);
    expect(Object.keys(rec.members).sort()).toEqual(['pump-1', 'pump-2', 'pump-3']);
    expect(bytesEqual(rec.model, groupModelBytes(want))).toBe(true);
    // every member's processor too: normaliser, scorer, last forecast, counters
    for (const [k, m] of want.members) expect(rec.members[k]!.proc, k).toEqual(m.proc.snapshot());
    // the members' steps were batched: fewer batches than samples (3 members: at most 3 a batch)
    const h = (await w.metrics.groupBatchSteps.get()).values;
    const total = (suffix: string): number => h.filter((v) => v.metricName === `carousel_worker_group_batch_steps_${suffix}`).reduce((n, v) => n + v.value, 0);
    expect(total('sum')).toBe(all.length);
    expect(total('count')).toBeLessThan(all.length);
  });

  test('a member published on its own carousel.in.<stream> subject is rejected with WORKER_ERR_CONFIG and learns nothing', async () => {
    const { t, w } = await setup();
    const rejects: BusMsg[] = [];
    t.subscribe('carousel.reject.pump-9', { callback: (m) => rejects.push(m) });
    await t.jsPublish('carousel.in.pump-9', encodeSample({ v: 1, stream: 'pump-9', seq: 0, x: [1, 2] }));
    await until(() => rejects.length === 1);
    const r = decodeReject(rejects[0]!.data);
    expect(r.ok && r.value.code).toBe('WORKER_ERR_CONFIG');
    await w.drain();
    expect(await readRecord(t, 'pumps')).toBeNull();
    expect(await (await t.kv('carousel_state')).get('pump-9')).toBeNull();
  });

  test('a group with a warm start begins from the uploaded weights', async () => {
    const source = createModel({ cell: 'vanilla', hidden: 5, inputs: 2, outputs: 2, seed: 42 });
    const { t, w } = await setup([{ name: 'pumps', pattern: 'pump-*', warm: { obj: 'pumps.safetensors' } }]);
    // The object is read when the group's actor first activates, i.e. on its first sample.
    await (await t.objectStore('carousel_blobs')).put('pumps.safetensors', writeSafetensors(modelToPytorch(source)));
    const outs: BusMsg[] = [];
    t.subscribe('carousel.out.*', { callback: (m) => outs.push(m) });
    await t.jsPublish('carousel.g.pumps.pump-1', encodeSample({ v: 1, stream: 'pump-1', seq: 0, x: [0.5, 0.1] }));
    await until(() => outs.length === 1);
    await w.drain();
    const rec = (await readRecord(t, 'pumps'))!;
    const { model } = loadModel(rec.model!);
    expect([model.options.hidden].flat()).toEqual([5]);
    // One sample: a forward step and no update yet (no earlier forecast), so the weights are the upload's.
    expect(Array.from(model.learner.params)).toEqual(Array.from(source.learner.params));
  });
});
