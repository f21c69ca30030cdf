// One spawned child process with captured output, an exit promise and kill-and-wait. The base of
// NatsServer and ServiceProcess. A process-exit hook SIGKILLs children still alive, so a crashed
// test run does not leave servers behind.

import { spawn, type ChildProcess } from 'node:child_process';
import { OutputLog } from './output.ts';

const alive = new Set<ChildProcess>();
let hooked = false;
function killAllOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of alive) c.kill('SIGKILL');
  });
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Child {
  readonly proc: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  #exit: ExitInfo | undefined;

  constructor(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string }, readonly log: OutputLog) {
    killAllOnExit();
    log.append('harness', `$ ${command} ${args.join(' ')}\n`);
    this.proc = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    alive.add(this.proc);
    this.proc.stdout!.setEncoding('utf8').on('data', (c: string) => log.append('out', c));
    this.proc.stderr!.setEncoding('utf8').on('data', (c: string) => log.append('err', c));
    this.exited = new Promise((resolve) => {
      const finish = (info: ExitInfo) => {
        if (this.#exit !== undefined) return;
        this.#exit = info;
        alive.delete(this.proc);
        log.append('harness', `exited code=${info.code} signal=${info.signal}\n`);
        resolve(info);
      };
      this.proc.once('exit', (code, signal) => finish({ code, signal }));
      this.proc.once('error', (err) => {
        log.append('harness', `spawn error: ${err.message}\n`);
        finish({ code: -1, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  /** How it exited, once it has. */
  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  /** Sends `signal` and waits for the exit; escalates to SIGKILL after `graceMs`. */
  async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<ExitInfo> {
    if (this.#exit !== undefined) return this.#exit;
    this.proc.kill(signal);
    if (signal === 'SIGKILL') return this.exited;
    let timer: NodeJS.Timeout | undefined;
    const escalate = new Promise<void>((r) => {
      timer = setTimeout(() => {
        this.log.append('harness', `no exit ${graceMs} ms after ${signal}; SIGKILL\n`);
        this.proc.kill('SIGKILL');
        r();
      }, graceMs);
    });
    await Promise.race([this.exited, escalate]);
    clearTimeout(timer);
    return this.exited;
  }
}
