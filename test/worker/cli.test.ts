// The `carousel` command as a user runs it, against a real nats-server and worker. `replay`: a
// NAB-style CSV (a timestamp column, a bad row) is learned with the CSV's timestamps and the bad row
// named; the same replay run again is acknowledged as duplicates and changes nothing; `--append`
// adds the rows after the stream's last seq, also one still queued for the worker; a wrong column is
// one line of error and exit 1; `--group` feeds a model group's member.
// `streams configure`: a config the model refuses is WORKER_ERR_CONFIG and exit 1. `streams delete`:
// the stream leaves the list and the state bucket, and comes back anew with a sample. `tail` with a
// glob: only the streams it names, forecasts as JSON arrays, exactly --count lines; `--only reject`:
// the refused samples with their codes. `infer`: the
// forecast from the stream's state, a refused request exit 1. Warm start: `model upload` and
// `streams configure --warm` with a model trained by `model run`.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  // With a model group, for replay --group.
  worker = await startWorker(nats.url, 'wreplay', { CAROUSEL_GROUPS: JSON.stringify([{ name: 'grp', pattern: 'grp-*' }]) });
  client.subscribe('carousel.out.csv-1', { callback: (m) => {
    const d = decodePrediction(m.data);
    if (d.ok && d.value.ts !== undefined) predictionTs.set(d.value.seq, d.value.ts);
  } });
  await client.flush();
});

/** `carousel` children still running (a test that timed out leaves its `tail` waiting for lines): killed after the suite. */
const running = new Set<ChildProcess>();

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await worker?.proc.close();
  await client?.close();
  await nats?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `carousel <args> --nats-url <the suite's>`: its exit code, stdout and stderr. */
function carousel(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return offline(...args, '--nats-url', nats.url);
}

