// The gateway frame fuzz: a real Gateway (in-process bus, free port) and raw ws clients that send
// seeded hostile frames. After each frame on an authenticated client a ping with a fresh id
// follows, and its pong proves the frame was handled; everything that came back in between must
// be a known frame type, errors carrying a GW_ERR_* code. A socket may end only with a stated
// close code (1007 invalid UTF-8, 1009 too big, 4001 auth, 4029 rate limit). A frame that gets
// no pong, or an uncaught exception while it is handled, is a failure reported with its seed.
// Used by test/fuzz/gateway.test.ts and scripts/fuzz.ts.

import { unpack } from 'msgpackr';
import { WebSocket } from 'ws';
import { InProcTransport } from '@carousel/bus';
import { GW_ERR_CODES, Gateway, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK } from '@carousel/gateway';
import { encodePrediction } from '@carousel/protocol';
import { HOSTILE_KEYS, createRng, hostileField, invalidUtf8, mutate, pick, plainPackr, randomString, randomValue, setOwn, type Rng } from './generators.ts';

export const FUZZ_TOKEN = 'fuzz-static-token-0123456789';
const CODES = new Set<string>(GW_ERR_CODES);
const TYPES = new Set(['authenticated', 'subscribed', 'unsubscribed', 'pong', 'error', 'prediction', 'alert']);
/** Close codes a fuzzed socket may legitimately end with. */
export const STATED_CLOSES = new Set([1007, 1009, 4001, 4029]);
const MAX_PAYLOAD = 64 * 1024;
/** How long a frame may go unanswered before the socket counts as wedged: a liveness bound, far above a loopback round trip. */
const SYNC_TIMEOUT_MS = 2000;

export interface GatewayCase {
  readonly seed: number;
  readonly strategy: string;
  /** Send before authenticating (on a new socket). */
  readonly preAuth: boolean;
  readonly format: 'json' | 'msgpack';
  readonly data: Uint8Array;
  readonly binary: boolean;
}

/** A client frame body the gateway knows, to perturb. */
function validFrame(rng: Rng): Record<string, unknown> {
  switch (rng.int(0, 4)) {
    case 0: return { type: 'auth', token: FUZZ_TOKEN };
    case 1: return { type: 'subscribe', id: pick(rng, ['s1', 7, 's' + rng.int(0, 99)]), patterns: [pick(rng, ['pump-*', '>', 'a*b', 'room1-t*'])], since: { 'pump-1': 3 } };
    case 2: return { type: 'unsubscribe', id: pick(rng, ['s1', 7]) };
    case 3: return { type: 'resume', from: { 'pump-1': rng.int(0, 9) } };
    default: return { type: 'ping', id: rng.int(0, 9) };
  }
}

const STRATEGIES = ['field', 'mutate', 'random-tree', 'hostile-type', 'random-bytes', 'invalid-utf8', 'oversize', 'wrong-kind'] as const;

/** Builds case `seed`: a deterministic function of the seed. */
export function gatewayCase(seed: number): GatewayCase {
  const rng = createRng(seed);
  const strategy = pick(rng, STRATEGIES);
  const format = rng.uniform() < 0.5 ? 'json' : 'msgpack';
  const preAuth = rng.uniform() < 0.1;
  const enc = (v: unknown): Uint8Array => (format === 'json' ? new TextEncoder().encode(JSON.stringify(v) ?? 'null') : plainPackr.pack(v));
  let data: Uint8Array;
  let binary = format === 'msgpack';
  switch (strategy) {
    case 'field': {
      const f = validFrame(rng);
      const key = rng.uniform() < 0.8 ? pick(rng, Object.keys(f)) : pick(rng, HOSTILE_KEYS);
      setOwn(f, key, hostileField(rng));
      data = enc(f);
      break;
    }
    case 'mutate': data = mutate(enc(validFrame(rng)), rng); break;
    case 'random-tree': data = enc(randomValue(rng)); break;
    case 'hostile-type': { // `type` (or another field read as a string) as an object without a usable toString
      const f = validFrame(rng);
      setOwn(f, pick(rng, ['type', 'type', 'id', 'token']), pick<unknown>(rng, [{ toString: 1 }, { toString: null, valueOf: null }, { valueOf: 'x' }, [], [1, 2], { a: 1 }]));
      data = enc(f);
      break;
    }
    case 'random-bytes': data = Uint8Array.from({ length: rng.int(0, 256) }, () => rng.int(0, 255)); binary = rng.uniform() < 0.5; break;
    case 'invalid-utf8': data = invalidUtf8(rng, JSON.stringify(validFrame(rng))); binary = false; break;
    case 'oversize': data = new TextEncoder().encode(JSON.stringify({ type: 'ping', id: 1, pad: randomString(rng, 10).padEnd(MAX_PAYLOAD + rng.int(1, 1000), 'x') })); break;
    default: data = plainPackr.pack(validFrame(rng)); binary = rng.uniform() < 0.5; // msgpack as text or JSON as binary
  }
  return { seed, strategy, preAuth, format, data, binary };
}

