// `carousel up`: the whole system on one machine for a first look (DESIGN.md "Embedded default").
// NATS: NATS_URL if set; else a local nats-server with JetStream in the data folder when the
// binary is installed; else everything in this process on the in-process bus, persisted to the
// data folder. Then a worker, the gateway with the dashboard, and the simulator's demo streams.
// Ctrl-C drains in order (simulator, worker with checkpoints, gateway, NATS), so a second
// `carousel up` continues where the first stopped.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcTransport, NatsTransport, type Transport } from '@carousel/bus';
import { defaultStaticDir, runGateway, signToken, type RunningGateway } from '@carousel/gateway';
import { PROTOCOL_VERSION } from '@carousel/protocol';
import { runSimulator } from '@carousel/simulator';
import { Worker, maxSemiSpaceMb, youngGenerationHint } from '@carousel/worker';
import { Option, type Command } from 'commander';
import { control } from './streams.ts';

export interface UpOptions {
  dataDir: string;
  port: number;
  natsPort: number;
  partitions: number;
  sensors: number;
  audio: number;
  plants: number;
  rate: number;
  simulator: boolean;
  mode?: 'auto' | 'nats' | 'inproc';
  /** Resolves to stop everything (tests); Ctrl-C / SIGTERM otherwise. */
  signal?: AbortSignal;
  /** Where the banner goes. */
  print?: (line: string) => void;
}

export interface UpHandle {
  mode: 'external-nats' | 'local-nats' | 'inproc';
  url: string;
  token: string;
  natsUrl: string | null;
  stop(): Promise<void>;
  stopped: Promise<void>;
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run the whole system on this machine: NATS (or in-process), a worker, the gateway + dashboard, demo streams')
    .option('--data-dir <dir>', 'where NATS data, checkpoints and the gateway secret live', '.carousel')
    .option('--port <n>', 'dashboard / WebSocket port', '8080')
    .option('--nats-port <n>', 'port of the local nats-server', '4222')
    .option('--partitions <n>', 'stream partitions', '16')
    .option('--sensors <n>', 'demo sensor streams', '3')
    .option('--audio <n>', 'demo audio-feature streams', '1')
    .option('--plants <n>', 'demo control-plant streams', '1')
    .option('--rate <hz>', 'samples per second per demo stream', '10')
    .option('--no-simulator', 'no demo streams')
    .addOption(new Option('--mode <mode>', 'auto: NATS_URL, else a local nats-server, else in-process').choices(['auto', 'nats', 'inproc']).default('auto'))
    .action(async (o: Record<string, string | boolean>) => {
      const h = await up({
        dataDir: String(o.dataDir),
        port: Number(o.port),
        natsPort: Number(o.natsPort),
        partitions: Number(o.partitions),
        sensors: Number(o.sensors),
        audio: Number(o.audio),
        plants: Number(o.plants),
        rate: Number(o.rate),
        simulator: o.simulator !== false,
        mode: o.mode as UpOptions['mode'],
      });
      await h.stopped;
    });
}

