// Waiting for conditions with a deadline (never asserting on time), and small HTTP probes.

export interface WaitOptions {
  /** Give up after this many milliseconds (default 60 000: generous for a loaded 2-core CI machine). */
  timeoutMs?: number;
  /** Poll interval, milliseconds (default 50). */
  intervalMs?: number;
  /** Gives up at once when this resolves (e.g. the process exited), with its value as the reason. */
  abort?: Promise<string>;
}

/** Polls `cond` until it returns a truthy value and returns it; throws `timed out waiting for <what>` after the deadline. */
export async function waitFor<T>(what: string, cond: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const intervalMs = opts.intervalMs ?? 50;
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  let aborted: string | undefined;
  void opts.abort?.then((why) => (aborted = why));
  for (;;) {
    if (aborted !== undefined) throw new Error(`gave up waiting for ${what}: ${aborted}`);
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    // Race the pause against `abort` only when there is one: racing with `undefined` would resolve
    // at once and spin without ever letting sockets and timers run.
    const pause = new Promise((r) => setTimeout(r, intervalMs));
    await (opts.abort === undefined ? pause : Promise.race([pause, opts.abort]));
  }
}

/** GET `url`; resolves to status and body, or undefined when nothing answers. Never throws. */
export async function httpGet(url: string, timeoutMs = 2_000): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** GET `url` and parse JSON; undefined when nothing answers or the status is not 2xx. */
export async function httpJson<T = unknown>(url: string): Promise<T | undefined> {
  const r = await httpGet(url);
  if (r === undefined || r.status < 200 || r.status >= 300) return undefined;
  return JSON.parse(r.body) as T;
}

/** The next `n` items of `it`; throws when they have not all arrived within `timeoutMs`, or when `it` ends first. */
export async function take<T>(it: AsyncIterator<T>, n: number, timeoutMs: number): Promise<T[]> {
  const out: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`got ${out.length} of ${n} items within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), deadline]);
      if (r.done === true) throw new Error(`iterator ended after ${out.length} of ${n} items`);
      out.push(r.value);
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}
