// `carousel tail <pattern>`: prints live predictions, alerts and rejects (samples refused, with
// their code) of the streams matching a stream pattern, one line each, until Ctrl-C; `--only`
// picks kinds. The pattern is the one tokens and subscriptions use
// (@carousel/gateway's glob: `*` any run of id characters, anywhere, e.g. 'sensor-*'; a trailing
// '>' or '**' the same; '>' every stream). A stream id is one subject token, so a pattern with a
// wildcard subscribes to every stream's subject and filters by id; an exact id subscribes to its own.

import { compilePattern, patternMatches } from '@carousel/gateway';
import { decodeAlert, decodePrediction, decodeReject } from '@carousel/protocol';
import type { Command } from 'commander';
import { connectNats, natsOptions, type NatsFlags } from './connect.ts';
import { plainArrays } from './output.ts';

interface TailFlags extends NatsFlags {
  json?: boolean;
  count?: string;
  only?: string;
}

const KINDS = ['prediction', 'alert', 'reject'] as const;

export function registerTail(program: Command): void {
  natsOptions(program.command('tail [pattern]').description("print live predictions, alerts and rejected samples ('>' = every stream)"))
    .option('--json', 'one JSON object per line')
    .option('--count <n>', 'stop after n messages')
    .option('--only <kinds>', `only these kinds, comma separated: ${KINDS.join(', ')}`)
    .action(async (pattern: string | undefined, o: TailFlags) => {
      const pat = compilePattern(pattern ?? '>');
      if (pat === null) throw new Error(`invalid stream pattern ${JSON.stringify(pattern)}: stream id characters [A-Za-z0-9_-] with * wildcards, or a trailing >`);
      const p = pat.glob.includes('*') ? '*' : pat.glob;
      const limit = o.count === undefined ? Infinity : Number(o.count);
      if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) throw new Error(`--count must be a positive integer, got ${o.count}`);
      const { only: onlyKinds } = o; // --only
      const kinds = new Set(onlyKinds === undefined ? KINDS : onlyKinds.split(',').map((k) => k.trim()).filter(Boolean));
      for (const k of kinds) if (!(KINDS as readonly string[]).includes(k)) throw new Error(`--only takes ${KINDS.join(', ')}; got ${JSON.stringify(k)}`);
      if (kinds.size === 0) throw new Error(`--only takes ${KINDS.join(', ')}`);
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
        if (kinds.has('prediction')) t.subscribe(`${o.prefix}.out.${p}`, {
          callback: (m) => {
            const d = decodePrediction(m.data, { contentType: m.headers['Content-Type'] });
            if (!d.ok || !patternMatches(pat, d.value.stream)) return;
            const v = d.value;
            out(o.json ? JSON.stringify({ type: 'prediction', ...v }, plainArrays) : `${v.stream} #${v.seq} forecast=${fmt(v.f)} err=${num(v.err)} score=${num(v.score)} lik=${num(v.lik)}`);
          },
        });
        if (kinds.has('alert')) t.subscribe(`${o.prefix}.alert.${p}`, {
          callback: (m) => {
            const d = decodeAlert(m.data, { contentType: m.headers['Content-Type'] });
            if (!d.ok || !patternMatches(pat, d.value.stream)) return;
            out(o.json ? JSON.stringify({ type: 'alert', ...d.value }, plainArrays) : `ALERT ${d.value.stream} #${d.value.seq} ${JSON.stringify(d.value)}`);
          },
        });
        if (kinds.has('reject')) t.subscribe(`${o.prefix}.reject.${p}`, {
          callback: (m) => {
            const d = decodeReject(m.data, { contentType: m.headers['Content-Type'] });
            if (!d.ok) return;
            // A sample too broken to name its stream is rejected on its subject's stream token.
            const v = { ...d.value, stream: d.value.stream ?? m.subject.slice(m.subject.lastIndexOf('.') + 1) };
            if (!patternMatches(pat, v.stream)) return;
            out(o.json ? JSON.stringify({ type: 'reject', ...v }, plainArrays) : `REJECT ${v.stream} #${v.seq ?? '-'} ${v.code}: ${v.msg}`);
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