export async function up(o: UpOptions): Promise<UpHandle> {
  const print = o.print ?? ((l: string) => process.stdout.write(l + '\n'));
  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const mapping = { 'carousel.in.*': `carousel.p.{{partition(${o.partitions},1)}}.{{wildcard(1)}}` };

  // 1. NATS
  let mode: UpHandle['mode'];
  let natsUrl: string | null = null;
  let server: ChildProcess | null = null;
  let inproc: InProcTransport | null = null;
  const wanted = o.mode ?? 'auto';
  if (wanted !== 'inproc' && process.env.NATS_URL) {
    mode = 'external-nats';
    natsUrl = process.env.NATS_URL;
    print(`using NATS at ${natsUrl} (NATS_URL); it needs the mapping ${JSON.stringify(mapping)}`);
  } else if (wanted !== 'inproc' && hasBinary('nats-server')) {
    mode = 'local-nats';
    const port = (await portFree(o.natsPort)) ? o.natsPort : await freePort();
    server = startNatsServer(dataDir, port, mapping);
    natsUrl = `nats://127.0.0.1:${port}`;
    await waitForNats(natsUrl, server);
    print(`started nats-server on ${natsUrl}, JetStream data in ${join(dataDir, 'nats')}`);
  } else {
    if (wanted === 'nats') throw new Error('--mode nats: no NATS_URL and no nats-server binary (run bash scripts/setup.sh)');
    mode = 'inproc';
    inproc = new InProcTransport({ dataDir: join(dataDir, 'inproc'), mappings: mapping });
    const why = wanted === 'inproc' ? '--mode inproc' : 'no NATS_URL and no nats-server found';
    print(`${why}: running in one process on the in-process bus, state in ${join(dataDir, 'inproc')}`);
  }

  // 2. worker, 3. gateway, 4. simulator
  const worker = new Worker({
    ...(inproc ? { transport: inproc } : { natsUrl: natsUrl! }),
    partitions: o.partitions,
    workerId: 'up-worker-1',
    metricsPort: 0,
    log: false,
  });
  await worker.start();
  if (maxSemiSpaceMb(process.execArgv, process.env['NODE_OPTIONS']) === null) print(`note: ${youngGenerationHint()}`);
  const secret = gatewaySecret(dataDir);
  const staticDir = ensureDashboard(print);
  const gw: RunningGateway = await runGateway({
    ...(inproc ? { transport: inproc } : { natsUrl }),
    port: o.port,
    host: '127.0.0.1',
    secret,
    staticDir,
    handleSignals: false,
    logLevel: 'warn',
  });
  const token = await signToken({ secret, streams: ['>'], ttlSeconds: 7 * 86400 });
  const url = `http://localhost:${o.port}/#token=${token}`;

  const simAbort = new AbortController();
  let simDone: Promise<unknown> = Promise.resolve();
  let simTransport: Transport | null = null;
  if (o.simulator) {
    simTransport = inproc ?? (await NatsTransport.connect({ servers: [natsUrl!], name: 'carousel-up-simulator' }));
    await demoAlerts(simTransport, worker, o, print);
    simDone = runSimulator({ publisher: simTransport, firstSeq: Date.now() * 1000, sensors: o.sensors, audio: o.audio, plants: o.plants, rate: o.rate, signal: simAbort.signal }).catch((e: unknown) => print(`simulator stopped: ${(e as Error).message}`));
  }
  print('');
  print(`Carousel is up (${mode}). Dashboard: ${url}`);
  print(`token: ${token}`);
  print(`worker metrics: http://localhost:${worker.metricsPort}/metrics   gateway metrics: http://localhost:${o.port}/metrics`);
  print('Ctrl-C stops everything and keeps the state for the next `carousel up`.');

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      print('stopping: simulator, worker (checkpointing), gateway, NATS...');
      simAbort.abort();
      await simDone;
      await worker.drain();
      await gw.stop();
      if (simTransport && simTransport !== inproc) await simTransport.close();
      if (inproc) await inproc.close();
      if (server) await stopProcess(server);
      print('stopped; state kept in ' + dataDir);
      resolveStopped();
    })());
  const onSignal = (): void => void stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  o.signal?.addEventListener('abort', onSignal, { once: true });
  void stopped.then(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  return { mode, url, token, natsUrl, stop, stopped };
}

/**
 * The alert threshold `carousel up` gives its demo sensor streams. The default, 1 − 1e-5, is
 * calibrated on NAB (metrics minutes apart, long anomaly windows). On the demo's sensors (10 Hz,
 * short injected faults) it flags 8 of 197 anomaly windows; 0.999 flags 78 of 197, with 1 false
 * alarm in 100,413 clean samples (`npx tsx bench/worker/demo-detection-probe.ts 20000 4,5,6,7,8,9 5
 * 500 0.999`; 0.998: 101 of 197 and 3). Only the demo streams get it, over the control API.
 */
export const DEMO_ALERT_THRESHOLD = 0.999;

