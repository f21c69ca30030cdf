// `carousel streams list | inspect | configure | reset | snapshot | delete`: the control API
// (<prefix>.ctl.<stream> request-reply; `list` on the bare <prefix>.ctl, answered by every worker)
// from a shell. Replies are printed as JSON.

import { DEFAULT_INBOX_PREFIX, type BusMsg, type Transport } from '@carousel/bus';
import { PROTOCOL_VERSION, createSubjects, parseOptions, decodeControlReply, decodeSample, encodeControlRequest, type ControlReply, type ControlRequest } from '@carousel/protocol';
import type { Command } from 'commander';
import { natsOptions, withNats, type NatsFlags } from './connect.ts';
import { uploadModel } from './upload.ts';

interface StreamsFlags extends NatsFlags {
  timeout: string;
}

export function registerStreams(program: Command): void {
  const streams = program.command('streams').description('The control API: list, inspect, configure, reset, snapshot, delete streams.');
  const sub = (name: string, description: string): Command =>
    natsOptions(streams.command(name).description(description)).option('--timeout <ms>', 'how long to wait for replies', '2000');

  sub('list', 'list the streams every worker owns').action(async (o: StreamsFlags) => {
    await withNats(o, 'carousel-cli', async (t) => print(await listStreams(t, o.prefix, Number(o.timeout), o.natsInboxPrefix)));
  });
  sub('inspect <stream>', "a stream's config, statistics and model").action(async (stream: string, o: StreamsFlags) => {
    await withNats(o, 'carousel-cli', async (t) => {
      const r = await control(t, o.prefix, { v: PROTOCOL_VERSION, op: 'inspect', stream }, Number(o.timeout));
      // The owner answers for any id, with the defaults: say when nothing was ever seen of it.
      if (r.ok && r.op === 'inspect' && r.info.seq === null && r.info.n === 0 && r.info.mv === 0) {
        process.stderr.write(`note: no sample, checkpoint or configure of ${stream} yet (is the id right? \`carousel streams list\` lists the known ones)\n`);
      }
      reply(r);
    });
  });
  sub('configure <stream> [json]', 'change a stream\'s config, e.g. \'{"model":{"hidden":16},"horizon":4}\'')
    .option('--warm <file>', 'start the stream from these PyTorch weights (.safetensors or state-dict .json): uploaded as `carousel model upload` does, then cfg.warm names them')
    .action(async (stream: string, json: string | undefined, o: StreamsFlags & { warm?: string }) => {
      if (json === undefined && o.warm === undefined) throw new Error('configure needs a config (JSON) or --warm <file>');
      let cfg: Record<string, unknown>;
      try {
        cfg = JSON.parse(json ?? '{}') as Record<string, unknown>;
      } catch (e) {
        throw new Error(`config is not JSON: ${(e as Error).message}`);
      }
      if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new Error('config must be a JSON object');
      if (o.warm !== undefined && cfg.warm !== undefined) throw new Error('give the warm start either in the config or as --warm, not both');
      await withNats(o, 'carousel-cli', async (t) => {
        if (o.warm !== undefined) {
          const u = await uploadModel(t, o.prefix, o.warm);
          process.stderr.write(`uploaded ${o.warm} as ${u.obj} (${u.cell}, ${u.inputs} inputs, hidden ${u.hidden.join('/')})\n`);
          cfg = { ...cfg, warm: { obj: u.obj, format: u.format } };
        }
        reply(await control(t, o.prefix, { v: PROTOCOL_VERSION, op: 'configure', stream, cfg } as ControlRequest, Number(o.timeout)));
      });
    });
  sub('reset <stream>', "start a stream's model over: fresh weights and state under its config, a new model version; the next sample may have another number of features").action(async (stream: string, o: StreamsFlags) => {
    await withNats(o, 'carousel-cli', async (t) => reply(await control(t, o.prefix, { v: PROTOCOL_VERSION, op: 'reset', stream }, Number(o.timeout))));
  });
  sub('snapshot <stream>', 'checkpoint a stream now').action(async (stream: string, o: StreamsFlags) => {
    await withNats(o, 'carousel-cli', async (t) => reply(await control(t, o.prefix, { v: PROTOCOL_VERSION, op: 'snapshot', stream }, Number(o.timeout))));
  });
  sub('delete <streams...>', "forget streams: each one's model, state, config and checkpoint; they leave `list`, and a later sample starts one anew under the default config").action(async (ids: string[], o: StreamsFlags) => {
    await withNats(o, 'carousel-cli', async (t) => {
      // One reply per id, in order; one id prints its reply alone, as the other commands do.
      const replies: ControlReply[] = [];
      for (const stream of ids) replies.push(await control(t, o.prefix, { v: PROTOCOL_VERSION, op: 'delete', stream }, Number(o.timeout)));
      print(replies.length === 1 ? replies[0] : replies);
      if (replies.some((r) => !r.ok)) process.exitCode = 1;
    });
  });
}


