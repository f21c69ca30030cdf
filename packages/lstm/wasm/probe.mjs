// Probe of the WebAssembly kernels themselves, for kernel work (not the bench table): the squashing
// (math.ts sigmoid2 / tanh2 through single.wasm's squashRows, ns per element over 32,768 inputs),
// the single-stream matvec (single.wasm, 512 × 137: the H = 128 rtrl97 nets) and the batched GEMM
// (infer.wasm gemm64, 512 × 137 against 256 streams: InferBatch's H = 128 B = 256 nets), medians
// over interleaved rounds. With `--against DIR` (a folder holding another build's single.wasm and
// infer.wasm, e.g. `git show REV:packages/lstm/wasm/single.wasm > DIR/single.wasm`) each figure is
// measured for both builds side by side, round by round, and the ratio printed.
//   node wasm/probe.mjs [--against DIR]    (from packages/lstm)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const ROUNDS = 15;

/** The probes of one build: name -> { run(), per } (per: what one run() counts, for the unit). */
async function probes(dir) {
  const single = readFileSync(`${dir}/single.wasm`);
  const infer = readFileSync(`${dir}/infer.wasm`);
  const out = {};
  const N = 32768;
  for (const [name, kind] of [['sigmoid2 (ns/element)', 0], ['tanh2 (ns/element)', 1]]) {
    const memory = new WebAssembly.Memory({ initial: 16 });
    const { instance } = await WebAssembly.instantiate(single, { env: { memory, abort() {} } });
    const f = new Float64Array(memory.buffer, 0, 2 * N);
    for (let i = 0; i < N; i++) f[i] = Math.sin(i * 0.37) * 3;
    out[name] = { run: () => instance.exports.squashRows(N * 8, 0, N, kind), reps: 20, scale: 1e6 / N };
  }
  {
    const rows = 512, n = 137;
    const memory = new WebAssembly.Memory({ initial: 16 });
    const { instance } = await WebAssembly.instantiate(single, { env: { memory, abort() {} } });
    const f = new Float64Array(memory.buffer);
    for (let i = 0; i < rows * n + n; i++) f[i] = Math.sin(i) * 0.1;
    const z = rows * n * 8;
    out['matvec 512×137 (µs)'] = { run: () => instance.exports.matvec(z + n * 8 + 64, 0, rows, n, z), reps: 2000, scale: 1e3 };
  }
  {
    const rows = 512, n = 137, P = 32;
    const { instance } = await WebAssembly.instantiate(infer, { env: { abort() {} } });
    const mem = instance.exports.memory;
    const doubles = rows * n + rows + P * n * 8 + P * rows * 8;
    mem.grow(Math.ceil((doubles * 8 + 1024) / 65536));
    const f = new Float64Array(mem.buffer, 0, doubles);
    for (let i = 0; i < doubles; i++) f[i] = Math.sin(i) * 0.1;
    const bias = rows * n * 8, z = bias + rows * 8, o = z + P * n * 64;
    out['gemm64 512×137×256 (µs)'] = { run: () => instance.exports.gemm64(o, rows * 64, bias, 0, n, z, n * 64, rows, P), reps: 40, scale: 1e3 };
  }
  return out;
}

const at = process.argv.indexOf('--against');
const builds = [['this build', here('.')]];
if (at > 0) builds.push(['against', process.argv[at + 1]]);
const sets = await Promise.all(builds.map(([, d]) => probes(d)));
for (const name of Object.keys(sets[0])) {
  const times = sets.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    sets.forEach((s, i) => {
      const { run, reps, scale } = s[name];
      const t0 = performance.now();
      for (let k = 0; k < reps; k++) run();
      times[i].push(((performance.now() - t0) / reps) * scale);
    });
  }
  const m = times.map(median);
  const cells = m.map((v, i) => `${builds[i][0]} ${v.toFixed(2)}`).join('   ');
  console.log(`${name.padEnd(26)} ${cells}${m.length > 1 ? `   this/against ${(m[0] / m[1]).toFixed(3)}` : ''}`);
}
