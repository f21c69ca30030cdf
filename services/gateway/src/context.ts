// What a connection and a replay need from their gateway. Gateway implements it; keeping it an
// interface keeps connection.ts free of the HTTP server and the bus subscriptions.

import type { Transport } from '@carousel/bus';
import type { Subjects } from '@carousel/protocol';
import type { TokenVerifier } from './auth.ts';
import type { Logger } from './log.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { GatewayOptions } from './options.ts';
import type { AuthRateLimiter } from './rate-limit.ts';
import type { GatewayStatus } from './status.ts';

export interface GatewayContext {
  readonly options: Readonly<GatewayOptions>;
  readonly transport: Transport;
  readonly subjects: Subjects;
  readonly verifier: TokenVerifier;
  readonly limiter: AuthRateLimiter;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** True when the history stream exists and replays can run. */
  readonly historyReady: boolean;
  emit(e: GatewayStatus): void;
  /** Called once when a connection has closed. */
  removeConnection(id: number): void;
}