export function describeGatewayCase(c: GatewayCase): string {
  const head = Buffer.from(c.data.subarray(0, 96)).toString('hex');
  return `seed ${c.seed} (${c.strategy}, ${c.format} client${c.preAuth ? ', before auth' : ''}, ${c.binary ? 'binary' : 'text'} frame of ${c.data.length} bytes) ${head}${c.data.length > 96 ? '…' : ''}`;
}

/** A raw client: records frames, answers pings automatically (ws does). */
export class FuzzClient {
  readonly frames: Record<string, unknown>[] = [];
  readonly bad: string[] = [];
  closeCode: number | null = null;
  readonly closed: Promise<number>;
  #waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket, readonly format: 'json' | 'msgpack') {
    this.closed = new Promise((r) => ws.once('close', (code) => { this.closeCode = code; this.#wake(); r(code); }));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let f: unknown;
      try {
        f = isBinary ? unpack(data) : JSON.parse(data.toString('utf8'));
      } catch {
        this.bad.push(`undecodable server frame ${data.subarray(0, 64).toString('hex')}`);
        return;
      }
      const o = f as Record<string, unknown>;
      if (typeof o !== 'object' || o === null || !TYPES.has(o['type'] as string)) this.bad.push(`unknown server frame ${JSON.stringify(f).slice(0, 200)}`);
      else if (o['type'] === 'error' && !CODES.has(o['code'] as string)) this.bad.push(`error frame without a GW_ERR code: ${JSON.stringify(f).slice(0, 200)}`);
      this.frames.push(o);
      this.#wake();
    });
  }

