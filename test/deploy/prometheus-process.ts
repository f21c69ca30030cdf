// A real Prometheus server for tests: `prometheus` from PATH on 127.0.0.1:<free port> with a given
// config and a fresh TSDB folder, output captured, stopped (and its folder removed) with close().
// A small HTTP API client (instant queries, targets, rules, alerts) rides along.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OutputLog, freePort, httpGet, waitFor, type HasOutput } from '@carousel/test-suites';

/** One series of an instant-query answer. */
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export class PrometheusProcess implements HasOutput, AsyncDisposable {
  readonly log = new OutputLog('prometheus');
  readonly #child: ChildProcess;
  readonly #exited: Promise<string>;
  #closing: Promise<void> | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    configFile: string,
  ) {
    this.#child = spawn('prometheus', [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout!.setEncoding('utf8').on('data', (c: string) => this.log.append('out', c));
    this.#child.stderr!.setEncoding('utf8').on('data', (c: string) => this.log.append('err', c));
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => resolve(`exited (code=${code} signal=${signal})`));
      this.#child.once('error', (e) => resolve(`failed to start: ${e.message}`));
    });
  }

  /**
   * Writes the config (Prometheus YAML; a function gets the port Prometheus will listen on) into a new
   * temp folder, starts Prometheus on it and waits for /-/ready.
   */
  static async start(config: string | ((port: number) => string)): Promise<PrometheusProcess> {
    const dir = await mkdtemp(path.join(tmpdir(), 'carousel-prometheus-'));
    const configFile = path.join(dir, 'prometheus.yml');
    const port = await freePort();
    await writeFile(configFile, typeof config === 'string' ? config : config(port));
    const prom = new PrometheusProcess(port, dir, configFile);
    try {
      await waitFor('prometheus /-/ready', async () => (await httpGet(`${prom.url}/-/ready`))?.status === 200, { timeoutMs: 30_000, abort: prom.#exited });
    } catch (err) {
      await prom.close();
      throw new Error(`${(err as Error).message}\n${prom.log.tail()}`);
    }
    return prom;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** GET /api/v1/<path> and return `data`; throws on a non-success answer. */
  async api<T>(pathAndQuery: string): Promise<T> {
    const r = await httpGet(`${this.url}/api/v1/${pathAndQuery}`);
    if (r === undefined) throw new Error(`prometheus did not answer /api/v1/${pathAndQuery}`);
    const body = JSON.parse(r.body) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`/api/v1/${pathAndQuery}: ${body.error ?? r.body}`);
    return body.data;
  }

  /** An instant query's vector. */
  async query(promql: string): Promise<Sample[]> {
    const data = await this.api<{ resultType: string; result: Sample[] }>(`query?query=${encodeURIComponent(promql)}`);
    if (data.resultType !== 'vector') throw new Error(`${promql}: expected a vector, got ${data.resultType}`);
    return data.result;
  }

  /** SIGTERM, SIGKILL after 5 s; removes the temp folder. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#child.exitCode === null && this.#child.signalCode === null) {
        this.#child.kill('SIGTERM');
        const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
        await this.#exited;
        clearTimeout(timer);
      }
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
