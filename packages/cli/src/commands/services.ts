// `carousel worker | gateway | simulate | replay`: each service on its own, configured by flags or
// environment variables (flags win); `--help` lists every option, its variable and its default.
// The services' own option parsers stay authoritative: flags are handed to them as environment.

import { DEFAULT_INBOX_PREFIX } from '@carousel/bus';
import { GATEWAY_ENV, defaultGatewayOptions, gatewayOptionsFromEnv, runGateway } from '@carousel/gateway';
import { createRegistry, simulatorMetrics, startMetricsServer } from '@carousel/metrics';
import { TIMESTAMP_COLUMN_NAMES, replayCsv, runSimulator, type ReplayProgress } from '@carousel/simulator';
import { defaultWorkerOptions, optionsFromEnv, runWorker } from '@carousel/worker';
import { SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import { connectNats, natsOptions, withNats, type NatsFlags } from './connect.ts';
import { appendStart } from './streams.ts';

/** [flag, environment variable, description, default shown in --help] */
type Row = readonly [string, string, string, string | undefined];

function worker(): Row[] {
  const d = defaultWorkerOptions();
  return [
    ['nats-url', 'NATS_URL', 'NATS server URL(s), comma separated', d.natsUrl],
    ['nats-creds', 'NATS_CREDS', 'NATS credentials file', undefined],
    ['nats-user', 'NATS_USER', 'NATS user', undefined],
    ['nats-pass', 'NATS_PASS', 'NATS password', undefined],
    ['nats-token', 'NATS_TOKEN', 'NATS token', undefined],
    ['nats-inbox-prefix', 'NATS_INBOX_PREFIX', 'prefix of the NATS reply inboxes (with secure.conf: _INBOX_worker)', DEFAULT_INBOX_PREFIX],
    ['prefix', 'CAROUSEL_PREFIX', 'subject prefix', d.prefix],
    ['partitions', 'CAROUSEL_PARTITIONS', 'partition count (must match the nats-server mapping)', String(d.partitions)],
    ['worker-id', 'CAROUSEL_WORKER_ID', 'unique id of this worker', 'host-pid-random'],
    ['metrics-port', 'CAROUSEL_METRICS_PORT', "port of /metrics, /healthz, /readyz ('off' for none)", String(d.metricsPort)],
    ['lease-ttl-ms', 'CAROUSEL_LEASE_TTL_MS', 'partition lease time, ms', String(d.leaseTtlMs)],
    ['heartbeat-ms', 'CAROUSEL_HEARTBEAT_MS', 'lease renewal period, ms', String(d.heartbeatMs)],
    ['checkpoint-every', 'CAROUSEL_CHECKPOINT_EVERY', 'checkpoint a stream every N samples', String(d.checkpointEverySamples)],
    ['checkpoint-every-ms', 'CAROUSEL_CHECKPOINT_EVERY_MS', 'or when this long has passed, ms', String(d.checkpointEveryMs)],
    ['checkpoint-bytes-per-sec', 'CAROUSEL_CHECKPOINT_BYTES_PER_SEC', 'byte budget of those periodic checkpoints, bytes/s (0: no limit)', String(d.checkpointBytesPerSec)],
    ['max-active', 'CAROUSEL_MAX_ACTIVE', 'streams held in memory at once (least recently used passivate)', String(d.maxActive)],
    ['idle-ms', 'CAROUSEL_IDLE_MS', 'passivate a stream idle this long, ms (0: never)', String(d.idleMs)],
    ['max-mailbox', 'CAROUSEL_MAX_MAILBOX', 'samples queued per stream', String(d.maxMailbox)],
    ['slice-ms', 'CAROUSEL_SLICE_MS', 'actor turns run back to back for at most this long (or 16 turns) before I/O is served, ms (0: turns only)', String(d.sliceMs)],
    ['max-restarts', 'CAROUSEL_MAX_RESTARTS', 'failed activations a stream retries before it stops and its partition is replayed', String(d.maxRestarts)],
    ['restart-backoff-ms', 'CAROUSEL_RESTART_BACKOFF_MS', 'first delay of those retries, ms (doubling, at most 30 s)', String(d.restartBackoffMs)],
    ['stream-config', 'CAROUSEL_STREAM_CONFIG', 'default stream config, JSON (model, horizon, normalize, anomaly...)', undefined],
    ['log', 'CAROUSEL_LOG', "JSON log lines: 'on' or 'off'", 'on'],
  ];
}

function gateway(): Row[] {
  const d = defaultGatewayOptions();
  return [
    ['port', 'CAROUSEL_GATEWAY_PORT', GATEWAY_ENV.CAROUSEL_GATEWAY_PORT, String(d.port)],
    ['host', 'CAROUSEL_GATEWAY_HOST', GATEWAY_ENV.CAROUSEL_GATEWAY_HOST, d.host],
    ['nats-url', 'NATS_URL', GATEWAY_ENV.NATS_URL, undefined],
    ['nats-user', 'NATS_USER', GATEWAY_ENV.NATS_USER, undefined],
    ['nats-pass', 'NATS_PASS', GATEWAY_ENV.NATS_PASS, undefined],
    ['nats-token', 'NATS_TOKEN', GATEWAY_ENV.NATS_TOKEN, undefined],
    ['nats-creds', 'NATS_CREDS', GATEWAY_ENV.NATS_CREDS, undefined],
    ['nats-inbox-prefix', 'NATS_INBOX_PREFIX', GATEWAY_ENV.NATS_INBOX_PREFIX, DEFAULT_INBOX_PREFIX],
    ['secret-file', 'CAROUSEL_GATEWAY_SECRET_FILE', 'file holding the HS256 secret (or $CAROUSEL_GATEWAY_SECRET)', undefined],
    ['auth', 'CAROUSEL_GATEWAY_AUTH', GATEWAY_ENV.CAROUSEL_GATEWAY_AUTH, d.auth],
    ['static-dir', 'CAROUSEL_GATEWAY_STATIC_DIR', GATEWAY_ENV.CAROUSEL_GATEWAY_STATIC_DIR, d.staticDir ?? undefined],
    ['log-level', 'CAROUSEL_LOG_LEVEL', GATEWAY_ENV.CAROUSEL_LOG_LEVEL, 'info'],
  ];
}

function addRows(cmd: Command, rows: Row[]): Command {
  for (const [flag, env, text, shown] of rows) {
    const description = text.replace(/ \(flag --[a-z-]+\)/, '');
    cmd.addOption(new Option(`--${flag} <value>`, shown === undefined ? description : `${description} (default: ${shown})`).env(env));
  }
  return cmd;
}

/** The flags given, as the environment variables the service reads (flags win over the real environment). */
function asEnv(rows: Row[], opts: Record<string, unknown>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [flag, name] of rows) {
    const key = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const v = opts[key];
    if (typeof v === 'string') env[name] = v;
  }
  return env;
}