  static async open(url: string, format: 'json' | 'msgpack'): Promise<FuzzClient> {
    const ws = new WebSocket(url, [format === 'json' ? SUBPROTOCOL_JSON : SUBPROTOCOL_MSGPACK], { perMessageDeflate: false, maxPayload: 1 << 20 });
    ws.on('error', () => undefined);
    const c = new FuzzClient(ws, format);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', (code) => reject(new Error(`closed before open: ${code}`)));
    });
    return c;
  }

  send(body: unknown): void {
    this.ws.send(this.format === 'json' ? JSON.stringify(body) : plainPackr.pack(body), { binary: this.format === 'msgpack' });
  }

  sendRaw(data: Uint8Array, binary: boolean): void {
    this.ws.send(data, { binary });
  }

  /** Resolves with the first frame matching `pred` (from index `from`), or null when closed or after timeoutMs. */
  async wait(pred: (f: Record<string, unknown>) => boolean, timeoutMs: number, from = 0): Promise<Record<string, unknown> | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.frames.length; i++) if (pred(this.frames[i]!)) return this.frames[i]!;
      if (this.closeCode !== null || Date.now() > deadline) return null;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  async auth(): Promise<boolean> {
    this.send({ type: 'auth', token: FUZZ_TOKEN });
    return (await this.wait((f) => f['type'] === 'authenticated', 5000)) !== null;
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export interface GatewayFuzzStats {
  cases: number;
  closes: Record<string, number>;
  errors: Record<string, number>;
  failures: string[];
}

/** A running gateway under fuzz, with one authenticated client per format. */
export class GatewayFuzz {
  readonly stats: GatewayFuzzStats = { cases: 0, closes: {}, errors: {}, failures: [] };
  readonly uncaught: unknown[] = [];
  #clients: Partial<Record<'json' | 'msgpack', FuzzClient>> = {};
  #pingId = 0;
  readonly #onUncaught = (e: unknown): void => { this.uncaught.push(e); };

  private constructor(readonly transport: InProcTransport, readonly gateway: Gateway) {}

  static async start(): Promise<GatewayFuzz> {
    const transport = new InProcTransport();
    const gateway = await Gateway.start(transport, {
      port: 0, host: '127.0.0.1', secret: 'fuzz-secret-that-is-at-least-32-bytes-long!', staticTokens: { [FUZZ_TOKEN]: ['>'] },
      staticDir: null, historyStream: '', authBurst: 1_000_000, authRefillPerSec: 1000, maxClients: 64, authTimeoutMs: 5000,
    }, { processMetrics: false });
    const f = new GatewayFuzz(transport, gateway);
    process.on('uncaughtException', f.#onUncaught);
    return f;
  }

  async #client(format: 'json' | 'msgpack'): Promise<FuzzClient> {
    let c = this.#clients[format];
    if (c !== undefined && c.closeCode === null) return c;
    c = await FuzzClient.open(this.gateway.wsUrl, format);
    if (!(await c.auth())) throw new Error(`a fresh ${format} client could not authenticate`);
    this.#clients[format] = c;
    return c;
  }

  /** Sends one case and checks the answer. Records a failure (never throws for the gateway's faults). */
  async run(c: GatewayCase): Promise<void> {
    this.stats.cases++;
    const before = this.uncaught.length;
    let client: FuzzClient;
    if (c.preAuth) {
      client = await FuzzClient.open(this.gateway.wsUrl, c.format);
      client.sendRaw(c.data, c.binary);
      // Before auth only an auth frame is answered with anything but a refusal and a close.
      const answer = await client.wait((f) => f['type'] === 'authenticated' || f['type'] === 'error', 5000);
      if (answer !== null && answer['type'] === 'authenticated') {
        client.terminate();
      } else {
        const code = await Promise.race([client.closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
        this.#countClose(code);
        if (!STATED_CLOSES.has(code)) this.#fail(c, `pre-auth socket ended with ${code}, not a stated close code`);
        if (answer === null && code !== 1007 && code !== 1009) this.#fail(c, 'pre-auth refusal came without an error frame');
        client.terminate();
      }
    } else {
      client = await this.#client(c.format);
      const from = client.frames.length;
      client.sendRaw(c.data, c.binary);
      const id = `sync-${++this.#pingId}`;
      client.send({ type: 'ping', id });
      const pong = await client.wait((f) => f['type'] === 'pong' && f['id'] === id, SYNC_TIMEOUT_MS, from);
      if (pong === null) {
        if (client.closeCode === null) {
          this.#fail(c, `no answer to the ping that followed the frame within ${SYNC_TIMEOUT_MS} ms`);
          client.terminate();
        } else {
          this.#countClose(client.closeCode);
          if (!STATED_CLOSES.has(client.closeCode)) this.#fail(c, `socket closed with ${client.closeCode}, not a stated close code`);
        }
      }
      for (const f of client.frames.slice(from)) if (f['type'] === 'error') this.stats.errors[f['code'] as string] = (this.stats.errors[f['code'] as string] ?? 0) + 1;
    }
    if (client.bad.length > 0) this.#fail(c, client.bad.splice(0).join('; '));
    if (this.uncaught.length > before) this.#fail(c, `uncaught exception in the gateway: ${String(this.uncaught[this.uncaught.length - 1])}`);
  }

  /** `n` frames at once, no waiting (half pings, half random JSON), then one sync ping: all answered in order. */
  async flood(n: number, seed: number): Promise<{ answered: number; close: number | null }> {
    const c = await this.#client('json');
    const from = c.frames.length;
    const rng = createRng(seed);
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) c.send({ type: 'ping', id: i });
      else c.sendRaw(new TextEncoder().encode(JSON.stringify(randomValue(rng)) ?? 'null'), false);
    }
    c.send({ type: 'ping', id: 'flood-end' });
    await c.wait((f) => f['type'] === 'pong' && f['id'] === 'flood-end', 30_000, from);
    return { answered: c.frames.length - from, close: c.closeCode };
  }

  /** The checks after the fuzz: /healthz 200, and a fresh client authenticates, subscribes and gets a prediction. */
  async healthy(): Promise<string[]> {
    const problems: string[] = [];
    const h = await fetch(`${this.gateway.httpUrl}/healthz`);
    if (h.status !== 200) problems.push(`/healthz answered ${h.status}`);
    for (const format of ['json', 'msgpack'] as const) {
      const c = await FuzzClient.open(this.gateway.wsUrl, format);
      if (!(await c.auth())) problems.push(`fresh ${format} client did not authenticate`);
      c.send({ type: 'subscribe', id: 'fresh', patterns: ['health-*'] });
      if ((await c.wait((f) => f['type'] === 'subscribed' && f['id'] === 'fresh', 5000)) === null) problems.push(`fresh ${format} client was not subscribed`);
      const seq = ++this.#pingId;
      this.transport.publish('carousel.out.health-1', encodePrediction({ v: 1, stream: 'health-1', seq, f: [0.5], err: 0.1, score: 0.1, lik: 0.2, mv: 1, pt: 0.0001 }));
      const p = await c.wait((f) => f['type'] === 'prediction' && f['seq'] === seq, 5000);
      if (p === null) problems.push(`fresh ${format} client got no prediction`);
      c.terminate();
    }
    return problems;
  }

  #countClose(code: number): void {
    this.stats.closes[String(code)] = (this.stats.closes[String(code)] ?? 0) + 1;
  }

  #fail(c: GatewayCase, what: string): void {
    this.stats.failures.push(`${what}; ${describeGatewayCase(c)}`);
  }

  async close(): Promise<void> {
    for (const c of Object.values(this.#clients)) c?.terminate();
    await this.gateway.close();
    await this.transport.close();
    process.off('uncaughtException', this.#onUncaught);
  }
}
