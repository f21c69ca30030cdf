// `carousel tail <pattern>`: prints live predictions and alerts of the streams matching a NATS
// token pattern (e.g. 'sensor-*' or '>'), one line each, until Ctrl-C.

import { decodeAlert, decodePrediction } from '@carousel/protocol';
import type { Command } from 'commander';
import { connectNats, natsOptions, type NatsFlags } from './connect.ts';

interface TailFlags extends NatsFlags {
  json?: boolean;
  count?: string;
}

export function registerTail(program: Command): void {
  natsOptions(program.command('tail [pattern]').description("print live predictions and alerts ('>' = every stream)"))
    .option('--json', 'one JSON object per line')
    .option('--count <n>', 'stop after n messages')
    .action(async (pattern: string | undefined, o: TailFlags) => {
      const t = await connectNats(o, 'carousel-tail');
      const p = pattern ?? '>';
      const limit = o.count === undefined ? Infinity : Number(o.count);
      let n = 0;
      const done = new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        const out = (line: string): void => {
          process.stdout.write(line + '\n');
          if (++n >= limit) stop();
        };
        t.subscribe(`${o.prefix}.out.${p}`, {
          callback: (m) => {
            const d = decodePrediction(m.data, { contentType: m.headers['Content-Type'] });
            if (!d.ok) return;
            const v = d.value;
            out(o.json ? JSON.stringify({ type: 'prediction', ...v }) : `${v.stream} #${v.seq} forecast=${fmt(v.f)} err=${num(v.err)} score=${num(v.score)} lik=${num(v.lik)}`);
          },
        });
        t.subscribe(`${o.prefix}.alert.${p}`, {
          callback: (m) => {
            const d = decodeAlert(m.data, { contentType: m.headers['Content-Type'] });
            if (!d.ok) return;
            out(o.json ? JSON.stringify({ type: 'alert', ...d.value }) : `ALERT ${d.value.stream} #${d.value.seq} ${JSON.stringify(d.value)}`);
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
