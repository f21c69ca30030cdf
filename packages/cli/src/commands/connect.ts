// How every networked command reaches Carousel: a NATS connection from --nats-url / NATS_URL and
// the credential flags, shared by streams, tail, replay and simulate. One place, one set of flags.

import { DEFAULT_INBOX_PREFIX, NatsTransport, type Transport } from '@carousel/bus';
import { Option, type Command } from 'commander';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export interface NatsFlags {
  natsUrl: string;
  natsCreds?: string;
  natsUser?: string;
  natsPass?: string;
  natsToken?: string;
  natsInboxPrefix: string;
  prefix: string;
}

/** Adds the NATS connection flags (each also read from its environment variable). */
export function natsOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--nats-url <urls>', 'NATS server URL(s), comma separated').env('NATS_URL').default(DEFAULT_NATS_URL))
    .addOption(new Option('--nats-creds <file>', 'NATS credentials file (JWT + nkey seed)').env('NATS_CREDS'))
    .addOption(new Option('--nats-user <user>', 'NATS user').env('NATS_USER'))
    .addOption(new Option('--nats-pass <pass>', 'NATS password').env('NATS_PASS'))
    .addOption(new Option('--nats-token <token>', 'NATS token').env('NATS_TOKEN'))
    .addOption(new Option('--nats-inbox-prefix <prefix>', 'prefix of the NATS reply inboxes (with secure.conf: _INBOX_<user>)').env('NATS_INBOX_PREFIX').default(DEFAULT_INBOX_PREFIX))
    .addOption(new Option('--prefix <prefix>', 'subject prefix').env('CAROUSEL_PREFIX').default('carousel'));
}

export async function connectNats(o: NatsFlags, name: string): Promise<Transport> {
  return NatsTransport.connect({
    servers: o.natsUrl.split(',').map((s) => s.trim()).filter(Boolean),
    name,
    ...(o.natsCreds ? { credsFile: o.natsCreds } : {}),
    ...(o.natsUser ? { user: o.natsUser } : {}),
    ...(o.natsPass ? { pass: o.natsPass } : {}),
    ...(o.natsToken ? { token: o.natsToken } : {}),
    ...(o.natsInboxPrefix ? { inboxPrefix: o.natsInboxPrefix } : {}),
  });
}

/** Runs `fn` on a connection made from the flags, closed afterwards whether `fn` succeeds or not. */
export async function withNats<T>(o: NatsFlags, name: string, fn: (t: Transport) => Promise<T>): Promise<T> {
  const t = await connectNats(o, name);
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}
