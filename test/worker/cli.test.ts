// The `carousel` command as a user runs it, against a real nats-server and worker. `replay`: a
// NAB-style CSV (a timestamp column, a bad row) is learned with the CSV's timestamps and the bad row
// named; the same replay run again is acknowledged as duplicates and changes nothing; `--append`
// adds the rows after the stream's last seq; a wrong column is one line of error and exit 1.
// `streams configure`: a config the model refuses is WORKER_ERR_CONFIG and exit 1. `tail` with a
// glob: only the streams it names, forecasts as JSON arrays, exactly --count lines. `infer`: the
// forecast from the stream's state, a refused request exit 1.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Transport } from '@carousel/bus';
import { decodePrediction, encodeSample } from '@carousel/protocol';
import { REPO_ROOT, printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { connect, control, startNats, startWorker, waitForSeq, type WorkerProc } from './helpers.ts';

const BIN = path.join(REPO_ROOT, 'packages/cli/bin/carousel.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'carousel-replay-'));
let nats: NatsServer;
let client: Transport;
let worker: WorkerProc;
const predictionTs = new Map<number, number>();
printOutputOnFailure(() => [nats, worker?.proc].filter((x) => x !== undefined));

beforeAll(async () => {
  nats = await startNats();
  client = await connect(nats.url);
  worker = await startWorker(nats.url, 'wreplay');
  client.subscribe('carousel.out.csv-1', { callback: (m) => {
    const d = decodePrediction(m.data);
    if (d.ok && d.value.ts !== undefined) predictionTs.set(d.value.seq, d.value.ts);
  } });
  await client.flush();
});

afterAll(async () => {
  await worker?.proc.close();
  await client?.close();
  await nats?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `carousel <args> --nats-url <the suite's>`: its exit code, stdout and stderr. */
function carousel(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--nats-url', nats.url], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

const replay = (...args: string[]) => carousel('replay', ...args, '--as-fast-as-possible');

async function info(stream: string): Promise<{ seq: number | null; n: number }> {
  const r = await control(client, stream, 'inspect');
  if (!r.ok || r.op !== 'inspect') throw new Error(`inspect failed: ${JSON.stringify(r)}`);
  return { seq: r.info.seq, n: r.info.n };
}

describe('the carousel command against a worker', () => {
  test('replays a NAB-style CSV once, however often it is run; --append adds after it; bad rows and columns are named', async () => {
    const t0 = Date.UTC(2014, 3, 1);
    const rows = Array.from({ length: 40 }, (_, i) => `${new Date(t0 + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')},${(Math.sin(i / 3) * 10).toFixed(3)}`);
    rows[7] = rows[7]!.replace(/,.*$/, ',n/a');
    const csv = path.join(dir, 'nab-like.csv');
    writeFileSync(csv, `timestamp,value\n${rows.join('\n')}\n`);

    const first = await replay(csv, '--stream', 'csv-1');
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain('timestamp column: timestamp; values: value');
    expect(first.err).toContain('done: 39 published, 0 duplicates, 1 skipped, 0 errors; next seq 39');
    expect(first.err).toContain('first skipped row, line 9: column value: "n/a" is not a finite number');
    await waitForSeq(client, 'csv-1', 38);
    expect(await info('csv-1')).toEqual({ seq: 38, n: 39 });
    // The predictions carry the CSV's timestamps: row 9 (seq 8) was 9 rows of 5 minutes after the first.
    expect(predictionTs.get(0)).toBe(t0);
    expect(predictionTs.get(8)).toBe(t0 + 9 * 300_000);

    const again = await replay(csv, '--stream', 'csv-1');
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain('done: 0 published, 39 duplicates, 1 skipped, 0 errors');
    expect(again.err).toContain('use --append or --first-seq');

    const appended = await replay(csv, '--stream', 'csv-1', '--append');
    expect(appended.code, appended.err).toBe(0);
    expect(appended.err).toContain('appending to csv-1 from seq 39');
    expect(appended.err).toContain('done: 39 published, 0 duplicates, 1 skipped, 0 errors; next seq 78');
    await waitForSeq(client, 'csv-1', 77);
    expect(await info('csv-1')).toEqual({ seq: 77, n: 78 });

    // A control loop's question from the shell: the forecast now, from that state.
    const now = await carousel('infer', 'csv-1', '--x', '0.5');
    expect(now.code, now.err).toBe(0);
    const f = JSON.parse(now.out) as { ok: boolean; seq: number; f: unknown };
    expect(f).toMatchObject({ ok: true, seq: 77 });
    expect(Array.isArray(f.f) && f.f.length === 1 && Number.isFinite(f.f[0])).toBe(true);
    const wrongDim = await carousel('infer', 'csv-1', '--x', '0.5,1');
    expect(wrongDim.code).toBe(1);
    expect(JSON.parse(wrongDim.out)).toMatchObject({ ok: false, code: 'WORKER_ERR_DIMENSION' });

    const wrong = await replay(csv, '--stream', 'csv-2', '--value-columns', 'temperature');
    expect(wrong.code).toBe(1);
    expect(wrong.err.trim()).toBe('carousel: value column temperature not in header (timestamp, value)');
  });

  test('streams configure: a config the model refuses is answered WORKER_ERR_CONFIG and the command exits 1; a good one exits 0', async () => {
    const bad = await carousel('streams', 'configure', 'csv-3', '{"model":{"hidden":-3}}');
    expect(bad.code, bad.err).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ ok: false, op: 'configure', code: 'WORKER_ERR_CONFIG' });
    const good = await carousel('streams', 'configure', 'csv-3', '{"model":{"hidden":6}}');
    expect(good.code, good.err).toBe(0);
    expect(JSON.parse(good.out)).toMatchObject({ ok: true, op: 'configure', mv: 1 });
  });

  test("tail 'tail-*' --json --count 3: three lines, each a prediction of a matching stream with its forecast as an array", async () => {
    const tail = carousel('tail', 'tail-*', '--json', '--count', '3');
    let exited = false;
    void tail.then(() => (exited = true));
    // Publish to a matching and a non-matching stream until tail has its three lines.
    for (let seq = 0; !exited && seq < 400; seq++) {
      for (const stream of ['other-1', 'tail-a']) await client.jsPublish(`carousel.in.${stream}`, encodeSample({ v: 1, stream, seq, x: [Math.sin(seq)] }));
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await tail;
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; stream: string; f: unknown });
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(l).toMatchObject({ type: 'prediction', stream: 'tail-a' });
      expect(Array.isArray(l.f) && l.f.length === 1 && typeof l.f[0] === 'number').toBe(true);
    }
    const bad = await carousel('tail', 'tail.a');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^carousel: invalid stream pattern "tail.a"/);
    const zero = await carousel('tail', '>', '--count', '0');
    expect([zero.code, zero.err.trim()]).toEqual([1, 'carousel: --count must be a positive integer, got 0']);
  });
});

