import { describe, expect, test } from 'vitest';
import { signToken, TokenVerifier } from './auth.ts';

const SECRET = 'unit-secret-unit-secret-unit-secret-32';

describe('token verifier - JWTs and static tokens', () => {
  test('a signed token grants its streams until exp', async () => {
    const v = new TokenVerifier(SECRET, {});
    const r = await v.verify(await signToken({ secret: SECRET, streams: ['a-*', 'b'], ttlSeconds: 60, now: () => 1_000_000 }));
    expect(r.ok).toBe(false); // signed at t=1000 s, long expired by the real clock
    const v2 = new TokenVerifier(SECRET, {}, () => 1_030_000);
    const ok = await v2.verify(await signToken({ secret: SECRET, streams: ['a-*', 'b'], ttlSeconds: 60, now: () => 1_000_000 }));
    expect(ok.ok && ok.grant.scope.map((p) => p.source)).toEqual(['a-*', 'b']);
    expect(ok.ok && ok.grant.expiresAt).toBe(1_060_000);
  });

  test('expired, foreign, malformed and claim-less tokens are refused with their codes', async () => {
    const v = new TokenVerifier(SECRET, {}, () => 2_000_000);
    const expired = await signToken({ secret: SECRET, streams: ['x'], ttlSeconds: 10, now: () => 1_000_000 });
    expect(await v.verify(expired)).toMatchObject({ ok: false, code: 'GW_ERR_TOKEN_EXPIRED' });
    const foreign = await signToken({ secret: `${SECRET}-other`, streams: ['x'], now: () => 2_000_000 });
    expect(await v.verify(foreign)).toMatchObject({ ok: false, code: 'GW_ERR_AUTH' });
    expect(await v.verify('a.b.c')).toMatchObject({ ok: false, code: 'GW_ERR_AUTH' });
    expect(await v.verify('')).toMatchObject({ ok: false, code: 'GW_ERR_AUTH' });
    expect(await v.verify(42)).toMatchObject({ ok: false, code: 'GW_ERR_AUTH' });
  });

  test('refusals never echo the token', async () => {
    const v = new TokenVerifier(SECRET, {});
    const r = await v.verify('secret-looking-token-value');
    expect(!r.ok && r.message).not.toContain('secret-looking');
  });

  test('static tokens grant their patterns and never expire', async () => {
    const v = new TokenVerifier(null, { 'static-token-abcdefgh': ['pump-*'] });
    expect(await v.verify('static-token-abcdefgh')).toMatchObject({ ok: true, grant: { expiresAt: null } });
    expect(await v.verify('static-token-abcdefgX')).toMatchObject({ ok: false, code: 'GW_ERR_AUTH' });
  });
});
