// Producer over a Transport: samples are msgpack with message id `<stream>:<seq>`, so a retried
// publish is stored once; a model group's member goes to its group subject; infer() is request-reply on carousel.infer.<stream>. In-process bus with
// the same subject mapping nats-server uses.

import { describe, expect, test } from 'vitest';
import { InProcTransport } from '@carousel/bus';
import { Producer } from '@carousel/client';
import { createSubjects, decodeInferRequest, decodeSample, encodeInferReply } from '@carousel/protocol';
import { groupSubjects } from '@carousel/worker';

describe('producer - samples and infer', () => {
  test('a retried publish of the same seq is acknowledged as a duplicate and stored once', async () => {
    const s = createSubjects();
    const t = new InProcTransport({ mappings: { [s.mapping.source]: s.mapping.destination } });
    await t.ensureStream({ name: 'CAROUSEL_IN', subjects: [s.partitionsAll] });
    const p = new Producer(t);
    expect(await p.publish('pump-1', { seq: 5, x: [1, 2] })).toEqual({ seq: 5, duplicate: false });
    expect(await p.publish('pump-1', { seq: 5, x: [1, 2] })).toEqual({ seq: 5, duplicate: true });
    expect((await p.publish('pump-1', { x: [3, 4] })).seq).toBe(6);
    expect((await t.streamState('CAROUSEL_IN')).messages).toBe(2);
    const c = t.consume('CAROUSEL_IN', { afterSeq: 0 });
    const it = c[Symbol.asyncIterator]();
    const first = (await it.next()).value!;
    expect(first.headers['Nats-Msg-Id']).toBe('pump-1:5');
    const d = decodeSample(first.data);
    expect(d.ok && Array.from(d.value.x)).toEqual([1, 2]);
    await c.close();
    await t.close();
  });

  test('a model group\'s member is published on carousel.g.<group>.<stream>, which the group mapping partitions', async () => {
    const s = createSubjects();
    const g = groupSubjects('carousel', s.partitions);
    const t = new InProcTransport({ mappings: { [s.mapping.source]: s.mapping.destination, [g.mapping.source]: g.mapping.destination } });
    await t.ensureStream({ name: 'CAROUSEL_IN', subjects: ['carousel.p.>'] });
    const p = new Producer(t);
    expect(await p.publish('pump-1', { seq: 3, x: [1] }, { group: 'pumps' })).toEqual({ seq: 3, duplicate: false });
    const m = await t.lastMessage('CAROUSEL_IN', 'carousel.p.*.pumps.pump-1');
    expect(m && [m.headers['Nats-Msg-Id'], g.parse(m.subject)]).toEqual(['pump-1:3', { group: 'pumps', stream: 'pump-1' }]);
    await expect(p.publish('pump-1', { seq: 4, x: [1] }, { group: 'a.b' })).rejects.toMatchObject({ code: 'PROTO_ERR_STREAM_ID' });
    await t.close();
  });

  test('infer asks carousel.infer.<stream> and returns the forecast; an error reply throws its code', async () => {
    const t = new InProcTransport();
    t.subscribe('carousel.infer.*', {
      callback: (m) => {
        const req = decodeInferRequest(m.data);
        const stream = req.ok ? req.value.stream : 'x';
        const body = stream === 'bad'
          ? encodeInferReply({ v: 1, ok: false, stream, code: 'WORKER_ERR_UNKNOWN_STREAM', msg: 'no such stream' })
          : encodeInferReply({ v: 1, ok: true, stream, seq: 9, f: [0.5], mv: 2, pt: 0.0001 });
        t.publish(m.reply!, body);
      },
    });
    const p = new Producer(t);
    const r = await p.infer('pump-1', [1]);
    expect([r.seq, Array.from(r.f as Float64Array), r.mv]).toEqual([9, [0.5], 2]);
    await expect(p.infer('bad')).rejects.toMatchObject({ code: 'WORKER_ERR_UNKNOWN_STREAM' });
    await t.close();
  });
});
