import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InProcTransport } from './inproc-transport.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

async function collect(t: InProcTransport, stream: string, afterSeq: number, n: number): Promise<{ seq: number; data: string }[]> {
  const c = t.consume(stream, { afterSeq });
  const out: { seq: number; data: string }[] = [];
  for await (const m of c) {
    out.push({ seq: m.streamSeq, data: dec(m.data) });
    if (out.length === n) break;
  }
  await c.close();
  return out;
}

describe('InProcTransport with a data folder', () => {
  it('a restarted transport has the same streams, sequence numbers, dedupe ids, KV revisions and blobs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carousel-inproc-'));
    const a = new InProcTransport({ dataDir: dir });
    await a.ensureStream({ name: 'S', subjects: ['s.>'] });
    for (let i = 1; i <= 5; i++) await a.jsPublish('s.x', enc(`m${i}`), { msgId: `id${i}` });
    const kv = await a.ensureKv({ bucket: 'state' });
    const r1 = await kv.put('k', enc('v1'));
    await kv.put('k', enc('v2'));
    await kv.delete('gone');
    const os = await a.ensureObjectStore({ bucket: 'blobs' });
    await os.put('big/one', new Uint8Array(3000).fill(7));
    await a.close();

    const b = new InProcTransport({ dataDir: dir });
    await b.ensureStream({ name: 'S', subjects: ['s.>'] });
    expect(await collect(b, 'S', 2, 3)).toEqual([{ seq: 3, data: 'm3' }, { seq: 4, data: 'm4' }, { seq: 5, data: 'm5' }]);
    expect((await b.jsPublish('s.x', enc('again'), { msgId: 'id2' })).duplicate).toBe(true);
    expect((await b.jsPublish('s.x', enc('m6'), { msgId: 'id6' })).seq).toBe(6);
    const kv2 = await b.ensureKv({ bucket: 'state' });
    const e = await kv2.get('k');
    expect(e && dec(e.value)).toBe('v2');
    await expect(kv2.update('k', enc('stale'), r1)).rejects.toMatchObject({ code: 'BUS_ERR_REVISION' });
    await kv2.update('k', enc('v3'), e!.revision);
    const os2 = await b.ensureObjectStore({ bucket: 'blobs' });
    expect((await os2.get('big/one'))?.length).toBe(3000);
    await b.close();
  });

  it('ignores a torn last line left by a crash mid-write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carousel-inproc-'));
    const a = new InProcTransport({ dataDir: dir });
    await a.ensureStream({ name: 'S', subjects: ['s.>'] });
    await a.jsPublish('s.x', enc('one'));
    await a.close();
    appendFileSync(join(dir, 'streams', 'S.jsonl'), '{"s":2,"j":"s.x","d":"dHdv');
    const b = new InProcTransport({ dataDir: dir });
    await b.ensureStream({ name: 'S', subjects: ['s.>'] });
    expect((await b.streamState('S')).lastSeq).toBe(1);
    await b.jsPublish('s.x', enc('two'));
    await b.close();
    const c = new InProcTransport({ dataDir: dir });
    await c.ensureStream({ name: 'S', subjects: ['s.>'] });
    expect(await collect(c, 'S', 0, 2)).toEqual([{ seq: 1, data: 'one' }, { seq: 2, data: 'two' }]);
    await c.close();
  });
});
