// Optional persistence of InProcTransport's streams, KV buckets and object stores to a folder, so
// `carousel up` without a nats-server still continues where it stopped. A stream is a JSON-lines
// log, one line per stored message, appended synchronously; a torn last line (a crash mid-write)
// is ignored on load. Object-store blobs are files. Not a database: no fsync, single process.

import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MsgHeaders } from './transport.ts';

/** One logged message. */
export interface LoggedMsg {
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: MsgHeaders;
  time: number;
  msgId?: string;
}

interface Line {
  s: number;
  j: string;
  d: string;
  h?: MsgHeaders;
  t: number;
  i?: string;
}

export class StreamLog {
  constructor(readonly path: string) {
    mkdirSync(join(path, '..'), { recursive: true });
  }

  /**
   * Every message logged so far, in order. A torn or unreadable line ends the log, and the file is
   * cut back to the good lines, so later appends do not land behind the torn one.
   */
  load(): LoggedMsg[] {
    if (!existsSync(this.path)) return [];
    const out: LoggedMsg[] = [];
    for (const text of readFileSync(this.path, 'utf8').split('\n')) {
      if (text === '') continue;
      let l: Line;
      try {
        l = JSON.parse(text) as Line;
      } catch {
        this.rewrite(out);
        break;
      }
      const m: LoggedMsg = { seq: l.s, subject: l.j, data: new Uint8Array(Buffer.from(l.d, 'base64')), headers: l.h ?? {}, time: l.t };
      if (l.i !== undefined) m.msgId = l.i;
      out.push(m);
    }
    return out;
  }

  append(m: LoggedMsg): void {
    appendFileSync(this.path, encode(m));
  }

  /** Replaces the log with `msgs` (compaction), atomically by rename. */
  rewrite(msgs: readonly LoggedMsg[]): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, msgs.map(encode).join(''));
    renameSync(tmp, this.path);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}

function encode(m: LoggedMsg): string {
  const l: Line = { s: m.seq, j: m.subject, d: Buffer.from(m.data).toString('base64'), t: m.time };
  if (Object.keys(m.headers).length > 0) l.h = m.headers;
  if (m.msgId !== undefined) l.i = m.msgId;
  return JSON.stringify(l) + '\n';
}

/** A folder of blobs, one file per object (names percent-encoded). */
export class BlobDir {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  loadAll(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const f of readdirSync(this.dir)) {
      if (f.endsWith('.tmp')) continue;
      out.set(decodeURIComponent(f), new Uint8Array(readFileSync(join(this.dir, f))));
    }
    return out;
  }

  put(name: string, data: Uint8Array): void {
    const file = join(this.dir, encodeURIComponent(name));
    writeFileSync(`${file}.tmp`, data);
    renameSync(`${file}.tmp`, file);
  }

  delete(name: string): void {
    rmSync(join(this.dir, encodeURIComponent(name)), { force: true });
  }
}
