import { describe, expect, it } from 'vitest';
import { PROTO_ERR, SeqGuard } from './index.ts';

describe('SeqGuard', () => {
  it('accepts increasing seqs and reports the gap', () => {
    const g = new SeqGuard();
    expect(g.accept('s', 0)).toEqual({ ok: true, gap: 0 });
    expect(g.accept('s', 1)).toEqual({ ok: true, gap: 0 });
    expect(g.accept('s', 5)).toEqual({ ok: true, gap: 3 });
    expect(g.last('s')).toBe(5);
  });

  it('refuses a replay and an out-of-order seq without moving', () => {
    const g = new SeqGuard();
    g.accept('s', 10);
    const replay = g.accept('s', 10);
    const late = g.accept('s', 9);
    expect(replay.ok ? replay : replay.reject).toMatchObject({ code: PROTO_ERR.SEQ, stream: 's', seq: 10 });
    expect(late.ok ? late : late.reject).toMatchObject({ code: PROTO_ERR.SEQ, stream: 's', seq: 9 });
    expect(g.last('s')).toBe(10);
  });

  it('keeps streams apart', () => {
    const g = new SeqGuard();
    g.accept('a', 10);
    expect(g.accept('b', 1).ok).toBe(true);
    expect(g.size).toBe(2);
  });

  it('resumes from a restored checkpoint seq and forgets on passivation', () => {
    const g = new SeqGuard();
    g.restore('s', 42);
    expect(g.accept('s', 42).ok).toBe(false);
    expect(g.accept('s', 43).ok).toBe(true);
    expect(g.forget('s')).toBe(true);
    expect(g.accept('s', 1).ok).toBe(true);
    g.restore('s', null);
    expect(g.last('s')).toBeUndefined();
  });

  it('refuses a bad stream id or seq with their codes', () => {
    const g = new SeqGuard();
    const badStream = g.accept('a.b', 1);
    const badSeq = g.accept('s', -1);
    expect(badStream.ok ? badStream : badStream.reject.code).toBe(PROTO_ERR.STREAM_ID);
    expect(badSeq.ok ? badSeq : badSeq.reject.code).toBe(PROTO_ERR.SCHEMA);
    expect(g.size).toBe(0);
  });
});
