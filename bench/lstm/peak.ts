// The machine's scalar float64 multiply-add peak, measured in the same run as the contenders:
// a JS loop and a hand-assembled WebAssembly loop, each with many independent a = a·m + c
// chains held in registers (no memory traffic), so throughput, not latency, is what they hit.
// Neither JS nor WebAssembly has a scalar fused multiply-add, so a "FMA" here is a mul and an
// add, counted as 2 flops, which is also how every kernel in @carousel/lstm computes.

/** Independent accumulator chains: mul+add latency ≈ 6-8 cycles × 2 issue ports needs ≥ 12. */
export const PEAK_CHAINS = 12;
/** Flops of one loop iteration: PEAK_CHAINS × (1 mul + 1 add). */
export const PEAK_FLOPS_PER_ITER = 2 * PEAK_CHAINS;

/** JS: 12 chains, unrolled by hand (a loop over an array would touch memory). */
export function jsPeakLoop(iters: number, m: number, c: number): number {
  let a0 = 1.0, a1 = 1.001, a2 = 1.002, a3 = 1.003, a4 = 1.004, a5 = 1.005;
  let a6 = 1.006, a7 = 1.007, a8 = 1.008, a9 = 1.009, a10 = 1.01, a11 = 1.011;
  for (let i = 0; i < iters; i++) {
    a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
    a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
    a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
  }
  return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function f64const(v: number): number[] {
  const b = new Uint8Array(new Float64Array([v]).buffer);
  return [0x44, ...b];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/**
 * The bytes of a module exporting peak(n: i32, m: f64, c: f64) -> f64 that runs n iterations of
 * PEAK_CHAINS chains a_k = a_k·m + c. Locals: 0 n, 1 m, 2 c, 3.. the accumulators.
 */
export function wasmPeakModule(): Uint8Array {
  const I32 = 0x7f, F64 = 0x7c;
  const LGET = 0x20, LSET = 0x21, LTEE = 0x22, F64MUL = 0xa2, F64ADD = 0xa0;
  const acc = (k: number): number => 3 + k;
  const type = section(1, [1, 0x60, 3, I32, F64, F64, 1, F64]);
  const func = section(3, [1, 0]);
  const name = [...'peak'].map((ch) => ch.charCodeAt(0));
  const exp = section(7, [1, name.length, ...name, 0x00, 0]);
  const code: number[] = [1, PEAK_CHAINS, F64]; // one local entry: 12 × f64
  for (let k = 0; k < PEAK_CHAINS; k++) code.push(...f64const(1 + k * 0.001), LSET, acc(k));
  code.push(0x03, 0x40); // loop (no result)
  for (let k = 0; k < PEAK_CHAINS; k++) code.push(LGET, acc(k), LGET, 1, F64MUL, LGET, 2, F64ADD, LSET, acc(k));
  code.push(LGET, 0, 0x41, 1, 0x6b, LTEE, 0, 0x0d, 0); // n = n - 1; br_if 0 (n != 0)
  code.push(0x0b); // end loop
  code.push(LGET, acc(0));
  for (let k = 1; k < PEAK_CHAINS; k++) code.push(LGET, acc(k), F64ADD);
  code.push(0x0b); // end func
  const body = [...uleb(code.length), ...code];
  const codeSec = section(10, [1, ...body]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...func, ...exp, ...codeSec]);
}

export type PeakLoop = (iters: number, m: number, c: number) => number;

/** The one WebAssembly call we need (the repo's TS lib has no DOM and @types/node no value). */
interface WasmApi {
  instantiate(bytes: Uint8Array): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

export async function wasmPeakLoop(): Promise<PeakLoop> {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const { instance } = await wasm.instantiate(wasmPeakModule());
  return instance.exports['peak'] as PeakLoop;
}
