// The worker's entry point: the only place that reads the environment and flags. `runWorker`
// starts a worker and drains it on SIGTERM/SIGINT (exit 0); run directly with
//   node --max-semi-space-size=64 --import tsx services/worker/src/main.ts [--nats-url URL] [--partitions N] ...
// it reads NATS_URL, NATS_CREDS, CAROUSEL_* (see docs/worker.md) and prints a `worker_ready` line.

import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { GroupInput } from './groups.ts';
import { maxSemiSpaceMb, youngGenerationHint } from './node-flags.ts';
import type { WorkerOptionsInput } from './options.ts';
import type { StreamConfig } from './stream-config.ts';
import { Worker } from './worker.ts';

/** Starts a worker and makes SIGTERM/SIGINT drain it and exit 0 (1 when draining fails). */
export async function runWorker(opts: WorkerOptionsInput = {}): Promise<Worker> {
  const worker = new Worker(opts);
  await worker.start();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    worker.log.log('info', 'signal', { signal });
    worker.drain().then(
      () => process.exit(0),
      (e: unknown) => {
        worker.log.log('error', 'drain_failed', { error: e });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const semiSpaceMb = maxSemiSpaceMb(process.execArgv, process.env['NODE_OPTIONS']);
  worker.log.log('info', 'worker_ready', { metricsPort: worker.metricsPort, partitions: worker.options.partitions, semiSpaceMb });
  if (semiSpaceMb === null) worker.log.log('warn', 'young_generation_default', { hint: youngGenerationHint() });
  return worker;
}

/** Environment variable (or flag) -> option. Flags win over the environment. */
const FLAGS = {
  'nats-url': 'NATS_URL',
  'nats-creds': 'NATS_CREDS',
  'nats-user': 'NATS_USER',
  'nats-pass': 'NATS_PASS',
  'nats-token': 'NATS_TOKEN',
  'nats-inbox-prefix': 'NATS_INBOX_PREFIX',
  prefix: 'CAROUSEL_PREFIX',
  partitions: 'CAROUSEL_PARTITIONS',
  'worker-id': 'CAROUSEL_WORKER_ID',
  'metrics-port': 'CAROUSEL_METRICS_PORT',
  'lease-ttl-ms': 'CAROUSEL_LEASE_TTL_MS',
  'heartbeat-ms': 'CAROUSEL_HEARTBEAT_MS',
  'checkpoint-every': 'CAROUSEL_CHECKPOINT_EVERY',
  'checkpoint-every-ms': 'CAROUSEL_CHECKPOINT_EVERY_MS',
  'checkpoint-bytes-per-sec': 'CAROUSEL_CHECKPOINT_BYTES_PER_SEC',
  'max-active': 'CAROUSEL_MAX_ACTIVE',
  'idle-ms': 'CAROUSEL_IDLE_MS',
  'max-mailbox': 'CAROUSEL_MAX_MAILBOX',
  'slice-ms': 'CAROUSEL_SLICE_MS',
  'max-restarts': 'CAROUSEL_MAX_RESTARTS',
  'restart-backoff-ms': 'CAROUSEL_RESTART_BACKOFF_MS',
  'stream-config': 'CAROUSEL_STREAM_CONFIG',
  groups: 'CAROUSEL_GROUPS',
  log: 'CAROUSEL_LOG',
} as const;

/** Worker options from environment variables and command-line flags. */
export function optionsFromEnv(env: NodeJS.ProcessEnv, argv: string[]): WorkerOptionsInput {
  const { values } = parseArgs({ args: argv, options: Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' }])), strict: true });
  const get = (flag: keyof typeof FLAGS): string | undefined => (values[flag] as string | undefined) ?? nonEmpty(env[FLAGS[flag]]);
  const num = (flag: keyof typeof FLAGS): number | undefined => {
    const v = get(flag);
    return v === undefined ? undefined : Number(v);
  };
  const metricsPort = get('metrics-port');
  const streamConfig = get('stream-config');
  const groups = get('groups');
  return {
    natsUrl: get('nats-url'),
    credsFile: get('nats-creds'),
    user: get('nats-user'),
    pass: get('nats-pass'),
    token: get('nats-token'),
    inboxPrefix: get('nats-inbox-prefix'),
    prefix: get('prefix'),
    partitions: num('partitions'),
    workerId: get('worker-id'),
    metricsPort: metricsPort === 'off' ? null : metricsPort === undefined ? undefined : Number(metricsPort),
    leaseTtlMs: num('lease-ttl-ms'),
    heartbeatMs: num('heartbeat-ms'),
    checkpointEverySamples: num('checkpoint-every'),
    checkpointEveryMs: num('checkpoint-every-ms'),
    checkpointBytesPerSec: num('checkpoint-bytes-per-sec'),
    maxActive: num('max-active'),
    idleMs: num('idle-ms'),
    maxMailbox: num('max-mailbox'),
    sliceMs: num('slice-ms'),
    maxRestarts: num('max-restarts'),
    restartBackoffMs: num('restart-backoff-ms'),
    stream: streamConfig === undefined ? undefined : (JSON.parse(streamConfig) as Partial<StreamConfig>),
    groups: groups === undefined ? undefined : (JSON.parse(groups) as GroupInput[]),
    log: get('log') === undefined ? undefined : get('log') !== '0' && get('log') !== 'false',
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWorker(optionsFromEnv(process.env, process.argv.slice(2))).catch((e: unknown) => {
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: 'error', event: 'worker_start_failed', error: String((e as Error)?.message ?? e) })}\n`);
    process.exit(1);
  });
}
