// What a forecast's copy of a stream costs (infer, and every sample's rollout with a horizon > 1):
// the whole stream (copyStream + forgetTargets: the TBPTT window included) against the state alone
// (Learner.copyForForecast), for the worker's default model at steady state, N streams in turn into
// one scratch; then StreamProcessor.infer per call, as the worker runs it. Interleaved rounds,
// medians, microseconds. Not part of `npm run bench`.
// Usage (repo root): npx tsx bench/worker/forecast-probe.ts [streams=1000] [rounds=7]
import { copyStream, createModel, type RecurrentStream, type RecurrentLearner } from '@carousel/lstm';
import { StreamProcessor, defaultStreamConfig, parseStreamConfig, steadyStateSamples } from '@carousel/worker';
import { median } from '../lstm/contender.ts';

const N = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 7);
const cfg = parseStreamConfig({}, defaultStreamConfig());
const model = createModel({ ...cfg.model, inputs: 2, outputs: 2 });
const net = model.learner as unknown as RecurrentLearner;
const x = (t: number, s: number): number[] => [Math.sin(t / 7 + s), Math.cos(t / 11 + s)];
const streams: RecurrentStream[] = Array.from({ length: N }, () => net.newStream());
const procs = Array.from({ length: N }, () => new StreamProcessor(cfg, 2));
for (let t = 0; t < steadyStateSamples() + 8; t++) {
  for (let s = 0; s < N; s++) {
    net.step(streams[s]!, x(t, s));
    net.learn(streams[s]!, x(t + 1, s));
    procs[s]!.process(t, x(t, s));
  }
  net.grad.fill(0);
}
const scratch = net.newStream();
const time = (f: (s: number) => void): number => {
  const t0 = performance.now();
  for (let s = 0; s < N; s++) f(s);
  return ((performance.now() - t0) * 1000) / N;
};
const whole: number[] = [];
const state: number[] = [];
const infer: number[] = [];
for (let r = 0; r <= rounds; r++) {
  const a = time((s) => net.forgetTargets(copyStream(scratch, streams[s]!)));
  const b = time((s) => net.copyForForecast(scratch, streams[s]!));
  const c = time((s) => procs[s]!.infer([0.3, 0.4]));
  if (r === 0) continue; // untimed round
  whole.push(a);
  state.push(b);
  infer.push(c);
}
console.log(`${N} streams of the default model, ${rounds} rounds (medians): copy of the whole stream ${median(whole).toFixed(2)} us, of the state (copyForForecast) ${median(state).toFixed(2)} us; StreamProcessor.infer ${median(infer).toFixed(2)} us`);
