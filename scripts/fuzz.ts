// `npm run fuzz -- [--seconds N] [--seed S] [--target protocol|gateway|all] [--replay CASE_SEED]`:
// the long fuzz run. Cases are seeded from (S, i), so any failure prints the case seed that replays
// it alone (--replay). Prints cases per second per target; exits 1 on any failure.
// The bounded CI runs of the same cases are test/fuzz/*.test.ts.

import { caseSeed } from '../test/fuzz/generators.ts';
import { GatewayFuzz, gatewayCase } from '../test/fuzz/gateway-fuzz.ts';
import { describeProtocolCase, protocolCase, runProtocolCase } from '../test/fuzz/protocol-fuzz.ts';

interface Args { seconds: number; seed: number; target: 'protocol' | 'gateway' | 'all'; replay: number | null }

function parseArgs(argv: string[]): Args {
  const a: Args = { seconds: 60, seed: Date.now() >>> 0, target: 'all', replay: null };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--seconds': a.seconds = Number(v); i++; break;
      case '--seed': a.seed = Number(v) >>> 0; i++; break;
      case '--target': a.target = v as Args['target']; i++; break;
      case '--replay': a.replay = Number(v) >>> 0; i++; break;
      default: throw new Error(`unknown argument ${argv[i]} (use --seconds N --seed S --target protocol|gateway|all --replay CASE_SEED)`);
    }
  }
  if (!(a.seconds > 0) || !['protocol', 'gateway', 'all'].includes(a.target)) throw new Error('bad --seconds or --target');
  return a;
}

function fuzzProtocol(seed: number, seconds: number, replay: number | null): number {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  let failures = 0;
  const t0 = performance.now();
  for (let i = 0; replay !== null ? i < 1 : performance.now() < end; i++, n++) {
    const c = protocolCase(replay ?? caseSeed(seed, i));
    const o = runProtocolCase(c);
    if (o.failure !== undefined) {
      failures++;
      console.log(`FAIL protocol: ${o.failure}\n  ${describeProtocolCase(c)}\n  replay: npm run fuzz -- --target protocol --replay ${c.seed}`);
    }
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`protocol: ${n} cases in ${s.toFixed(1)} s, ${(n / s).toFixed(0)} cases/s, ${failures} failures (run seed ${seed})`);
  return failures;
}

async function fuzzGateway(seed: number, seconds: number, replay: number | null): Promise<number> {
  const fuzz = await GatewayFuzz.start();
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let reported = 0;
  try {
    for (let i = 0; replay !== null ? i < 1 : performance.now() < end; i++) {
      const c = gatewayCase(replay ?? caseSeed(seed, i));
      await fuzz.run(c);
      for (; reported < fuzz.stats.failures.length; reported++) {
        console.log(`FAIL gateway: ${fuzz.stats.failures[reported]}\n  replay: npm run fuzz -- --target gateway --replay ${c.seed}`);
      }
    }
    if (replay === null) {
      const flood = await fuzz.flood(5000, seed);
      if (flood.close !== null || flood.answered < 2501) console.log(`FAIL gateway flood: ${flood.answered} answers, close ${flood.close}`);
    }
    for (const p of await fuzz.healthy()) console.log(`FAIL gateway health after the fuzz: ${p}`);
  } finally {
    await fuzz.close();
  }
  const s = (performance.now() - t0) / 1000;
  const st = fuzz.stats;
  console.log(`gateway: ${st.cases} cases in ${s.toFixed(1)} s, ${(st.cases / s).toFixed(0)} cases/s, ${st.failures.length} failures (run seed ${seed}); errors ${JSON.stringify(st.errors)}; closes ${JSON.stringify(st.closes)}`);
  return st.failures.length + fuzz.uncaught.length;
}

const args = parseArgs(process.argv.slice(2));
const share = args.target === 'all' ? args.seconds / 2 : args.seconds;
let failed = 0;
if (args.target !== 'gateway') failed += fuzzProtocol(args.seed, share, args.replay);
if (args.target !== 'protocol') failed += await fuzzGateway(args.seed, share, args.replay);
process.exitCode = failed > 0 ? 1 : 0;
