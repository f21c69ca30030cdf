// Output capture for child processes: keeps the last `limit` characters of stdout and stderr
// (interleaved, tagged), lets tests wait for a line, and prints it all when a test fails.

import { afterEach } from 'vitest';

/** Characters of output kept per process. */
export const DEFAULT_OUTPUT_LIMIT = 256 * 1024;

export class OutputLog {
  #text = '';
  #lineWaiters = new Set<() => void>();

  constructor(
    /** Prefix of every printed line, e.g. `nats n1` or `worker`. */
    readonly label: string,
    readonly limit = DEFAULT_OUTPUT_LIMIT,
  ) {}

  /** Appends a chunk from `stream` (stdout/stderr/harness). */
  append(stream: 'out' | 'err' | 'harness', chunk: string): void {
    const tagged = stream === 'out' ? chunk : chunk.replace(/^(?=.)/gm, `[${stream}] `);
    this.#text += tagged;
    if (this.#text.length > this.limit) this.#text = this.#text.slice(this.#text.length - this.limit);
    for (const w of this.#lineWaiters) w();
  }

  /** Everything kept so far. */
  get text(): string {
    return this.#text;
  }

  /** The last `n` lines, for error messages. */
  tail(n = 40): string {
    return this.#text.split('\n').slice(-n).join('\n');
  }

  /** Resolves with the first line matching `pattern` (already seen or future); rejects after `timeoutMs` or on `abort`. */
  waitForLine(pattern: string | RegExp, timeoutMs: number, abort?: Promise<unknown>): Promise<string> {
    const test = (line: string) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const line = this.#text.split('\n').find(test);
        if (line === undefined) return false;
        done();
        resolve(line);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a line matching ${String(pattern)} from ${this.label}\n${this.tail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#lineWaiters.delete(waiter);
      };
      const waiter = () => void check();
      if (check()) return;
      this.#lineWaiters.add(waiter);
      abort?.then(
        (why) => {
          done();
          reject(new Error(`${this.label} ${String(why)} before printing a line matching ${String(pattern)}\n${this.tail()}`));
        },
        () => {},
      );
    });
  }

  /** Prints the kept output to stderr with the label on each line. */
  print(): void {
    const body = this.#text.length === 0 ? '(no output)' : this.#text.trimEnd();
    process.stderr.write(`\n----- output of ${this.label} -----\n${body.replace(/^/gm, `${this.label} | `)}\n----- end of ${this.label} -----\n`);
  }
}

/** Something with captured output. */
export interface HasOutput {
  readonly log: OutputLog;
}

/**
 * Registers an afterEach hook (call it at file or describe level) that prints the output of
 * `processes()` when the test just run failed.
 */
export function printOutputOnFailure(processes: () => Iterable<HasOutput | undefined>): void {
  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const p of processes()) p?.log.print();
  });
}