function print(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

/** Prints a control reply; a refused request (ok: false, with its code) makes the command exit 1. */
function reply(r: ControlReply): void {
  print(r);
  if (!r.ok) process.exitCode = 1;
}

/** One control request to the stream's owner. Throws when no worker answers. */
export async function control(t: Transport, prefix: string, req: ControlRequest, timeoutMs: number): Promise<ControlReply> {
  const subjects = createSubjects(parseOptions({ prefix }));
  const stream = 'stream' in req ? req.stream : undefined;
  let m: BusMsg;
  try {
    m = await t.request(subjects.ctl(stream), encodeControlRequest(req), { timeout: timeoutMs });
  } catch (e) {
    throw new Error(`no worker answered for ${stream ?? 'list'} within ${timeoutMs} ms (${(e as Error).message})`);
  }
  const d = decodeControlReply(m.data);
  if (!d.ok) throw new Error(`bad reply: ${d.reject.code} ${d.reject.msg}`);
  return d.value;
}

/**
 * `list` goes to every worker: gather every reply that arrives within the timeout. A worker that
 * could not list (ok: false, e.g. its state bucket unreadable) is in `errors`, so a short list says why.
 */
export async function listStreams(t: Transport, prefix: string, timeoutMs: number, inboxPrefix = DEFAULT_INBOX_PREFIX): Promise<{ workers: number; streams: string[]; partitions: number[]; errors: { code: string; msg: string }[] }> {
  const subjects = createSubjects(parseOptions({ prefix }));
  // Under the connection's own inbox prefix: with secure.conf the user may subscribe nowhere else.
  const inbox = `${inboxPrefix}.carousel-cli.${process.pid}.${Date.now()}`;
  const sub = t.subscribe(inbox);
  t.publish(subjects.ctl(), encodeControlRequest({ v: PROTOCOL_VERSION, op: 'list' }), { reply: inbox });
  const streams = new Set<string>();
  const parts = new Set<number>();
  const errors: { code: string; msg: string }[] = [];
  let workers = 0;
  const timer = setTimeout(() => sub.close(), timeoutMs);
  for await (const m of sub) {
    const d = decodeControlReply(m.data);
    if (d.ok && d.value.ok && d.value.op === 'list') {
      workers++;
      d.value.streams.forEach((s) => streams.add(s));
      d.value.parts.forEach((p) => parts.add(p));
    } else if (d.ok && !d.value.ok && d.value.op === 'list') {
      errors.push({ code: d.value.code, msg: d.value.msg });
    }
  }
  clearTimeout(timer);
  return { workers, streams: [...streams].sort(), partitions: [...parts].sort((a, b) => a - b), errors };
}

/**
 * Where `replay --append` starts: after the newest seq the stream has, counting what its worker has
 * accepted (inspect) and what is still queued for it (the newest message the input stream holds on
 * <prefix>.p.*.<stream>, or <prefix>.p.*.<group>.<stream> for a model group's member). Counting only the first, an append while the worker still had samples
 * queued reused their seqs, and JetStream dropped those rows as duplicates of the queued ones.
 * `warning` says when the input stream could not be read (then only the worker's seq counts).
 */
export async function appendStart(t: Transport, prefix: string, stream: string, timeoutMs: number, group?: string): Promise<{ first: number; accepted: number | null; queued: number | null; warning?: string }> {
  const r = await control(t, prefix, { v: PROTOCOL_VERSION, op: 'inspect', stream }, timeoutMs);
  if (!r.ok || r.op !== 'inspect') throw new Error(`inspect ${stream} failed: ${r.ok ? r.op : `${r.code} ${r.msg}`}`);
  const accepted = r.info.seq;
  const subjects = createSubjects(parseOptions({ prefix }));
  let queued: number | null = null;
  let warning: string | undefined;
  try {
    const m = await t.lastMessage(subjects.jsStream, group === undefined ? `${prefix}.p.*.${stream}` : `${prefix}.p.*.${group}.${stream}`);
    const d = m === null ? null : decodeSample(m.data, { contentType: m.headers['Content-Type'] ?? m.headers['content-type'], stream });
    queued = d?.ok ? d.value.seq : null;
  } catch (e) {
    warning = `could not read ${subjects.jsStream} (${(e as Error).message}): samples still queued for ${stream} are not counted`;
  }
  const last = Math.max(accepted ?? -1, queued ?? -1);
  return { first: last + 1, accepted, queued, ...(warning === undefined ? {} : { warning }) };
}

