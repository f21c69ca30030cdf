// Shared by the security suites: infra/nats/secure.conf as nats-server would read it (includes
// inlined, since the harness runs a single config file), the test users with their bcrypt hashes,
// and NatsTransports that log in as each service and record their status events.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NatsTransport, type NatsTransportOptions, type TransportStatus } from '@carousel/bus';
import { REPO_ROOT, take as takeWithin, waitFor } from '@carousel/test-suites';

export const INFRA_NATS = path.join(REPO_ROOT, 'infra/nats');

export type Service = 'producer' | 'worker' | 'gateway' | 'admin';

/**
 * Test-only passwords and their bcrypt hashes (cost 10), made once with libxcrypt:
 * perl -e 'print crypt("test-worker-password", q($2b$10$) . "<22 salt chars>")'.
 * The server gets only the hashes, through the environment, exactly as in production.
 */
export const USERS: Readonly<Record<Service, { pass: string; hash: string }>> = {
  producer: { pass: 'test-producer-password', hash: '$2b$10$cUj28Jy7jp5ZBz3eNyStwOhwvlseC1gZjoow9Ht9E/2SPfDnxTq76' },
  worker: { pass: 'test-worker-password', hash: '$2b$10$ggpu231jWhgaInSM4Jf47OpP57RTRUqOO56tgaf6oN/fT8jDgzrLi' },
  gateway: { pass: 'test-gateway-password', hash: '$2b$10$6Rjej9Kfuku2APCDJLcZnu0cY6A8cVKt9KF5Chto3goAnT/x.mEbS' },
  admin: { pass: 'test-admin-password', hash: '$2b$10$bru10ehJhjX6f.lkvJbX0uXf1QA.DLrYa0aScx2Xw6jiE.r10W1p6' },
};

/** The environment variable that carries `service`'s password hash to nats-server. */
export function passVar(service: Service): string {
  return `CAROUSEL_${service.toUpperCase()}_PASS`;
}

/**
 * Sets `vars` in this process's environment (the harness spawns nats-server with it) and returns
 * a function that restores the previous values. nats-server parses an environment value as a
 * config value, so a bcrypt hash (full of `$`) must arrive quoted: docs/security.md says the same.
 */
export function setEnv(vars: Record<string, string>): () => void {
  const before = new Map(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Every user's hash, quoted for nats-server, keyed by its variable. */
export function hashEnv(): Record<string, string> {
  return Object.fromEntries((Object.keys(USERS) as Service[]).map((s) => [passVar(s), JSON.stringify(USERS[s].hash)]));
}

/** `file` (in infra/nats) with each active `include "x"` line replaced by x's text; `enable` uncomments `# include "x"` first. */
export async function readSecureConfig(file = 'secure.conf', enable: string[] = []): Promise<string> {
  let text = await readFile(path.join(INFRA_NATS, file), 'utf8');
  for (const inc of enable) {
    const commented = `# include "${inc}"`;
    if (!text.includes(commented)) throw new Error(`${file} has no '${commented}' line to enable`);
    text = text.replace(commented, `include "${inc}"`);
  }
  const includes = [...text.matchAll(/^include\s+"([^"]+)"\s*$/gm)];
  for (const m of includes) {
    const included = await readFile(path.join(INFRA_NATS, path.dirname(file), m[1]!), 'utf8');
    text = text.replace(m[0], included);
  }
  return text;
}

/** A transport logged in as `service`, with its status events collected in `events`. */
export interface Login {
  t: NatsTransport;
  events: TransportStatus[];
}

/** The reply-inbox prefix accounts.conf lets `service` subscribe to: `_INBOX_<user>`. */
export function inboxPrefix(service: Service): string {
  return `_INBOX_${service}`;
}

/** Logs in as `service` with its own inbox prefix (`extra` overrides either). */
export async function login(servers: string[], service: Service, extra: Partial<NatsTransportOptions> = {}): Promise<Login> {
  const t = await NatsTransport.connect({ servers, name: `sec-${service}`, user: service, pass: USERS[service].pass, inboxPrefix: inboxPrefix(service), ...extra });
  const events: TransportStatus[] = [];
  void (async () => {
    for await (const e of t.status()) events.push(e);
  })();
  return { t, events };
}

/** Deadline of every wait in the security suites, ms; running out fails the test. */
export const WAIT_MS = 10_000;

/** Polls `cond` every 20 ms on a real timer (so I/O runs meanwhile); fails after WAIT_MS. */
export async function eventually(what: string, cond: () => boolean): Promise<void> {
  await waitFor(what, cond, { timeoutMs: WAIT_MS, intervalMs: 20 });
}

/** The next `n` items of `it`; fails if they do not arrive within WAIT_MS. */
export function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  return takeWithin(it, n, WAIT_MS);
}

/** The error `p` rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string; cause?: unknown };
  }
  throw new Error('expected a rejection, but it resolved');
}

/** The nats client's error code behind a BusError (`PERMISSIONS_VIOLATION`, `AUTHORIZATION_VIOLATION`, ...). */
export function natsCode(err: { cause?: unknown }): string | undefined {
  const c = err.cause as { code?: unknown } | string | undefined;
  if (typeof c === 'string') return c;
  return typeof c?.code === 'string' ? c.code : undefined;
}
