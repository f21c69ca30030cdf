// Public entry of @carousel/gateway: the gateway, its options, codes and wire constants, the token
// tool for the CLI, runGateway for the CLI and src/main.ts, and benchFanout for `npm run bench`.

export { Gateway, GATEWAY_CLOSED, GATEWAY_DRAINING, GATEWAY_RUNNING, type GatewayDeps } from './gateway.ts';
export { runGateway, type RunGatewayOptions, type RunningGateway } from './run.ts';
export { GATEWAY_ENV, gatewayOptionsFromEnv } from './env.ts';
export {
  DEFAULT_AUTH_BURST, DEFAULT_AUTH_REFILL_PER_SEC, DEFAULT_AUTH_TIMEOUT_MS, DEFAULT_AUTH_TRACKED_ADDRESSES, DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_HARD_LIMIT_BYTES, DEFAULT_HARD_LIMIT_MESSAGES, DEFAULT_HEARTBEAT_MS, DEFAULT_HISTORY_MAX_AGE_MS,
  DEFAULT_HISTORY_MAX_MESSAGES, DEFAULT_HISTORY_STORAGE, DEFAULT_HISTORY_STREAM, DEFAULT_HOST, DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_HELD_MESSAGES, DEFAULT_MAX_PATTERNS, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_RESUME_STREAMS, DEFAULT_MAX_SUBSCRIPTIONS,
  DEFAULT_PORT, DEFAULT_PREFIX, DEFAULT_REPLAY_IDLE_MS, DEFAULT_REPLAY_STALL_MS, DEFAULT_SLOW_GRACE_MS, DEFAULT_SOCKET_HIGH_WATER_BYTES,
  DEFAULT_SOFT_LIMIT_BYTES, DEFAULT_SOFT_LIMIT_MESSAGES, DEFAULT_WS_PATH, defaultGatewayOptions, defaultStaticDir, parseGatewayOptions, type GatewayOptions,
} from './options.ts';
export { CLOSE, GW_ERR, GW_ERR_CODES, GatewayError, isGatewayError, type GatewayErrorCode } from './errors.ts';
export { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, type WireFormat } from './frames.ts';
export { signToken, TokenVerifier, type Grant, type SignTokenOptions } from './auth.ts';
export { compilePattern, patternCovers, patternMatches, withinScope, type StreamPattern } from './glob.ts';
export type { GatewayStatus } from './status.ts';
export { createLogger, silentLogger, type Logger, type LogLevel } from './log.ts';
export { benchFanout, type BenchFanoutOptions, type BenchFanoutResult } from './bench.ts';
