// Maps environment variables and command-line flags onto RunGatewayOptions. Only the entry point
// calls this. The secret comes from the environment or a file, never from a flag (flags show in
// `ps`), and is never printed. NATS credentials (NATS_USER/NATS_PASS/NATS_TOKEN/NATS_CREDS) also
// have flags, as the worker's do; prefer the environment for NATS_PASS / NATS_TOKEN for the same reason.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GW_ERR, GatewayError } from './errors.ts';
import type { LogLevel } from './log.ts';
import type { RunGatewayOptions } from './run.ts';

/** Environment variables read, with what they set. */
export const GATEWAY_ENV = Object.freeze({
  CAROUSEL_GATEWAY_PORT: 'port (flag --port)',
  CAROUSEL_GATEWAY_HOST: 'bind address (flag --host)',
  NATS_URL: 'NATS server URL(s), comma-separated (flag --nats); unset: in-process bus',
  NATS_USER: 'NATS user, with NATS_PASS (flag --nats-user)',
  NATS_PASS: 'NATS password, with NATS_USER (flag --nats-pass)',
  NATS_TOKEN: 'NATS auth token (flag --nats-token)',
  NATS_CREDS: 'NATS credentials file, JWT + nkey seed (flag --nats-creds)',
  NATS_INBOX_PREFIX: 'prefix of the NATS reply inboxes (with secure.conf: _INBOX_gateway) (flag --nats-inbox-prefix)',
  CAROUSEL_GATEWAY_SECRET: 'HS256 secret for JWTs, >= 32 bytes',
  CAROUSEL_GATEWAY_SECRET_FILE: 'file holding the secret (flag --secret-file)',
  CAROUSEL_GATEWAY_STATIC_TOKENS: 'JSON object token -> [stream patterns]',
  CAROUSEL_GATEWAY_AUTH: "'token' (default) or 'none' (local use only) (flag --auth)",
  CAROUSEL_GATEWAY_STATIC_DIR: 'folder served over HTTP (flag --static-dir)',
  CAROUSEL_GATEWAY_MAX_CLIENTS: 'maxClients',
  CAROUSEL_GATEWAY_HEARTBEAT_MS: 'heartbeatMs',
  CAROUSEL_GATEWAY_HISTORY_STREAM: "history stream name; '' disables resume",
  CAROUSEL_GATEWAY_HISTORY_MAX_AGE_MS: 'historyMaxAgeMs',
  CAROUSEL_PREFIX: 'subject prefix',
  CAROUSEL_LOG_LEVEL: 'debug | info | warn | error',
});

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new GatewayError(GW_ERR.OPTIONS, `${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

/** RunGatewayOptions from `env` and `argv` (flags win over env). */
export function gatewayOptionsFromEnv(env: NodeJS.ProcessEnv, argv: string[]): RunGatewayOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, nats: { type: 'string' }, 'secret-file': { type: 'string' },
      auth: { type: 'string' }, 'static-dir': { type: 'string' }, 'log-level': { type: 'string' },
      'nats-user': { type: 'string' }, 'nats-pass': { type: 'string' }, 'nats-token': { type: 'string' }, 'nats-creds': { type: 'string' },
      'nats-inbox-prefix': { type: 'string' },
    },
    strict: true,
  });
  const o: RunGatewayOptions = {};
  o.port = int('port', values.port ?? env['CAROUSEL_GATEWAY_PORT']);
  o.host = values.host ?? env['CAROUSEL_GATEWAY_HOST'];
  o.natsUrl = values.nats ?? env['NATS_URL'] ?? null;
  const natsAuth = (flag: 'nats-user' | 'nats-pass' | 'nats-token' | 'nats-creds' | 'nats-inbox-prefix', name: string): string | undefined => {
    const v = values[flag] ?? env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const natsUser = natsAuth('nats-user', 'NATS_USER');
  const natsPass = natsAuth('nats-pass', 'NATS_PASS');
  const natsToken = natsAuth('nats-token', 'NATS_TOKEN');
  const natsCreds = natsAuth('nats-creds', 'NATS_CREDS');
  const natsInboxPrefix = natsAuth('nats-inbox-prefix', 'NATS_INBOX_PREFIX');
  if (natsUser !== undefined) o.natsUser = natsUser;
  if (natsPass !== undefined) o.natsPass = natsPass;
  if (natsToken !== undefined) o.natsToken = natsToken;
  if (natsCreds !== undefined) o.natsCreds = natsCreds;
  if (natsInboxPrefix !== undefined) o.natsInboxPrefix = natsInboxPrefix;
  const secretFile = values['secret-file'] ?? env['CAROUSEL_GATEWAY_SECRET_FILE'];
  const secret = secretFile !== undefined && secretFile !== '' ? readFileSync(secretFile, 'utf8').trim() : env['CAROUSEL_GATEWAY_SECRET'];
  if (secret !== undefined && secret !== '') o.secret = secret;
  const tokens = env['CAROUSEL_GATEWAY_STATIC_TOKENS'];
  if (tokens !== undefined && tokens !== '') {
    try {
      o.staticTokens = JSON.parse(tokens) as Record<string, string[]>;
    } catch {
      throw new GatewayError(GW_ERR.OPTIONS, 'CAROUSEL_GATEWAY_STATIC_TOKENS must be a JSON object'); // content not echoed
    }
  }
  const auth = values.auth ?? env['CAROUSEL_GATEWAY_AUTH'];
  if (auth !== undefined && auth !== '') o.auth = auth as 'token' | 'none';
  const dir = values['static-dir'] ?? env['CAROUSEL_GATEWAY_STATIC_DIR'];
  if (dir !== undefined) o.staticDir = dir === '' ? null : dir;
  o.maxClients = int('CAROUSEL_GATEWAY_MAX_CLIENTS', env['CAROUSEL_GATEWAY_MAX_CLIENTS']);
  o.heartbeatMs = int('CAROUSEL_GATEWAY_HEARTBEAT_MS', env['CAROUSEL_GATEWAY_HEARTBEAT_MS']);
  o.historyMaxAgeMs = int('CAROUSEL_GATEWAY_HISTORY_MAX_AGE_MS', env['CAROUSEL_GATEWAY_HISTORY_MAX_AGE_MS']);
  if (env['CAROUSEL_GATEWAY_HISTORY_STREAM'] !== undefined) o.historyStream = env['CAROUSEL_GATEWAY_HISTORY_STREAM'];
  if (env['CAROUSEL_PREFIX'] !== undefined && env['CAROUSEL_PREFIX'] !== '') o.prefix = env['CAROUSEL_PREFIX'];
  o.logLevel = (values['log-level'] ?? env['CAROUSEL_LOG_LEVEL'] ?? 'info') as LogLevel;
  return o;
}
