// runGateway: the service as a function, for src/main.ts and the CLI (`carousel gateway`, `carousel
// up`). Connects the transport (NATS when a URL is given, else the in-process bus, said loudly),
// starts the gateway, and on SIGTERM/SIGINT drains it, closes the transport and exits 0.

import { InProcTransport, NatsTransport } from '@carousel/bus';
import type { Transport } from '@carousel/bus';
import { Gateway } from './gateway.ts';
import { createLogger } from './log.ts';
import type { LogLevel, Logger } from './log.ts';
import type { GatewayOptions } from './options.ts';

export interface RunGatewayOptions extends Partial<GatewayOptions> {
  /** NATS server URL(s), comma-separated; null/undefined uses `transport` or the in-process bus. */
  natsUrl?: string | null;
  /** NATS user name, with `natsPass` (default none). */
  natsUser?: string;
  /** NATS password, with `natsUser` (default none). */
  natsPass?: string;
  /** NATS auth token (default none). */
  natsToken?: string;
  /** Path of a NATS `.creds` file (default none). */
  natsCreds?: string;
  /** Prefix of the connection's reply inboxes (default `_INBOX`; with secure.conf `_INBOX_gateway`). */
  natsInboxPrefix?: string;
  /** A transport to use instead of connecting (the CLI's embedded mode); not closed on shutdown. */
  transport?: Transport;
  /** Log level (default 'info'). */
  logLevel?: LogLevel;
  /** Logger (default JSON lines on stdout). */
  logger?: Logger;
  /** Drain and exit 0 on SIGTERM/SIGINT (default true). */
  handleSignals?: boolean;
}

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly transport: Transport;
  /** Drains the gateway and closes the transport it opened. Idempotent. */
  stop(): Promise<void>;
}

export async function runGateway(opts: RunGatewayOptions = {}): Promise<RunningGateway> {
  const { natsUrl, natsUser, natsPass, natsToken, natsCreds, natsInboxPrefix, transport: given, logLevel, logger, handleSignals = true, ...gatewayOptions } = opts;
  const log = logger ?? createLogger('gateway', logLevel ?? 'info');
  let transport: Transport;
  let owned = true;
  if (given !== undefined) {
    transport = given;
    owned = false;
  } else if (natsUrl !== undefined && natsUrl !== null && natsUrl !== '') {
    transport = await NatsTransport.connect({
      servers: natsUrl.split(',').map((s) => s.trim()),
      name: 'carousel-gateway',
      ...(natsUser !== undefined ? { user: natsUser } : {}),
      ...(natsPass !== undefined ? { pass: natsPass } : {}),
      ...(natsToken !== undefined ? { token: natsToken } : {}),
      ...(natsCreds !== undefined ? { credsFile: natsCreds } : {}),
      ...(natsInboxPrefix !== undefined ? { inboxPrefix: natsInboxPrefix } : {}),
    });
  } else {
    log.warn('no NATS_URL: using the in-process bus; only publishers in this process reach the gateway');
    transport = new InProcTransport();
  }
  let gateway: Gateway;
  try {
    gateway = await Gateway.start(transport, gatewayOptions, { logger: log });
  } catch (err) {
    if (owned) await transport.close();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await gateway.drain();
      if (owned) await transport.drain().catch(() => transport.close());
    })());
  if (handleSignals) {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info('signal received; draining', { signal });
      void stop().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error('drain failed', { error: err });
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { gateway, transport, stop };
}
