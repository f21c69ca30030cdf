// `carousel token` signs with the secret it is given, or, given none, with the one `carousel up`
// keeps in its data folder: the token verifies against that secret and carries the patterns asked for.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TokenVerifier } from '@carousel/gateway';
import { afterAll, describe, expect, test } from 'vitest';
import { gatewaySecretFile } from './up.ts';

const UP_SECRET = 'the-secret-carousel-up-made-for-the-gateway';
const ENV_SECRET = 'the-secret-from-the-environment-not-the-file';
const BIN = fileURLToPath(new URL('../../bin/carousel.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'carousel-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function token(args: string[], env: Record<string, string> = {}): { status: number | null; out: string; err: string } {
  const base = { ...process.env };
  delete base.CAROUSEL_GATEWAY_SECRET;
  delete base.CAROUSEL_GATEWAY_SECRET_FILE;
  const r = spawnSync(process.execPath, [BIN, 'token', ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...base, ...env } });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr };
}

describe('carousel token', () => {
  test("signs with carousel up's secret from --data-dir when no other is given; the environment's wins; none is one line of error", async () => {
    const data = join(dir, 'up-data');
    const secretFile = gatewaySecretFile(data);
    rmSync(data, { recursive: true, force: true });
    const none = token(['--data-dir', data]);
    expect(none.status).toBe(1);
    expect(none.err.trim()).toBe(`carousel: no secret: set CAROUSEL_GATEWAY_SECRET or --secret-file, or run where carousel up keeps ${secretFile}`);

    mkdirSync(data, { recursive: true });
    writeFileSync(secretFile, `${UP_SECRET}\n`);
    const t = token(['--data-dir', data, '--streams', 'sensor-*,plant-0']);
    expect(t.status, t.err).toBe(0);
    const grant = await new TokenVerifier(UP_SECRET, {}).verify(t.out);
    expect(grant.ok && grant.grant.scope.map((p) => p.source)).toEqual(['sensor-*', 'plant-0']);
    expect((await new TokenVerifier('another-secret-of-at-least-32-bytes', {}).verify(t.out)).ok).toBe(false);

    const env = token(['--data-dir', data], { CAROUSEL_GATEWAY_SECRET: ENV_SECRET });
    expect((await new TokenVerifier(ENV_SECRET, {}).verify(env.out)).ok).toBe(true);
  });
});