/** Sets the demo sensors' alert threshold (once: a stream that has it already is left as it is). */
async function demoAlerts(t: Transport, worker: Worker, o: UpOptions, print: (l: string) => void): Promise<void> {
  // Control requests need the streams' owner: wait for the worker's leases.
  const deadline = Date.now() + 10_000;
  while (worker.partitions().length < o.partitions && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  try {
    for (let i = 0; i < o.sensors; i++) {
      const stream = `sensor-${i}`;
      const r = await control(t, 'carousel', { v: PROTOCOL_VERSION, op: 'inspect', stream }, 5_000);
      const anomaly = r.ok && r.op === 'inspect' ? (r.info.cfg as { anomaly?: { threshold?: number } }).anomaly : undefined;
      if (anomaly?.threshold === DEMO_ALERT_THRESHOLD) continue;
      const c = await control(t, 'carousel', { v: PROTOCOL_VERSION, op: 'configure', stream, cfg: { anomaly: { threshold: DEMO_ALERT_THRESHOLD } } }, 5_000);
      if (!c.ok) throw new Error(`${c.code}: ${c.msg}`);
    }
  } catch (e) {
    print(`note: the demo streams keep the default alert threshold (${(e as Error).message})`);
  }
}

function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
  });
}

/** A port nothing listens on now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((r, j) => {
    const s = createServer();
    s.once('error', j);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => r(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function startNatsServer(dataDir: string, port: number, mapping: Record<string, string>): ChildProcess {
  const dir = join(dataDir, 'nats');
  mkdirSync(dir, { recursive: true });
  // A nats-server left by a `carousel up` that was killed outright (kill -9) still holds the data
  // folder: stop it first. Its pid is in nats-server.pid.
  const pidFile = join(dataDir, 'nats-server.pid');
  if (existsSync(pidFile)) {
    const old = Number(readFileSync(pidFile, 'utf8'));
    try {
      if (old > 0) process.kill(old, 'SIGTERM');
    } catch {
      // not running any more
    }
  }
  const conf = join(dataDir, 'nats-server.conf');
  const maps = Object.entries(mapping).map(([k, v]) => `  "${k}": "${v}"`).join('\n');
  writeFileSync(conf, `server_name: carousel-up\nlisten: 127.0.0.1:${port}\nmax_payload: 1MB\njetstream {\n  store_dir: "${dir}"\n}\nmappings = {\n${maps}\n}\n`);
  // Its own process group: a terminal's Ctrl-C reaches only us, and we stop NATS last, after the
  // worker has written its checkpoints. If we die without stopping it, the exit hook still does.
  const child = spawn('nats-server', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  child.stderr?.resume();
  if (child.pid) writeFileSync(pidFile, String(child.pid));
  const onExit = (): void => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  return child;
}

async function waitForNats(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
    try {
      const t = await NatsTransport.connect({ servers: [url], name: 'carousel-up-probe' });
      await t.close();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`nats-server at ${url} not ready: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      r();
    });
    child.kill('SIGTERM');
  });
}

/** Where `carousel up` keeps the gateway secret in its data folder (`carousel token` reads it from there too). */
export function gatewaySecretFile(dataDir: string): string {
  return join(dataDir, 'gateway.secret');
}

/** The gateway secret, made once and kept in the data folder (mode 600). */
function gatewaySecret(dataDir: string): string {
  const f = gatewaySecretFile(dataDir);
  if (existsSync(f)) return readFileSync(f, 'utf8').trim();
  const s = randomBytes(32).toString('base64url');
  writeFileSync(f, s + '\n', { mode: 0o600 });
  return s;
}

/** The dashboard bundle, built with vite on first use. */
function ensureDashboard(print: (l: string) => void): string | null {
  const dir = defaultStaticDir() ?? join(REPO, 'services/dashboard/dist');
  if (existsSync(join(dir, 'index.html'))) return dir;
  print('building the dashboard (first run)...');
  const r = spawnSync('npm', ['run', 'build', '-w', '@carousel/dashboard'], { cwd: REPO, stdio: 'ignore' });
  if (r.status !== 0 || !existsSync(join(dir, 'index.html'))) {
    print('could not build the dashboard; the gateway serves the API only');
    return null;
  }
  return dir;
}
