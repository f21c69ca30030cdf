// The checkpoint body codec keeps a processor bit-exact: restoring it and continuing gives the
// same weights and outputs as never stopping.

import { describe, expect, test } from 'vitest';
import { packBody, unpackBody } from './checkpoint.ts';
import { parseStreamConfig } from './stream-config.ts';
import { StreamProcessor } from './stream-processor.ts';

const cfg = parseStreamConfig({ model: { hidden: 8, seed: 7 } });

function feed(p: StreamProcessor, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(p.process(i, [Math.sin(i / 5), Math.cos(i / 7)]).forecast[0]![0]!);
  return out;
}

describe('checkpoint body', () => {
  test('round-trips a processor snapshot bit-exactly (typed arrays included)', () => {
    const a = new StreamProcessor(cfg, 2);
    feed(a, 0, 50);
    const snap = a.snapshot();
    const back = unpackBody(packBody({ v: 1, cfg: null, n: 50, proc: snap })).proc!;
    expect(back.model).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back.model).equals(Buffer.from(snap.model))).toBe(true);
    expect(back.lastForecast).toBeInstanceOf(Float64Array);
    expect(Array.from(back.lastForecast!)).toEqual(Array.from(snap.lastForecast!));
    expect(back.stats).toEqual(snap.stats);
  });

  test('a restored processor continues exactly like the original', () => {
    const a = new StreamProcessor(cfg, 2);
    feed(a, 0, 40);
    const b = new StreamProcessor(cfg, 2, unpackBody(packBody({ v: 1, cfg: null, n: 40, proc: a.snapshot() })).proc!);
    const ya = feed(a, 40, 80);
    const yb = feed(b, 40, 80);
    expect(yb).toEqual(ya);
    expect(Buffer.from(b.snapshot().model).equals(Buffer.from(a.snapshot().model))).toBe(true);
  });
});
