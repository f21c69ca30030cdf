// The bench's machine floor for request-reply: a child process that does nothing but answer
// `<prefix>.idleecho` with an empty reply, on its own connection. Round trips to it measure what a
// request-reply costs on this machine and nats-server with no worker in the way; the worker bench
// times them beside its infer requests. Driven by BenchChild ('ready' once subscribed; stdin EOF
// closes). Not a test, not used by the service.

import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { NatsTransport } from '@carousel/bus';

export interface EchoOptions {
  natsUrl: string;
  prefix: string;
}

export const idleEchoSubject = (prefix: string): string => `${prefix}.idleecho`;

async function serve(o: EchoOptions): Promise<void> {
  const nats = await NatsTransport.connect({ servers: [o.natsUrl], name: 'carousel-bench-idle-echo' });
  nats.subscribe(idleEchoSubject(o.prefix), { callback: (m) => {
    if (m.reply !== undefined) nats.publish(m.reply, new Uint8Array(0));
  } });
  await nats.flush();
  process.stdout.write('ready\n');
  const rl = createInterface({ input: process.stdin });
  await new Promise<void>((r) => rl.once('close', r));
  await nats.close();
  process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) await serve(JSON.parse(process.argv[i + 1]!) as EchoOptions);
}