/** `carousel <args>`, for commands that do not connect (model run). */
function offline(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
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

  test('replay --append right after a replay starts after every row published, also those still queued for the worker: none is dropped as a duplicate', async () => {
    const csv = path.join(dir, 'burst.csv');
    writeFileSync(csv, `value\n${Array.from({ length: 300 }, (_, i) => Math.sin(i / 7).toFixed(4)).join('\n')}\n`);
    const first = await replay(csv, '--stream', 'csv-q');
    expect(first.code, first.err).toBe(0);
    // No wait for the worker: whatever it has accepted by now, the append starts at 300.
    const appended = await replay(csv, '--stream', 'csv-q', '--append');
    expect(appended.code, appended.err).toBe(0);
    expect(appended.err).toMatch(/appending to csv-q from seq 300 \(the worker has accepted (none|\d+); the newest queued is 299\)/);
    expect(appended.err).toContain('done: 300 published, 0 duplicates, 0 skipped, 0 errors; next seq 600');
    await waitForSeq(client, 'csv-q', 599);
    expect(await info('csv-q')).toEqual({ seq: 599, n: 600 });
  });

  test('replay --group feeds a model group\'s member on its group subject; --append continues after it', async () => {
    const csv = path.join(dir, 'member.csv');
    writeFileSync(csv, `value\n${Array.from({ length: 30 }, (_, i) => Math.cos(i / 5).toFixed(4)).join('\n')}\n`);
    const first = await replay(csv, '--stream', 'grp-1', '--group', 'grp');
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain('done: 30 published, 0 duplicates, 0 skipped, 0 errors; next seq 30');
    const appended = await replay(csv, '--stream', 'grp-1', '--group', 'grp', '--append');
    expect(appended.code, appended.err).toBe(0);
    expect(appended.err).toMatch(/appending to grp-1 from seq 30 \(the worker has accepted (none|\d+); the newest queued is 29\)/);
    expect(appended.err).toContain('done: 30 published, 0 duplicates, 0 skipped, 0 errors; next seq 60');
    await waitForSeq(client, 'grp-1', 59);
    expect(await info('grp-1')).toEqual({ seq: 59, n: 60 });
    const bad = await replay(csv, '--stream', 'grp-1', '--group', 'g.x');
    expect([bad.code, bad.err.trim()]).toEqual([1, 'carousel: PROTO_ERR_STREAM_ID: group id must be one token [A-Za-z0-9_-]{1,128}, got "g.x"']);
  });

  test('streams configure: a config the model refuses is answered WORKER_ERR_CONFIG and the command exits 1; a good one exits 0', async () => {
    const bad = await carousel('streams', 'configure', 'csv-3', '{"model":{"hidden":-3}}');
    expect(bad.code, bad.err).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ ok: false, op: 'configure', code: 'WORKER_ERR_CONFIG' });
    const unseen = await carousel('streams', 'inspect', 'csv-3');
    expect(unseen.code, unseen.err).toBe(0);
    expect(unseen.err).toContain('note: no sample, checkpoint or configure of csv-3 yet');
    const good = await carousel('streams', 'configure', 'csv-3', '{"model":{"hidden":6}}');
    expect(good.code, good.err).toBe(0);
    expect(JSON.parse(good.out)).toMatchObject({ ok: true, op: 'configure', mv: 1 });
    const seen = await carousel('streams', 'inspect', 'csv-3');
    expect([seen.code, seen.err]).toEqual([0, '']);
  });

  test('streams delete: the stream leaves streams list, its checkpoint goes from the state bucket, and a later sample starts it anew', async () => {
    expect((await carousel('streams', 'configure', 'del-1', '{"model":{"hidden":5},"horizon":2}')).code).toBe(0);
    for (let i = 0; i < 5; i++) await client.jsPublish('carousel.in.del-1', encodeSample({ v: 1, stream: 'del-1', seq: i, x: [i, -i] }), { msgId: `del-1-a-${i}` });
    await waitForSeq(client, 'del-1', 4);
    expect((await control(client, 'del-1', 'snapshot')).ok).toBe(true);
    const kv = await client.kv('carousel_state');
    expect(await kv.get('del-1')).not.toBeNull();
    const listed = async (): Promise<string[]> => (JSON.parse((await carousel('streams', 'list', '--timeout', '700')).out) as { streams: string[] }).streams;
    expect(await listed()).toContain('del-1');

    const del = await carousel('streams', 'delete', 'del-1');
    expect(del.code, del.err).toBe(0);
    expect(JSON.parse(del.out)).toMatchObject({ ok: true, op: 'delete', stream: 'del-1', mv: 2 });
    // Several at once: a reply each, in order; one refused (a group's member) makes it exit 1.
    const many = await carousel('streams', 'delete', 'del-2', 'grp-x');
    expect(many.code).toBe(1);
    expect(JSON.parse(many.out)).toMatchObject([{ ok: true, op: 'delete', stream: 'del-2' }, { ok: false, op: 'delete', stream: 'grp-x', code: 'WORKER_ERR_CONFIG' }]);
    expect(await kv.get('del-1')).toBeNull();
    expect(await listed()).not.toContain('del-1');
    expect(await info('del-1')).toEqual({ seq: null, n: 0 });

    // A later sample: a new stream under the worker's default config (horizon 1), seq from 0 again.
    await client.jsPublish('carousel.in.del-1', encodeSample({ v: 1, stream: 'del-1', seq: 0, x: [1, 2, 3] }), { msgId: 'del-1-b-0' });
    await waitForSeq(client, 'del-1', 0);
    const again = JSON.parse((await carousel('streams', 'inspect', 'del-1')).out) as { info: { n: number; cfg: { horizon: number } } };
    expect([again.info.n, again.info.cfg.horizon]).toEqual([1, 1]);
    expect(await listed()).toContain('del-1');
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

  test("tail 'rej-*' --only reject: the samples the worker refused, with their code, and nothing else", async () => {
    const tail = carousel('tail', 'rej-*', '--only', 'reject', '--json', '--count', '2');
    let exited = false;
    void tail.then(() => (exited = true));
    for (let seq = 0; !exited && seq < 400; seq++) {
      await client.jsPublish('carousel.in.rej-a', encodeSample({ v: 1, stream: 'rej-a', seq, x: [Math.sin(seq)] }));
      // Two features where the stream has one; and a refused sample of a stream the pattern leaves out.
      await client.jsPublish('carousel.in.rej-a', encodeSample({ v: 1, stream: 'rej-a', seq: seq + 1, x: [1, 2] }));
      await client.jsPublish('carousel.in.other-2', encodeSample({ v: 1, stream: 'other-2', seq, x: [1, 2, 3].slice(0, 1 + (seq % 2)) }));
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await tail;
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; stream: string; code: string });
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatchObject({ type: 'reject', stream: 'rej-a', code: 'PROTO_ERR_DIMENSION' });
    const bad = await carousel('tail', '--only', 'predictions');
    expect([bad.code, bad.err.trim()]).toEqual([1, 'carousel: --only takes prediction, alert, reject; got "predictions"']);
  });
});


