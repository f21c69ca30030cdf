// Helpers for the gateway suites: a raw WebSocket test client that records every frame and its
// arrival time, and prediction publishing on a transport.

import { unpack } from 'msgpackr';
import { WebSocket } from 'ws';
import type { Transport } from '@carousel/bus';
import { encodeAlert, encodePrediction } from '@carousel/protocol';

export interface Frame {
  readonly type: string;
  readonly [k: string]: unknown;
}

export class TestClient {
  readonly frames: Frame[] = [];
  /** Arrival time (performance.now) per prediction frame, same order as predictions(). */
  readonly arrivals: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const f = (isBinary ? unpack(data) : JSON.parse(data.toString())) as Frame;
      this.frames.push(f);
      if (f.type === 'prediction') this.arrivals.push(performance.now());
    });
  }

  static async open(url: string, protocol?: string): Promise<TestClient> {
    const ws = new WebSocket(url, protocol === undefined ? [] : [protocol], { perMessageDeflate: false });
    ws.on('error', () => undefined);
    const c = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', (code) => reject(new Error(`closed before open: ${code}`)));
    });
    return c;
  }

  send(body: unknown): void {
    this.ws.send(JSON.stringify(body));
  }

  /** Waits for a frame matching `pred` (searching all frames so far). */
  waitFrame(pred: (f: Frame) => boolean, what = 'frame'): Promise<Frame> {
    return until(what, () => this.frames.find(pred));
  }

  async auth(token: string): Promise<Frame> {
    this.send({ type: 'auth', token });
    return this.waitFrame((f) => f.type === 'authenticated' || f.type === 'error', 'auth answer');
  }

  async subscribe(id: string, patterns: string[], since?: Record<string, number>): Promise<Frame> {
    this.send(since === undefined ? { type: 'subscribe', id, patterns } : { type: 'subscribe', id, patterns, since });
    return this.waitFrame((f) => (f.type === 'subscribed' || f.type === 'error') && f['id'] === id, `subscribe ${id}`);
  }

  predictions(): Frame[] {
    return this.frames.filter((f) => f.type === 'prediction');
  }

  errors(): Frame[] {
    return this.frames.filter((f) => f.type === 'error');
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A prediction body of `floats` forecast values. */
export function prediction(stream: string, seq: number, floats = 2): Uint8Array {
  return encodePrediction({ v: 1, stream, seq, ts: Date.now(), f: new Float64Array(floats).fill(seq), err: 0.5, score: 0.1, lik: 0.2, mv: 1, pt: 0.0001 });
}

export function publishPrediction(t: Transport, stream: string, seq: number, floats = 2): void {
  t.publish(`carousel.out.${stream}`, prediction(stream, seq, floats));
}

export function publishAlert(t: Transport, stream: string, seq: number): void {
  t.publish(`carousel.alert.${stream}`, encodeAlert({ v: 1, stream, seq, score: 0.99, lik: 0.999, thr: 0.99, mv: 1 }));
}

export function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

/**
 * Polls `cond` every `intervalMs` until truthy; throws after `timeoutMs`. (The harness's waitFor
 * without `abort` races against `undefined`, which resolves at once, so it never yields to I/O.)
 */
export async function until<T>(what: string, cond: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 10): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
