import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSample } from '@carousel/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimulator } from './main.ts';
import { plant } from './plant.ts';
import { MemoryPublisher, virtualClock, type Publisher } from './publisher.ts';
import { replayCsv } from './replay.ts';
import { sensors } from './sensors.ts';
import { Simulator } from './simulator.ts';

/** The decoded Sample; fails the test on a reject. */
function sampleOf(data: Uint8Array) {
  const r = decodeSample(data);
  if (!r.ok) throw new Error(`sample rejected: ${r.reject.code}`);
  return r.value;
}

const dir = mkdtempSync(join(tmpdir(), 'carousel-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Simulator - publishing through a Publisher', () => {
  it('publishes each stream as Samples on <prefix>.in.<stream>, with msg ids <stream>:<seq>, paced by the clock', async () => {
    const pub = new MemoryPublisher();
    const clock = virtualClock(1_000_000);
    const sim = new Simulator({ publisher: pub, sensors: 2, audio: 1, plants: 1, rate: 5, count: 20, seed: 3, clock });
    sim.start();
    expect(sim.streamIds).toEqual(['sensor-0', 'sensor-1', 'audio-0', 'plant-0']);
    await sim.closed();
    expect(sim.stats).toEqual({ published: 80, errors: 0, retries: 0 });
    expect(pub.messages).toHaveLength(80);
    for (const id of sim.streamIds) {
      const mine = pub.messages.filter((m) => m.subject === `carousel.in.${id}`);
      expect(mine).toHaveLength(20);
      mine.forEach((m, seq) => {
        const s = sampleOf(m.data);
        expect(m.msgId).toBe(`${id}:${seq}`);
        expect(s.stream).toBe(id);
        expect(s.seq).toBe(seq);
        expect(s.ts).toBe(1_000_000 + seq * 200); // 5 samples/s
      });
    }
    // 20 samples at 5/s: the last one is due 3.8 s after the start.
    expect(clock.t).toBe(1_000_000 + 3800);
  });

  it('publishes the generators\' own vectors: plant-0 carries plant(seed) and sensor-0 sensors(seed)', async () => {
    const pub = new MemoryPublisher();
    const sim = new Simulator({ publisher: pub, sensors: 1, plants: 1, rate: Infinity, count: 50, seed: 4, anomalyRate: 0.01, clock: virtualClock() });
    sim.start();
    await sim.closed();
    const xs = (id: string): number[][] => pub.messages.filter((m) => m.subject.endsWith(id)).map((m) => [...sampleOf(m.data).x]);
    expect(xs('plant-0')).toEqual([...plant({ seed: 4 * 3001, count: 50 })].map((p) => p.x));
    expect(xs('sensor-0')).toEqual([...sensors({ seed: 4 * 1009, count: 50, anomalyRate: 0.01, periodMs: 1 })].map((p) => p.x));
  });

  it('retries a failed publish with the same msg id and counts what it gave up on', async () => {
    const ids: string[] = [];
    let calls = 0;
    const flaky: Publisher = {
      publish: async (_s, _d, o) => {
        calls++;
        ids.push(o?.msgId ?? '');
        if (calls % 2 === 1) throw new Error('transient');
      },
    };
    const sim = new Simulator({ publisher: flaky, sensors: 1, plants: 0, rate: Infinity, count: 3, clock: virtualClock() });
    sim.start();
    await sim.closed();
    expect(sim.stats).toEqual({ published: 3, errors: 0, retries: 3 });
    expect(ids).toEqual(['sensor-0:0', 'sensor-0:0', 'sensor-0:1', 'sensor-0:1', 'sensor-0:2', 'sensor-0:2']);
    const failing: Publisher = { publish: () => { throw new Error('down'); } };
    const errors: number[] = [];
    const s2 = new Simulator({ publisher: failing, sensors: 1, plants: 0, rate: Infinity, count: 2, attempts: 2, clock: virtualClock(), onError: (_e, _id, seq) => errors.push(seq) });
    s2.start();
    await s2.closed();
    expect(s2.stats).toEqual({ published: 0, errors: 2, retries: 2 });
    expect(errors).toEqual([0, 1]);
  });

  it('drain stops an unbounded simulator after what it has published, and runSimulator returns the counters on abort', async () => {
    const pub = new MemoryPublisher();
    const sim = new Simulator({ publisher: pub, rate: Infinity, clock: virtualClock() });
    sim.start();
    await new Promise((r) => setImmediate(r));
    await sim.drain();
    const n = pub.messages.length;
    expect(n).toBeGreaterThan(0);
    expect(sim.stats.published).toBe(n);
    await new Promise((r) => setImmediate(r));
    expect(pub.messages).toHaveLength(n);

    const ac = new AbortController();
    const p2 = new MemoryPublisher();
    const run = runSimulator({ publisher: p2, rate: Infinity, clock: virtualClock(), signal: ac.signal });
    await new Promise((r) => setImmediate(r));
    ac.abort();
    const stats = await run;
    expect(stats.published).toBe(p2.messages.length);
    expect(stats.errors).toBe(0);
  });

  it('stops at durationMs of clock time', async () => {
    const pub = new MemoryPublisher();
    await runSimulator({ publisher: pub, sensors: 1, plants: 1, rate: 10, durationMs: 1000, clock: virtualClock() });
    expect(pub.messages).toHaveLength(20); // 10 per stream in [0, 1000) ms
  });
});

describe('replayCsv', () => {
  const path = join(dir, 'data.csv');
  writeFileSync(path, 'timestamp,value,other\n2014-04-01 00:00:00,1.5,10\n2014-04-01 00:05:00,2.5,20\n2014-04-01 00:10:00,oops,30\n2014-04-01 00:15:00,"4",40\n');

  it('publishes the numeric rows as Samples with the CSV timestamps, skipping rows that do not parse and saying why', async () => {
    const pub = new MemoryPublisher();
    const progress: number[] = [];
    const r = await replayCsv(path, {
      stream: 'nab-1', publisher: pub, asFastAsPossible: true, timestampColumn: 'timestamp', valueColumns: ['value'], progressEvery: 2,
      onProgress: (p) => progress.push(p.published),
    });
    expect(r).toEqual({
      published: 3, duplicates: 0, skipped: 1, errors: 0, nextSeq: 3,
      firstSkip: { line: 4, reason: 'column value: "oops" is not a finite number' },
      columns: { timestamp: 'timestamp', values: ['value'] },
    });
    expect(progress).toEqual([2, 3, 3]);
    const s = pub.messages.map((m) => ({ subject: m.subject, id: m.msgId, ...sampleOf(m.data) }));
    expect(s.map((m) => m.subject)).toEqual(['carousel.in.nab-1', 'carousel.in.nab-1', 'carousel.in.nab-1']);
    expect(s.map((m) => m.id)).toEqual(['nab-1:0', 'nab-1:1', 'nab-1:2']);
    expect(s.map((m) => [...m.x])).toEqual([[1.5], [2.5], [4]]);
    expect(s[1].ts).toBe(Date.UTC(2014, 3, 1, 0, 5));
  });

  it('takes a column named timestamp as the timestamp unless told otherwise, uses every other column, and paces rows at the rate', async () => {
    const pub = new MemoryPublisher();
    const clock = virtualClock(0);
    const r = await replayCsv(path, { stream: 's', publisher: pub, rate: 4, clock });
    expect(r.columns).toEqual({ timestamp: 'timestamp', values: ['value', 'other'] });
    expect(pub.messages.map((m) => [...sampleOf(m.data).x])).toEqual([[1.5, 10], [2.5, 20], [4, 40]]);
    expect(sampleOf(pub.messages[0].data).ts).toBe(Date.UTC(2014, 3, 1));
    expect(clock.t).toBe(500); // rows due at 0, 250 and 500 ms
    // timestampColumn null: no timestamp column, so the dates are values and every row is skipped, with the reason.
    const none = await replayCsv(path, { stream: 's', publisher: new MemoryPublisher(), asFastAsPossible: true, timestampColumn: null });
    expect(none).toMatchObject({ published: 0, skipped: 4, columns: { timestamp: null, values: ['timestamp', 'value', 'other'] } });
    expect(none.firstSkip).toEqual({ line: 2, reason: 'column timestamp: "2014-04-01 00:00:00" is not a finite number' });
    await expect(replayCsv(path, { stream: 's', publisher: pub, timestampColumn: 'when' })).rejects.toThrow(/timestamp column when not in header/);
  });

  it('reads RFC 4180 CSV (a BOM, CRLF, quoted fields with commas) and reports a wrong field count and a bad date', async () => {
    const p2 = join(dir, 'quoted.csv');
    writeFileSync(p2, '\uFEFF"Time","a, b",c\r\n1700000000000,"1,5",2\r\n1700000000100,"3",4\r\n1700000000200,5\r\nyesterday,6,7\r\n');
    const pub = new MemoryPublisher();
    const r = await replayCsv(p2, { stream: 'q', publisher: pub, asFastAsPossible: true, valueColumns: ['c'] });
    expect(r).toMatchObject({ published: 2, skipped: 2, columns: { timestamp: 'Time', values: ['c'] }, firstSkip: { line: 4, reason: '2 fields, the header has 3' } });
    expect(pub.messages.map((m) => [sampleOf(m.data).ts, ...sampleOf(m.data).x])).toEqual([[1700000000000, 2], [1700000000100, 4]]);
    writeFileSync(p2, 'ts,v\nyesterday,1\n');
    expect((await replayCsv(p2, { stream: 'q', publisher: new MemoryPublisher(), asFastAsPossible: true })).firstSkip).toEqual({ line: 2, reason: 'timestamp column ts: "yesterday" is not a date or epoch ms' });
  });

  it('with an acknowledging publisher, counts duplicates apart, records the first failure, starts at firstSeq and keeps at most maxInFlight publishes open', async () => {
    let open = 0;
    let most = 0;
    const ids: string[] = [];
    const acking: Publisher = {
      publish: async (_subject, _data, opts) => {
        ids.push(opts!.msgId!);
        open++;
        most = Math.max(most, open);
        await new Promise((resolve) => setTimeout(resolve, 1));
        open--;
        if (opts!.msgId === 's:11') throw new Error('no stream ack');
        return { stream: 'S', seq: 1, duplicate: opts!.msgId === 's:10' };
      },
    };
    const r = await replayCsv(path, { stream: 's', publisher: acking, asFastAsPossible: true, firstSeq: 10, maxInFlight: 2 });
    expect(ids).toEqual(['s:10', 's:11', 's:12']);
    expect(r).toMatchObject({ published: 1, duplicates: 1, errors: 1, skipped: 1, nextSeq: 13, firstError: { line: 3, reason: 'no stream ack' } });
    expect(most).toBe(2);
    await expect(replayCsv(path, { stream: 's', publisher: acking, firstSeq: -1 })).rejects.toThrow(/first seq/);
  });
});