describe('warm start from the command line', () => {
  test('a model trained offline (model run --save .safetensors) is uploaded and configured with --warm: the stream forecasts what the offline model does', async () => {
    const rows = Array.from({ length: 80 }, (_, i) => `${Math.sin(i / 4).toFixed(4)},${Math.cos(i / 9).toFixed(4)}`);
    writeFileSync(path.join(dir, 'train.csv'), `a,b\n${rows.join('\n')}\n`);
    writeFileSync(path.join(dir, 'opts.json'), JSON.stringify({ cell: 'vanilla', hidden: 5, seed: 7 }));
    const weights = path.join(dir, 'pump warm.safetensors');
    const train = await offline('model', 'run', '--model', path.join(dir, 'opts.json'), '--input', path.join(dir, 'train.csv'), '--train', '--forecast', '--save', weights, '--out', path.join(dir, 'train-out.csv'));
    expect(train.code, train.err).toBe(0);
    // The offline model's forecast for the first row, from a fresh state (inference only).
    const ref = await offline('model', 'run', '--model', weights, '--input', path.join(dir, 'train.csv'), '--out', path.join(dir, 'ref.csv'));
    expect(ref.code, ref.err).toBe(0);
    const [, first] = readFileSync(path.join(dir, 'ref.csv'), 'utf8').trim().split('\n');
    const want = first!.split(',').slice(1, 3).map(Number);

    const cfg = await carousel('streams', 'configure', 'warm-1', '{"normalize":false}', '--warm', weights);
    expect(cfg.code, cfg.err).toBe(0);
    expect(JSON.parse(cfg.out)).toMatchObject({ ok: true, op: 'configure' });
    const obj = /uploaded .* as (pump-warm-[0-9a-f]{12}) \(vanilla, 2 inputs, hidden 5\)/.exec(cfg.err)?.[1];
    expect(obj, cfg.err).toBeDefined();
    const ins = await control(client, 'warm-1', 'inspect');
    expect(ins.ok && ins.op === 'inspect' && ins.info.cfg.model).toMatchObject({ cell: 'vanilla', hidden: 5 });

    const got = new Promise<number[]>((resolve) => {
      const sub = client.subscribe('carousel.out.warm-1', { callback: (m) => {
        const d = decodePrediction(m.data);
        if (d.ok) resolve(Array.from(d.value.f as Float64Array));
        sub.close();
      } });
    });
    await client.flush();
    await client.jsPublish('carousel.in.warm-1', encodeSample({ v: 1, stream: 'warm-1', seq: 0, x: rows[0]!.split(',').map(Number) }));
    const f = await got;
    expect(f).toHaveLength(2);
    for (let k = 0; k < 2; k++) expect(f[k]).toBeCloseTo(want[k]!, 12);

    // The same bytes upload to the same object; `model upload` says where they are.
    const again = await carousel('model', 'upload', weights);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ obj, format: 'safetensors', bucket: 'carousel_blobs', cell: 'vanilla', inputs: 2, hidden: [5], outputs: 2 });
    expect(again.err).toContain(`carousel streams configure <stream> '{"warm":{"obj":"${obj}","format":"safetensors"}}'`);
  });

  test('weights a worker would refuse are refused before anything is stored; a stream of another dimension refuses the warm start', async () => {
    // Two inputs, one output: not a forecaster of its own inputs.
    const rows = Array.from({ length: 20 }, (_, i) => `${Math.sin(i)},${Math.cos(i)},${Math.sin(i + 1)}`);
    writeFileSync(path.join(dir, 'reg.csv'), `a,b,y\n${rows.join('\n')}\n`);
    writeFileSync(path.join(dir, 'reg-opts.json'), JSON.stringify({ cell: 'vanilla', hidden: 3 }));
    const reg = path.join(dir, 'regressor.json');
    const made = await offline('model', 'run', '--model', path.join(dir, 'reg-opts.json'), '--input', path.join(dir, 'reg.csv'), '--targets', 'y', '--save', reg, '--out', path.join(dir, 'reg-out.csv'));
    expect(made.code, made.err).toBe(0);
    const refused = await carousel('model', 'upload', reg, '--name', 'regressor');
    expect([refused.code, refused.err.trim()]).toEqual([1, 'carousel: WORKER_ERR_DIMENSION: a forecasting model needs inputs = outputs, got 2 and 1']);
    writeFileSync(path.join(dir, 'junk.safetensors'), 'not a safetensors file');
    const junk = await carousel('model', 'upload', path.join(dir, 'junk.safetensors'), '--name', 'junk');
    expect(junk.code).toBe(1);
    expect(junk.err).toMatch(/^carousel: WORKER_ERR_CONFIG: warm start object .*junk\.safetensors: /);
    const blobs = await client.objectStore('carousel_blobs');
    expect(await blobs.get('regressor')).toBeNull();
    expect(await blobs.get('junk')).toBeNull();

    // A stream with one feature cannot take a two-input model: the worker says so and nothing changes.
    await client.jsPublish('carousel.in.warm-dim', encodeSample({ v: 1, stream: 'warm-dim', seq: 0, x: [0.5] }));
    await waitForSeq(client, 'warm-dim', 0);
    const before = await control(client, 'warm-dim', 'inspect');
    const dim = await carousel('streams', 'configure', 'warm-dim', '--warm', path.join(dir, 'pump warm.safetensors'));
    expect(dim.code).toBe(1);
    expect(JSON.parse(dim.out)).toMatchObject({ ok: false, op: 'configure', code: 'WORKER_ERR_DIMENSION' });
    expect(await control(client, 'warm-dim', 'inspect')).toEqual(before);
    const none = await carousel('streams', 'configure', 'warm-dim');
    expect([none.code, none.err.trim()]).toEqual([1, 'carousel: configure needs a config (JSON) or --warm <file>']);
  });
});
