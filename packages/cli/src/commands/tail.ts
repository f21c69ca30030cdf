// `carousel tail <pattern>`: prints live predictions and alerts of the streams matching a stream
// pattern, one line each, until Ctrl-C. The pattern is the one tokens and subscriptions use
// (@carousel/gateway's glob: `*` any run of id characters, anywhere, e.g. 'sensor-*'; a trailing
// '>' or '**' the same; '>' every stream). A stream id is one subject token, so a pattern with a
// wildcard subscribes to every stream's subject and filters by id; an exact id subscribes to its own.

import { compilePattern, patternMatches } from '@carousel/gateway';
import { decodeAlert, decodePrediction } from '@carousel/protocol';
import type { Command } from 'commander';
import { connectNats, natsOptions, type NatsFlags } from './connect.ts';
import { plainArrays } from './output.ts';

interface TailFlags extends NatsFlags {
  json?: boolean;
  count?: string;
}

export function registerTail(program: Command): void {
  natsOptions(program.command('tail [pattern]').description("print live predictions and alerts ('>' = every stream)"))
    .option('--json', 'one JSON object per line')
    .option('--count <n>', 'stop after n messages')
    .action(async (pattern: string | undefined, o: TailFlags) => {
      const pat = compilePattern(pattern ?? '>');
      if (pat === null) throw new Error(`invalid stream pattern ${JSON.stringify(pattern)}: stream id characters [A-Za-z0-9_-] with * wildcards, or a trailing >`);
      const p = pat.glob.includes('*') ? '*' : pat.glob;
      const limit = o.count === undefined ? Infinity : Number(o.count);
      if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) throw new Error(`--count must be a positive integer, got ${o.count}`);
      const t = await connectNats(o, 'carousel-tail');
      let n = 0;
      const done = new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        // The reader went away (`carousel tail | head`): stop quietly, as other tools do.
        process.stdout.on('error', (e: NodeJS.ErrnoException) => {
          if (e.code !== 'EPIPE') throw e;
          n = limit;
          stop();
        });
        const out = (line: string): void => {
          if (n >= limit) return; // messages already in hand when the count was reached
          process.stdout.write(line + '\n');
          if (++n >= limit) stop();
        };
        t.subscribe(`${o.prefix}.out.${p}`, {
          callback: (m) => {
            const d = decodePrediction(m.data, { contentType: m.headers['Content-Type'] });
            if (!d.ok || !patternMatches(pat, d.value.stream)) return;
            const v = d.value;
            out(o.json ? JSON.stringify({ type: 'prediction', ...v }, plainArrays) : `${v.stream} #${v.seq} forecast=${fmt(v.f)} err=${num(v.err)} score=${num(v.score)} lik=${num(v.lik)}`);
          },
        });
        t.subscribe(`${o.prefix}.alert.${p}`, {
          callback: (m) => {
            const d = decodeAlert(m.data, { contentType: m.headers['Content-Type'] });
            if (!d.ok || !patternMatches(pat, d.value.stream)) return;
            out(o.json ? JSON.stringify({ type: 'alert', ...d.value }, plainArrays) : `ALERT ${d.value.stream} #${d.value.seq} ${JSON.stringify(d.value)}`);
          },
        });
      });
      await done;
      await t.close();
    });
}

function num(v: unknown): string {
  return typeof v === 'number' ? v.toPrecision(4) : String(v);
}

function fmt(f: unknown): string {
  const flat = (x: unknown): string => (ArrayLike(x) ? `[${Array.from(x as ArrayLike<number>, (v) => num(v)).join(',')}]` : num(x));
  return Array.isArray(f) && f.length > 0 && ArrayLike(f[0]) ? (f as unknown[]).map(flat).join(' ') : flat(f);
}

function ArrayLike(x: unknown): boolean {
  return Array.isArray(x) || ArrayBuffer.isView(x);
}
