// Maps errors of the `nats` client to BusError codes, so callers see one vocabulary whichever
// transport they use. Unknown errors become BUS_ERR_SERVER with the original as `cause`.

import { ErrorCode, NatsError } from 'nats';
import { BUS_ERR, BusError, type BusErrorCode } from './errors.ts';

/** JetStream API error codes we recognise (from nats-server's errors.json). */
const JS_WRONG_LAST_SEQUENCE = 10071;
const JS_STREAM_NOT_FOUND = 10059;
const JS_CONSUMER_NOT_FOUND = 10014;
const JS_NO_MESSAGE_FOUND = 10037;

function codeOf(err: unknown, context: 'core' | 'jetstream'): BusErrorCode {
  if (err instanceof NatsError) {
    const api = err.api_error?.err_code;
    if (api === JS_WRONG_LAST_SEQUENCE) return BUS_ERR.REVISION;
    if (api === JS_STREAM_NOT_FOUND || api === JS_CONSUMER_NOT_FOUND || api === JS_NO_MESSAGE_FOUND) return BUS_ERR.NOT_FOUND;
    switch (err.code) {
      case ErrorCode.NoResponders:
        return context === 'jetstream' ? BUS_ERR.NO_STREAM : BUS_ERR.NO_RESPONDERS;
      case ErrorCode.Timeout:
        return BUS_ERR.TIMEOUT;
      case ErrorCode.ConnectionClosed:
      case ErrorCode.ConnectionDraining:
        return BUS_ERR.CLOSED;
      case ErrorCode.MaxPayloadExceeded:
        return BUS_ERR.PAYLOAD_TOO_LARGE;
      case ErrorCode.BadSubject:
        return BUS_ERR.INVALID_NAME;
      case ErrorCode.ConnectionRefused:
      case ErrorCode.ConnectionTimeout:
      case ErrorCode.Disconnect:
        return BUS_ERR.CONNECTION;
      case '404':
        return BUS_ERR.NOT_FOUND;
    }
  }
  const msg = err instanceof Error ? err.message : String(err);
  if (/wrong last sequence/i.test(msg)) return BUS_ERR.REVISION;
  if (/stream not found|not found/i.test(msg)) return BUS_ERR.NOT_FOUND;
  if (/invalid (key|bucket|subject|name)/i.test(msg)) return BUS_ERR.INVALID_NAME;
  if (/payload too large|max_payload|maximum payload/i.test(msg)) return BUS_ERR.PAYLOAD_TOO_LARGE;
  return BUS_ERR.SERVER;
}

/** True for JetStream's "no message found" (a message get that matched nothing). */
export function isNoMessageFound(err: unknown): boolean {
  return err instanceof NatsError && err.api_error?.err_code === JS_NO_MESSAGE_FOUND;
}

/** `err` as a BusError (unchanged when it already is one). */
export function toBusError(err: unknown, what: string, context: 'core' | 'jetstream' = 'core'): BusError {
  if (err instanceof BusError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new BusError(codeOf(err, context), `${what}: ${msg}`, err);
}

/** Runs `fn`, rethrowing any error as a BusError. */
export async function mapErrors<T>(what: string, fn: () => Promise<T>, context: 'core' | 'jetstream' = 'core'): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toBusError(err, what, context);
  }
}
