// `carousel streams list` gathers every worker's reply to `list`: the streams and partitions of
// those that could list, and, under `errors`, the code of each that could not (ok: false), so a
// short list says why. Two stand-in workers on an in-process transport. `replay --append`'s start
// counts the seqs still queued for the stream as well as those its worker has accepted.

import { afterEach, describe, expect, test } from 'vitest';
import { InProcTransport } from '@carousel/bus';
import { PROTOCOL_VERSION, decodeControlRequest, encodeControlReply, encodeSample } from '@carousel/protocol';
import { appendStart, listStreams } from './streams.ts';

let t: InProcTransport | undefined;
afterEach(async () => {
  await t?.close();
});

describe('carousel streams list', () => {
  test('merges the lists of the workers that answered ok and reports the others under errors', async () => {
    t = new InProcTransport();
    const bus = t;
    bus.subscribe('carousel.ctl', {
      callback: (m) => {
        const d = decodeControlRequest(m.data);
        if (!d.ok || d.value.op !== 'list') return;
        bus.publish(m.reply!, encodeControlReply({ v: PROTOCOL_VERSION, ok: true, op: 'list', streams: ['pump-8', 'pump-7'], parts: [3, 0] }));
      },
    });
    bus.subscribe('carousel.ctl', {
      callback: (m) => {
        bus.publish(m.reply!, encodeControlReply({ v: PROTOCOL_VERSION, ok: false, op: 'list', stream: null, code: 'BUS_ERR_TIMEOUT', msg: 'KV keys carousel_state/*: timed out' }));
      },
    });
    const r = await listStreams(bus, 'carousel', 300);
    expect(r).toEqual({
      workers: 1,
      streams: ['pump-7', 'pump-8'],
      partitions: [0, 3],
      errors: [{ code: 'BUS_ERR_TIMEOUT', msg: 'KV keys carousel_state/*: timed out' }],
    });
  });
});

describe('replay --append: where it starts (appendStart)', () => {
  /** A stand-in worker that answers `inspect` with the given accepted seq per stream. */
  function inspector(bus: InProcTransport, accepted: Record<string, number | null>): void {
    bus.subscribe('carousel.ctl.*', {
      callback: (m) => {
        const d = decodeControlRequest(m.data);
        if (!d.ok || d.value.op !== 'inspect') return;
        const stream = d.value.stream;
        bus.publish(m.reply!, encodeControlReply({ v: PROTOCOL_VERSION, ok: true, op: 'inspect', stream, info: { seq: accepted[stream] ?? null, js: null, n: 0, mv: 0, cfg: {}, err: null, score: null } }));
      },
    });
  }

  test('after the newest seq, whether the worker has accepted it or it is still queued in CAROUSEL_IN', async () => {
    t = new InProcTransport();
    const bus = t;
    await bus.ensureStream({ name: 'CAROUSEL_IN', subjects: ['carousel.p.*.*'] });
    for (let seq = 0; seq < 10; seq++) await bus.jsPublish('carousel.p.3.app-1', encodeSample({ v: 1, stream: 'app-1', seq, x: [seq] }));
    await bus.jsPublish('carousel.p.5.app-10', encodeSample({ v: 1, stream: 'app-10', seq: 99, x: [0] }));
    inspector(bus, { 'app-1': 4, 'app-2': 7 });
    // The worker has accepted 0-4; 5-9 are queued: rows appended from 5 would be dropped as duplicates.
    expect(await appendStart(bus, 'carousel', 'app-1', 1_000)).toEqual({ first: 10, accepted: 4, queued: 9 });
    // Nothing queued (all consumed and the stream's messages gone, or never published): the worker's seq.
    expect(await appendStart(bus, 'carousel', 'app-2', 1_000)).toEqual({ first: 8, accepted: 7, queued: null });
    expect(await appendStart(bus, 'carousel', 'app-3', 1_000)).toEqual({ first: 0, accepted: null, queued: null });
  });

  test('without the input stream it says so and counts the worker\'s seq only', async () => {
    t = new InProcTransport();
    inspector(t, { 'app-1': 4 });
    const a = await appendStart(t, 'carousel', 'app-1', 1_000);
    expect(a).toMatchObject({ first: 5, accepted: 4, queued: null });
    expect(a.warning).toBe('could not read CAROUSEL_IN (BUS_ERR_NOT_FOUND: stream CAROUSEL_IN not found): samples still queued for app-1 are not counted');
  });
});
