// `carousel infer <stream>`: one forecast from the stream's current state over request-reply
// (`<prefix>.infer.<stream>`), as a control loop asks for it: optionally as if `--x` were the next
// sample (the model does not learn from it) and `--h` steps ahead. Prints the reply as JSON; a
// refused request (its code, e.g. WORKER_ERR_DIMENSION) exits 1.

import { PROTOCOL_VERSION, createSubjects, decodeInferReply, encodeInferRequest, parseOptions } from '@carousel/protocol';
import type { Command } from 'commander';
import { natsOptions, withNats, type NatsFlags } from './connect.ts';
import { plainArrays } from './output.ts';

interface InferFlags extends NatsFlags {
  x?: string;
  h?: string;
  timeout: string;
}

export function registerInfer(program: Command): void {
  natsOptions(program.command('infer <stream>').description("a forecast now, from the stream's current state (request-reply)"))
    .option('--x <values>', 'forecast as if this comma-separated vector were the next sample (not learned)')
    .option('--h <steps>', 'horizon in steps, at most the stream\'s configured horizon (default 1)')
    .option('--timeout <ms>', 'how long to wait for the reply', '2000')
    .action(async (stream: string, o: InferFlags) => {
      const x = o.x === undefined ? undefined : o.x.split(',').map((v) => Number(v.trim()));
      if (x?.some((v) => !Number.isFinite(v))) throw new Error(`--x must be comma-separated finite numbers, got ${o.x}`);
      const h = o.h === undefined ? undefined : Number(o.h);
      // The request is encoded before connecting: a bad stream id or horizon is the protocol's error, named.
      const req = encodeInferRequest({ v: PROTOCOL_VERSION, stream, ...(x === undefined ? {} : { x }), ...(h === undefined ? {} : { h }) });
      const subjects = createSubjects(parseOptions({ prefix: o.prefix }));
      const m = await withNats(o, 'carousel-infer', (t) => t.request(subjects.infer(stream), req, { timeout: Number(o.timeout) }));
      const d = decodeInferReply(m.data, { stream });
      if (!d.ok) throw new Error(`undecodable reply: ${d.reject.code} ${d.reject.msg}`);
      process.stdout.write(JSON.stringify(d.value, plainArrays) + '\n');
      if (!d.value.ok) process.exitCode = 1;
    });
}
