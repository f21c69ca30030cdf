// A real nats-server for tests: free ports, a temporary storage folder, a generated (or
// substituted) config file, readiness by polling the monitoring /healthz endpoint, kill -9 and
// restart on the same ports and storage, and cleanup by close() or `await using`.

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Child, type ExitInfo } from './child.ts';
import { generateNatsConfig, rewriteNatsConfig, type NatsEndpoints } from './nats-config.ts';
import { OutputLog, type HasOutput } from './output.ts';
import { freePorts } from './ports.ts';
import { httpGet, httpJson, waitFor } from './wait.ts';

export const NATS_SERVER_MISSING = 'nats-server not found: run `bash scripts/setup.sh` (installs Debian package nats-server)';

/** Milliseconds to wait for a server to report healthy (default). */
export const DEFAULT_NATS_READY_TIMEOUT_MS = 20_000;

/** The nats-server binary: $NATS_SERVER_BIN, else the first `nats-server` on PATH or in /usr/bin, /usr/sbin. */
export function findNatsServer(): string {
  const fromEnv = process.env.NATS_SERVER_BIN;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`${NATS_SERVER_MISSING} (NATS_SERVER_BIN=${fromEnv} does not exist)`);
  }
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const d of dirs) {
    const p = path.join(d, 'nats-server');
    if (d !== '' && existsSync(p)) return p;
  }
  throw new Error(NATS_SERVER_MISSING);
}

export interface NatsServerOptions {
  /** server_name (default 'carousel-test'). */
  serverName?: string;
  /** Enable JetStream (`-js` and a store_dir; default true). */
  jetstream?: boolean;
  /**
   * A checked-in config to use instead of a generated one; its `port`, `http_port`, `store_dir`
   * (and cluster `listen`/`routes`) are replaced with this run's values.
   */
  configText?: string;
  /** Text appended to a generated config (mappings, limits). */
  extraConfig?: string;
  /** Fixed ports (the cluster helper passes them); default: free ports. Storage is always a new temp folder. */
  endpoints?: Omit<NatsEndpoints, 'storeDir'>;
  /** Cluster name for generated cluster configs. */
  clusterName?: string;
  /** Readiness deadline, ms (default DEFAULT_NATS_READY_TIMEOUT_MS). */
  readyTimeoutMs?: number;
  /** Wait for /healthz before resolving (default true; the cluster helper waits itself). */
  waitReady?: boolean;
}

export class NatsServer implements HasOutput, AsyncDisposable {
  readonly log: OutputLog;
  #child: Child | undefined;
  #closed = false;

  private constructor(
    readonly name: string,
    readonly endpoints: NatsEndpoints,
    /** The config file written for this server (in its temp folder). */
    readonly configFile: string,
    /** The temp folder holding config and storage; removed by close(). */
    readonly dir: string,
    private readonly bin: string,
    private readonly jetstream: boolean,
    private readonly readyTimeoutMs: number,
  ) {
    this.log = new OutputLog(`nats ${name}`);
  }

  /** Starts a server (and waits for /healthz unless `waitReady: false`). */
  static async start(opts: NatsServerOptions = {}): Promise<NatsServer> {
    const bin = findNatsServer();
    const name = opts.serverName ?? 'carousel-test';
    const jetstream = opts.jetstream ?? true;
    const dir = await mkdtemp(path.join(tmpdir(), `carousel-nats-${name}-`));
    const storeDir = path.join(dir, 'jetstream');
    let ep: NatsEndpoints;
    if (opts.endpoints === undefined) {
      const [port, monitorPort] = await freePorts(2);
      ep = { port: port!, monitorPort: monitorPort!, storeDir };
    } else {
      ep = { ...opts.endpoints, storeDir };
    }
    const config =
      opts.configText !== undefined
        ? rewriteNatsConfig(opts.configText, ep)
        : generateNatsConfig(ep, { serverName: name, jetstream, clusterName: opts.clusterName, extra: opts.extraConfig });
    const configFile = path.join(dir, 'nats.conf');
    await writeFile(configFile, config);
    const server = new NatsServer(name, ep, configFile, dir, bin, jetstream, opts.readyTimeoutMs ?? DEFAULT_NATS_READY_TIMEOUT_MS);
    server.#spawn();
    if (opts.waitReady ?? true) {
      try {
        await server.waitReady();
      } catch (err) {
        await server.close();
        throw err;
      }
    }
    return server;
  }

  /** nats://127.0.0.1:<port> */
  get url(): string {
    return `nats://127.0.0.1:${this.endpoints.port}`;
  }

  get port(): number {
    return this.endpoints.port;
  }

  /** http://127.0.0.1:<monitor port> */
  get monitorUrl(): string {
    return `http://127.0.0.1:${this.endpoints.monitorPort}`;
  }

  get storeDir(): string {
    return this.endpoints.storeDir;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.#child?.running ?? false;
  }

  #spawn(): void {
    const args = ['-c', this.configFile];
    if (this.jetstream) args.push('-js');
    this.#child = new Child(this.bin, args, {}, this.log);
  }

  /** Waits until /healthz answers 200; fails early (with the output) if the process exits. */
  async waitReady(timeoutMs = this.readyTimeoutMs): Promise<void> {
    const child = this.#child!;
    await waitFor(
      `nats ${this.name} /healthz on ${this.monitorUrl}`,
      async () => (await httpGet(`${this.monitorUrl}/healthz`))?.status === 200,
      { timeoutMs, abort: child.exited.then((e) => `nats ${this.name} exited (code=${e.code} signal=${e.signal})`) },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- nats ${this.name} output ---\n${this.log.tail()}`);
    });
  }

  /** GET a monitoring endpoint (`varz`, `jsz`, `routez`, ...) as JSON; undefined when it does not answer. */
  monitor<T = Record<string, unknown>>(endpoint: string): Promise<T | undefined> {
    return httpJson<T>(`${this.monitorUrl}/${endpoint.replace(/^\//, '')}`);
  }

  /** Sends `signal` (default SIGKILL, i.e. kill -9) and waits for the process to exit. Storage is kept. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo | undefined> {
    return this.#child?.kill(signal);
  }

  /** Starts the server again on the same ports, config and storage (after kill or a crash) and waits for /healthz. */
  async restart(opts: { waitReady?: boolean } = {}): Promise<void> {
    if (this.#closed) throw new Error(`nats ${this.name} is closed`);
    if (this.running) await this.kill('SIGKILL');
    this.log.append('harness', '--- restart ---\n');
    this.#spawn();
    if (opts.waitReady ?? true) await this.waitReady();
  }

  /** Stops the server (SIGTERM, then SIGKILL) and removes its temp folder. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#child?.kill('SIGTERM', 3_000);
    await rm(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
