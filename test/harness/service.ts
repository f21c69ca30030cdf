// Any Carousel service as a child process for tests: `node --import tsx <entry>` with env, ready
// when a URL answers 2xx and/or a log line appears, output captured (and printed on failure with
// printOutputOnFailure), stopped with close() or `await using`.

import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Child, type ExitInfo } from './child.ts';
import { OutputLog, type HasOutput } from './output.ts';
import { httpGet, waitFor } from './wait.ts';

/** The repository root, where `tsx` resolves. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServiceOptions {
  /** Entry file, absolute or relative to the repository root (e.g. services/worker/src/main.ts). */
  entry: string;
  /** Label for output (default: the entry's folder name). */
  name?: string;
  /** Extra arguments after the entry. */
  args?: string[];
  /** Environment added to this process's environment. */
  env?: Record<string, string>;
  /** Ready when GET of this URL answers 2xx. */
  readyUrl?: string;
  /** Ready when a line of stdout/stderr contains this string or matches this pattern. */
  readyLine?: string | RegExp;
  /** Readiness deadline, ms (default 30 000). */
  readyTimeoutMs?: number;
}

export class ServiceProcess implements HasOutput, AsyncDisposable {
  readonly log: OutputLog;
  readonly #child: Child;

  private constructor(readonly name: string, opts: ServiceOptions) {
    this.log = new OutputLog(name);
    const entry = path.resolve(REPO_ROOT, opts.entry);
    this.#child = new Child(process.execPath, ['--import', 'tsx', entry, ...(opts.args ?? [])], { cwd: REPO_ROOT, env: { ...process.env, ...opts.env } }, this.log);
  }

  /** Starts the service and waits for `readyUrl` and `readyLine` (whichever are given). */
  static async start(opts: ServiceOptions): Promise<ServiceProcess> {
    const name = opts.name ?? path.basename(path.dirname(path.dirname(path.resolve(REPO_ROOT, opts.entry))));
    const svc = new ServiceProcess(name, opts);
    try {
      await svc.#waitReady(opts);
    } catch (err) {
      await svc.close();
      throw err;
    }
    return svc;
  }

  async #waitReady(opts: ServiceOptions): Promise<void> {
    const timeoutMs = opts.readyTimeoutMs ?? 30_000;
    const died = this.#child.exited.then((e) => `exited (code=${e.code} signal=${e.signal})`);
    if (opts.readyLine !== undefined) await this.log.waitForLine(opts.readyLine, timeoutMs, died);
    if (opts.readyUrl !== undefined) {
      const url = opts.readyUrl;
      await waitFor(
        `${this.name} at ${url}`,
        async () => {
          const r = await httpGet(url);
          return r !== undefined && r.status >= 200 && r.status < 300;
        },
        { timeoutMs, abort: died },
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- ${this.name} output ---\n${this.log.tail()}`);
      });
    }
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.running;
  }

  /** Everything the service printed so far (stderr lines tagged `[err]`). */
  get output(): string {
    return this.log.text;
  }

  /** Resolves when the service exits. */
  get exited(): Promise<ExitInfo> {
    return this.#child.exited;
  }

  /** Waits for an output line containing/matching `pattern`. */
  waitForLine(pattern: string | RegExp, timeoutMs = 30_000): Promise<string> {
    return this.log.waitForLine(pattern, timeoutMs);
  }

  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    return this.#child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. Idempotent. */
  close(graceMs = 5_000): Promise<ExitInfo> {
    return this.#child.kill('SIGTERM', graceMs);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
