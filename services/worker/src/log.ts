// Structured logs: one JSON line per event on stdout. Events, not samples: nothing per sample is
// logged. A disabled logger costs one branch.

export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  /** Writes one line {ts, level, event, worker, ...fields}. */
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

export function createLogger(worker: string, enabled: boolean, write: (line: string) => void = writeStdout): Logger {
  return {
    log(level, event, fields = {}) {
      if (!enabled) return;
      write(JSON.stringify({ ts: new Date().toISOString(), level, event, worker, ...fields }, errorReplacer));
    },
  };
}

function writeStdout(line: string): void {
  process.stdout.write(line + '\n');
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}
