// The `carousel` executable itself (bin/carousel.mjs), run the way npm's bin link runs it: through
// its shebang, so that the worker's node flags (WORKER_NODE_FLAGS) reach the process that runs
// `carousel up` and `carousel worker`.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { WORKER_NODE_FLAGS, maxSemiSpaceMb } from '@carousel/worker';
import { buildProgram, describeFailure } from './main.ts';

const BIN = fileURLToPath(new URL('../bin/carousel.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'carousel-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/carousel.mjs', () => {
  test("names the worker's node flags in its shebang", () => {
    const shebang = readFileSync(BIN, 'utf8').split('\n')[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${WORKER_NODE_FLAGS.join(' ')}`);
  });

  test('runs as an executable, and the node it starts has those flags', () => {
    // A preload (NODE_OPTIONS --require, before the command's own code) reports the process's flags.
    const preload = join(dir, 'flags.cjs');
    writeFileSync(preload, 'process.stderr.write("execArgv=" + JSON.stringify(process.execArgv) + "\\n");\n');
    const r = spawnSync(BIN, ['--help'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_OPTIONS: `--require ${preload}` } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: carousel /m);
    const v = spawnSync(BIN, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    expect(v.stdout.trim()).toBe((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);
    const execArgv = JSON.parse(/^execArgv=(.*)$/m.exec(r.stderr)![1]!) as string[];
    for (const flag of WORKER_NODE_FLAGS) expect(execArgv).toContain(flag);
    expect(maxSemiSpaceMb(execArgv, undefined)).toBe(64);
  });

  test('reports a failing command as one line with its message and exits 1; the stack only with CAROUSEL_DEBUG', () => {
    const csv = join(dir, 'no-such-column.csv');
    writeFileSync(csv, 'a,b\n1,2\n');
    // replay connects first: to a port nothing listens on, so it fails before reading the file.
    const args = ['replay', csv, '--stream', 's', '--nats-url', 'nats://127.0.0.1:1'];
    const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^carousel: \S/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const d = spawnSync(BIN, args, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CAROUSEL_DEBUG: '1' } });
    expect(d.status).toBe(1);
    expect(d.stderr).toMatch(/^\s+at /m);
  });

  test('describeFailure puts an error\'s stable code before its message unless the message names it', () => {
    const coded = Object.assign(new Error('seq 3 is not after 5'), { code: 'PROTO_ERR_SEQ' });
    expect(describeFailure(coded)).toBe('carousel: PROTO_ERR_SEQ: seq 3 is not after 5');
    expect(describeFailure(Object.assign(new Error('PROTO_ERR_SEQ: seq 3'), { code: 'PROTO_ERR_SEQ' }))).toBe('carousel: PROTO_ERR_SEQ: seq 3');
    expect(describeFailure('plain')).toBe('carousel: plain');
    expect(describeFailure(new RangeError('bad'), true)).toMatch(/^carousel: bad\nRangeError: bad\n\s+at /);
  });

  test('every command that talks to NATS takes the same connection flags (--nats-url and the credentials)', () => {
    const program = buildProgram();
    const networked = ['worker', 'gateway', 'simulate', 'replay', 'tail', 'infer', 'streams list', 'streams inspect', 'streams configure', 'streams reset', 'streams snapshot'];
    for (const path of networked) {
      let cmd = program;
      for (const name of path.split(' ')) cmd = cmd.commands.find((c) => c.name() === name)!;
      const flags = cmd.options.map((o) => o.long);
      expect(flags, path).toEqual(expect.arrayContaining(['--nats-url', '--nats-user', '--nats-pass', '--nats-token', '--nats-creds', '--nats-inbox-prefix']));
    }
  });
});

