// `carousel streams list` gathers every worker's reply to `list`: the streams and partitions of
// those that could list, and, under `errors`, the code of each that could not (ok: false), so a
// short list says why. Two stand-in workers on an in-process transport.

import { afterEach, describe, expect, test } from 'vitest';
import { InProcTransport } from '@carousel/bus';
import { PROTOCOL_VERSION, decodeControlRequest, encodeControlReply } from '@carousel/protocol';
import { listStreams } from './streams.ts';

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
