import { describe, expect, it } from 'vitest';
import { createSubjects, parseOptions, partitionOf, STREAM_SUBJECT_KINDS } from './index.ts';

describe('subjects - default prefix', () => {
  const s = createSubjects();

  it('builds every subject and name in DESIGN.md', () => {
    expect(s.in('s1')).toBe('carousel.in.s1');
    expect(s.partitioned(3, 's1')).toBe('carousel.p.3.s1');
    expect(s.out('s1')).toBe('carousel.out.s1');
    expect(s.alert('s1')).toBe('carousel.alert.s1');
    expect(s.reject('s1')).toBe('carousel.reject.s1');
    expect(s.infer('s1')).toBe('carousel.infer.s1');
    expect(s.ctl('s1')).toBe('carousel.ctl.s1');
    expect(s.ctl()).toBe('carousel.ctl');
    expect(s.kvBucket).toBe('carousel_state');
    expect(s.blobsBucket).toBe('carousel_blobs');
    expect(s.groupIn('pumps', 'pump-7')).toBe('carousel.g.pumps.pump-7');
    expect(() => s.groupIn('a.b', 'pump-7')).toThrow(/PROTO_ERR_STREAM_ID: group id must be one token/);
    expect(() => s.groupIn('pumps', 'x y')).toThrow(/PROTO_ERR_STREAM_ID: stream id must be one token/);
    expect(s.jsStream).toBe('CAROUSEL_IN');
    expect(s.partitionsAll).toBe('carousel.p.*.*');
    expect(s.partitionFilter(5)).toBe('carousel.p.5.*');
    expect(s.all('out')).toBe('carousel.out.*');
    expect(s.mapping).toEqual({ source: 'carousel.in.*', destination: 'carousel.p.{{partition(8,1)}}.{{wildcard(1)}}' });
  });

  it('puts a stream on the partition nats-server maps it to', () => {
    expect(s.p('pump-7')).toBe(`carousel.p.${partitionOf('pump-7', 8)}.pump-7`);
  });

  it('round-trips every per-stream subject through parse', () => {
    for (const kind of STREAM_SUBJECT_KINDS) {
      const subject = s[kind]('Stream_1-a');
      expect(s.parse(subject)).toEqual({ kind, stream: 'Stream_1-a' });
    }
    expect(s.parse(s.partitioned(7, 'x'))).toEqual({ kind: 'p', partition: 7, stream: 'x' });
    expect(s.parse(s.ctl())).toEqual({ kind: 'ctl', stream: null });
  });

  it('parses nothing that is not a Carousel subject', () => {
    for (const bad of [
      'carousel', 'carousel.', 'other.in.s1', 'carousel.in', 'carousel.in.', 'carousel.in.a.b', 'carousel.in.*', 'carousel.in.>',
      'carousel.nope.s1', 'carousel.p.8.s1', 'carousel.p.01.s1', 'carousel.p.-1.s1', 'carousel.p.x.s1', 'carousel.p.1', 'carousel.out.a b',
      `carousel.out.${'a'.repeat(129)}`, 'carousel.in.s1.', 'carouselx.in.s1',
    ]) {
      expect(s.parse(bad), bad).toBeNull();
    }
  });

  it('refuses to build subjects for bad stream ids', () => {
    for (const bad of ['', 'a.b', '*', '>', 'a b', 'a'.repeat(129), 'ü']) {
      expect(() => s.in(bad), bad).toThrow(/PROTO_ERR_STREAM_ID/);
      expect(() => s.p(bad), bad).toThrow(/PROTO_ERR_STREAM_ID/);
    }
    expect(() => s.partitionFilter(-1)).toThrow(/PROTO_ERR_SUBJECT/);
  });
});

describe('subjects - configured prefix', () => {
  const s = createSubjects(parseOptions({ prefix: 'acme.car-1', partitions: 3 }));

  it('uses the prefix everywhere and flattens it for KV and JetStream names', () => {
    expect(s.in('s1')).toBe('acme.car-1.in.s1');
    expect(s.kvBucket).toBe('acme_car-1_state');
    expect(s.blobsBucket).toBe('acme_car-1_blobs');
    expect(s.jsStream).toBe('ACME_CAR-1_IN');
    expect(s.mapping.destination).toBe('acme.car-1.p.{{partition(3,1)}}.{{wildcard(1)}}');
  });

  it('parses under its own prefix only', () => {
    expect(s.parse('acme.car-1.p.2.s1')).toEqual({ kind: 'p', partition: 2, stream: 's1' });
    expect(s.parse('acme.car-1.p.3.s1')).toBeNull();
    expect(s.parse('carousel.in.s1')).toBeNull();
  });
});