export function registerServices(program: Command): void {
  const w = addRows(program.command('worker').description('run a worker: owns partitions of streams, one online LSTM per stream'), worker());
  w.action(async (o: Record<string, unknown>) => {
    await runWorker(optionsFromEnv(asEnv(worker(), o), []));
  });

  const g = addRows(program.command('gateway').description('run the gateway: WebSocket fan-out of predictions and alerts, and the dashboard'), gateway());
  g.action(async (o: Record<string, unknown>) => {
    await runGateway(gatewayOptionsFromEnv(asEnv(gateway(), o), []));
  });

  natsOptions(program.command('simulate').description('publish demo streams (sensors, audio features, a control plant) with ground truth'))
    .option('--sensors <n>', 'sensor streams (sensor-<i>)', '3')
    .option('--audio <n>', 'audio-feature streams (audio-<i>)', '1')
    .option('--plants <n>', 'control-plant streams (plant-<i>)', '1')
    .option('--rate <hz>', "samples per second per stream ('max' = as fast as possible)", '10')
    .option('--count <n>', 'samples per stream, then stop (default: unbounded)')
    .option('--seed <n>', 'seed', '1')
    .option('--anomaly-rate <p>', 'sensor anomalies per sample', '0.002')
    .addOption(new Option('--metrics-port <n>', "port of /metrics, /healthz, /readyz ('off' for none)").env('CAROUSEL_METRICS_PORT').default('off'))
    .action(async (o: NatsFlags & Record<string, string>) => {
      const t = await connectNats(o, 'carousel-simulator');
      const registry = createRegistry({ service: 'simulator' });
      const metrics = simulatorMetrics(registry);
      const server = o.metricsPort === 'off' ? null : await startMetricsServer({ port: Number(o.metricsPort), registry, health: () => ({ status: 'ok' }), ready: () => true });
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      process.once('SIGTERM', () => ac.abort());
      const stats = await runSimulator({
        publisher: t,
        prefix: o.prefix,
        sensors: Number(o.sensors),
        audio: Number(o.audio),
        plants: Number(o.plants),
        rate: o.rate === 'max' ? Infinity : Number(o.rate),
        seed: Number(o.seed),
        anomalyRate: Number(o.anomalyRate),
        ...(o.count !== undefined ? { count: Number(o.count) } : {}),
        onPublish: (stream) => metrics.samples.inc({ kind: stream.slice(0, stream.indexOf('-')) }),
        signal: ac.signal,
      });
      process.stderr.write(`published ${stats.published} samples (${stats.errors} errors, ${stats.retries} retries)\n`);
      await server?.close();
      await t.close();
    });

  natsOptions(program.command('replay <csv>').description('stream a CSV into Carousel, one sample per row'))
    .requiredOption('--stream <id>', 'stream id ([A-Za-z0-9_-]{1,128})')
    .option('--rate <rows>', 'rows per second', '10')
    .option('--as-fast-as-possible', 'no pacing')
    .option('--timestamp-column <c>', `column with the timestamp, epoch ms or a date (default: a column named ${TIMESTAMP_COLUMN_NAMES.join(', ')})`)
    .option('--no-timestamp-column', 'no timestamp column: samples carry the publish time')
    .option('--value-columns <a,b>', 'columns making the feature vector (default: every other column)')
    .option('--first-seq <n>', 'seq of the first row (a replay run again with the same seqs is applied once)', '0')
    .option('--group <name>', "the stream is a member of this model group: publish on <prefix>.g.<group>.<stream>")
    .option('--append', "start after the stream's newest seq: the last its worker has accepted (control API) or the newest still queued for it in the input stream")
    .option('--timeout <ms>', 'wait this long for an ack, or for the worker with --append, ms', '5000')
    .action(async (csv: string, o: NatsFlags & { stream: string; rate: string; asFastAsPossible?: boolean; timestampColumn?: string | false; valueColumns?: string; firstSeq: string; append?: boolean; group?: string; timeout: string }) => {
      await withNats(o, 'carousel-replay', async (t) => {
        const timeout = Number(o.timeout);
        let firstSeq = Number(o.firstSeq);
        if (o.append) {
          const a = await appendStart(t, o.prefix, o.stream, timeout, o.group);
          if (a.warning !== undefined) process.stderr.write(`warning: ${a.warning}\n`);
          firstSeq = a.first;
          process.stderr.write(`appending to ${o.stream} from seq ${firstSeq} (the worker has accepted ${a.accepted ?? 'none'}; the newest queued is ${a.queued ?? 'none'})\n`);
        }
        const bar = process.stderr.isTTY ? new SingleBar({ format: 'replay {bar} {value} rows | {duplicates} duplicates | {skipped} skipped | {errors} errors', hideCursor: true }) : null;
        bar?.start(0, 0, { duplicates: 0, skipped: 0, errors: 0 });
        let announced = false;
        const p = await replayCsv(csv, {
          stream: o.stream,
          ...(o.group === undefined ? {} : { group: o.group }),
          // JetStream publishes, acknowledged: a row that did not reach the stream is an error, and
          // one the stream already holds (the same stream:seq id) a duplicate.
          publisher: { publish: (subject, data, opts) => t.jsPublish(subject, data, { ...(opts?.msgId === undefined ? {} : { msgId: opts.msgId }), timeout }) },
          prefix: o.prefix,
          rate: Number(o.rate),
          asFastAsPossible: o.asFastAsPossible === true,
          ...(o.timestampColumn === false ? { timestampColumn: null } : o.timestampColumn === undefined ? {} : { timestampColumn: o.timestampColumn }),
          ...(o.valueColumns ? { valueColumns: o.valueColumns.split(',').map((s) => s.trim()) } : {}),
          firstSeq,
          progressEvery: bar ? 100 : 1000,
          onProgress: (q) => {
            if (!announced && q.columns) {
              announced = true;
              const ts = q.columns.timestamp === null ? 'none (publish time)' : q.columns.timestamp;
              process.stderr.write(`timestamp column: ${ts}; values: ${q.columns.values.join(', ')}\n`);
            }
            const rows = q.published + q.duplicates + q.skipped + q.errors;
            if (bar) {
              bar.setTotal(Math.max(rows, 1));
              bar.update(rows, { duplicates: q.duplicates, skipped: q.skipped, errors: q.errors });
            } else process.stderr.write(`replayed ${rows} rows: ${q.published} published, ${q.duplicates} duplicates, ${q.skipped} skipped, ${q.errors} errors\n`);
          },
        });
        bar?.stop();
        process.stderr.write(replaySummary(p) + '\n');
        if (p.errors > 0 || p.published + p.duplicates === 0) process.exitCode = 1;
      });
    });
}

/** The end of a replay, in words: the counts, the next seq, and the first skipped row and failed publish, if any. */
export function replaySummary(p: ReplayProgress): string {
  const lines = [`done: ${p.published} published, ${p.duplicates} duplicates, ${p.skipped} skipped, ${p.errors} errors; next seq ${p.nextSeq}`];
  if (p.duplicates > 0) lines.push(`duplicates: the stream already held messages with these stream:seq ids (a replay run again); use --append or --first-seq to add rows after them`);
  if (p.firstSkip) lines.push(`first skipped row, line ${p.firstSkip.line}: ${p.firstSkip.reason}`);
  if (p.firstError) lines.push(`first failed publish, line ${p.firstError.line}: ${p.firstError.reason}`);
  return lines.join('\n');
}
