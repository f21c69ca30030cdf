// The bench's worker child process, driven over stdin/stdout: one command line in, one JSON (or
// 'ready') line out; stdin EOF makes it close. Shared by bench.ts and bench-memory.ts, which each
// provide the child side (`serve`) in their own file. Not a test, not used by the service.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export class BenchChild {
  readonly #proc: ChildProcess;
  readonly #replies: ((line: string) => void)[] = [];

  private constructor(proc: ChildProcess) {
    this.#proc = proc;
    createInterface({ input: proc.stdout! }).on('line', (line) => this.#replies.shift()?.(line));
  }

  /** Spawns `node --expose-gc [flags] --import tsx <file> --serve <options JSON>` in `cwd` and waits for its 'ready' line. */
  static async start(file: string, cwd: string, options: unknown, flags: readonly string[] = []): Promise<BenchChild> {
    const proc = spawn(process.execPath, ['--expose-gc', ...flags, '--import', 'tsx', file, '--serve', JSON.stringify(options)], {
      cwd, stdio: ['pipe', 'pipe', 'inherit'],
    });
    const c = new BenchChild(proc);
    const ready = await Promise.race([
      c.#next(),
      new Promise<string>((_, reject) => proc.once('exit', (code) => reject(new Error(`bench worker exited early (${String(code)})`)))),
    ]);
    if (ready !== 'ready') throw new Error(`bench worker: unexpected first line ${ready}`);
    return c;
  }

  /** The child's process id. */
  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Sends one command and resolves with the child's reply line. */
  ask(cmd: string): Promise<string> {
    const p = this.#next();
    this.#proc.stdin!.write(cmd + '\n');
    return p;
  }

  /** Closes stdin and waits for the exit (SIGKILL after 30 s). */
  async close(): Promise<void> {
    if (this.#proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.#proc.once('exit', () => r()));
    this.#proc.stdin!.end();
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  #next(): Promise<string> {
    return new Promise((resolve) => this.#replies.push(resolve));
  }
}
