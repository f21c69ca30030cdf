// Token checks: HS256 JWTs signed with the gateway secret (jose), carrying `exp` and a `streams`
// claim of stream patterns, or static tokens from configuration. Also signToken for the CLI.
// Tokens and secrets are never logged or put in an error message: failures say only why.

import { createHash, timingSafeEqual } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { GW_ERR, GatewayError } from './errors.ts';
import type { GatewayErrorCode } from './errors.ts';
import { compilePattern } from './glob.ts';
import type { StreamPattern } from './glob.ts';

/** Longest token accepted, characters (anything longer is refused unread). */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/** What a valid token grants. */
export interface Grant {
  /** Patterns of the streams the holder may read. */
  readonly scope: readonly StreamPattern[];
  /** Expiry, ms since the epoch; null for static tokens (they do not expire). */
  readonly expiresAt: number | null;
}

export type AuthResult = { readonly ok: true; readonly grant: Grant } | { readonly ok: false; readonly code: GatewayErrorCode; readonly message: string };

export interface SignTokenOptions {
  /** The gateway's HS256 secret (at least 32 bytes). */
  secret: string;
  /** Stream patterns the token may read (e.g. ['sensor-*']). */
  streams: readonly string[];
  /** Lifetime in seconds (default 3600). */
  ttlSeconds?: number;
  /** Optional `sub` claim: who the token is for (shown in logs). */
  subject?: string;
  /** Clock, ms since the epoch (default Date.now). */
  now?: () => number;
}

/** Signs an HS256 JWT with `exp` and a `streams` claim, for the CLI and tests. */
export async function signToken(opts: SignTokenOptions): Promise<string> {
  if (typeof opts.secret !== 'string' || Buffer.byteLength(opts.secret) < 32) throw new GatewayError(GW_ERR.OPTIONS, 'secret must be at least 32 bytes');
  if (!Array.isArray(opts.streams) || opts.streams.length === 0) throw new GatewayError(GW_ERR.OPTIONS, 'streams must list at least one pattern');
  for (const p of opts.streams) if (compilePattern(p) === null) throw new GatewayError(GW_ERR.OPTIONS, `invalid stream pattern ${JSON.stringify(p)}`);
  const ttl = opts.ttlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 1) throw new GatewayError(GW_ERR.OPTIONS, 'ttlSeconds must be a positive integer');
  const iat = Math.floor((opts.now ?? Date.now)() / 1000);
  const jwt = new SignJWT({ streams: [...opts.streams] }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(iat).setExpirationTime(iat + ttl);
  if (opts.subject !== undefined) jwt.setSubject(opts.subject);
  return jwt.sign(new TextEncoder().encode(opts.secret));
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Verifies tokens against one gateway's secret and static tokens. */
export class TokenVerifier {
  readonly #key: Uint8Array | null;
  // Static tokens by digest: lookups compare digests in constant time, never the tokens themselves.
  readonly #static: { digest: Buffer; scope: readonly StreamPattern[] }[];
  readonly #now: () => number;

  constructor(secret: string | null, staticTokens: Readonly<Record<string, readonly string[]>>, now: () => number = Date.now) {
    this.#key = secret === null ? null : new TextEncoder().encode(secret);
    this.#static = Object.entries(staticTokens).map(([token, patterns]) => ({ digest: sha256(token), scope: patterns.map((p) => compilePattern(p)!) }));
    this.#now = now;
  }

  /** Checks `token`. Never throws. */
  async verify(token: unknown): Promise<AuthResult> {
    if (typeof token !== 'string' || token.length === 0) return refuse(GW_ERR.AUTH, 'token missing');
    if (token.length > MAX_TOKEN_LENGTH) return refuse(GW_ERR.AUTH, 'token too long');
    const digest = sha256(token);
    for (const s of this.#static) if (timingSafeEqual(s.digest, digest)) return { ok: true, grant: { scope: s.scope, expiresAt: null } };
    if (this.#key === null || token.split('.').length !== 3) return refuse(GW_ERR.AUTH, 'unknown token');
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
        currentDate: new Date(this.#now()),
      });
      const streams = payload['streams'];
      if (!Array.isArray(streams) || streams.length === 0) return refuse(GW_ERR.AUTH, 'token has no streams claim');
      const scope: StreamPattern[] = [];
      for (const s of streams) {
        const p = compilePattern(s);
        if (p === null) return refuse(GW_ERR.AUTH, 'token streams claim holds an invalid pattern');
        scope.push(p);
      }
      return { ok: true, grant: { scope, expiresAt: (payload.exp as number) * 1000 } };
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) return refuse(GW_ERR.TOKEN_EXPIRED, 'token expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed) return refuse(GW_ERR.AUTH, `token claim check failed (${e.claim})`);
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) return refuse(GW_ERR.AUTH, 'token signature invalid');
      return refuse(GW_ERR.AUTH, 'token malformed');
    }
  }
}

function refuse(code: GatewayErrorCode, message: string): AuthResult {
  return { ok: false, code, message };
}
