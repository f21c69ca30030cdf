// MemStream's followers (the in-process consumers): a follower whose filter matches few messages
// passes over the others once. Each look starts after the last seq the previous one examined, so
// a partition consumer beside busy partitions costs O(messages) in all, not O(messages) per append
// (which, with 16 partition consumers and a few busy streams, stalled `carousel up --mode inproc`
// at 50 samples/s per stream).

import { describe, expect, it, vi } from 'vitest';
import { MemFollower, MemStream } from './mem-stream.ts';

const config = { name: 'S', subjects: ['>'], maxAgeMs: 0, maxMsgs: -1, maxBytes: -1, duplicateWindowMs: 60_000, maxMsgsPerSubject: -1 };
const data = new Uint8Array([1]);
const tick = () => new Promise<void>((r) => setImmediate(r));

describe('MemFollower', () => {
  it('looks at each non-matching message once, and still yields every matching one in order', async () => {
    const s = new MemStream({ ...config }, () => 0);
    const scan = vi.spyOn(s, 'scan');
    const f = new MemFollower(s, 0, 'p.1.>');
    const it = f[Symbol.asyncIterator]();
    const got: number[] = [];
    const reading = (async () => {
      for (let r = await it.next(); !r.done; r = await it.next()) got.push(r.value.seq);
    })();
    for (let i = 0; i < 200; i++) {
      s.append(i % 50 === 49 ? 'p.1.x' : 'p.2.y', data, {});
      await tick();
    }
    f.close();
    await reading;
    expect(got).toEqual([50, 100, 150, 200]);
    expect(f.clearTo).toBe(200); // a consumer's pending count starts there
    // Each look starts right after the previous one's end, so each message is examined once:
    // the spans looked at add up to the stream's 200 messages, where looking from the last match
    // each time would add up to ~50 per append.
    const looks = scan.mock.calls.map((c, i) => ({ from: c[0], upTo: scan.mock.results[i]!.value.upTo as number }));
    for (let i = 1; i < looks.length; i++) expect(looks[i]!.from).toBe(looks[i - 1]!.upTo + 1);
    expect(looks.reduce((n, l) => n + Math.max(0, l.upTo - l.from + 1), 0)).toBe(200);
  });

  it('scan says how far it looked: to the match, or to the stream\'s last seq', () => {
    const s = new MemStream({ ...config }, () => 0);
    for (const subject of ['a', 'b', 'a', 'a']) s.append(subject, data, {});
    expect(s.scan(1, 'b')).toMatchObject({ msg: { seq: 2 }, upTo: 2 });
    expect(s.scan(3, 'b')).toEqual({ msg: undefined, upTo: 4 });
    expect(s.next(1, 'a')?.seq).toBe(1);
  });
});
