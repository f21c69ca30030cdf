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
    const execArgv = JSON.parse(/^execArgv=(.*)$/m.exec(r.stderr)![1]!) as string[];
    for (const flag of WORKER_NODE_FLAGS) expect(execArgv).toContain(flag);
    expect(maxSemiSpaceMb(execArgv, undefined)).toBe(64);
  });
});
