// Public entry of @carousel/client: the WebSocket Subscriber (Node and browsers) and the NATS
// Producer, their options, events, wire types and error codes.

export {
  DEFAULT_BACKOFF_INITIAL_MS, DEFAULT_BACKOFF_JITTER, DEFAULT_BACKOFF_MAX_MS, DEFAULT_CONNECT_TIMEOUT_MS, SUBSCRIBER_AUTHENTICATING,
  SUBSCRIBER_CLOSED, SUBSCRIBER_CONNECTING, SUBSCRIBER_IDLE, SUBSCRIBER_OPEN, SUBSCRIBER_RECONNECTING, SUBSCRIBER_STATE_NAMES, Subscriber,
  type SubscriberEvents, type SubscriberOptions, type SubscriberStateName, type WebSocketCtor, type WebSocketLike,
} from './subscriber.ts';
export {
  DEFAULT_PRODUCER_TIMEOUT_MS, DEFAULT_PUBLISH_ATTEMPTS, Producer, type ProducerOptions, type ProducerTransport, type PublishResult,
  type SampleInput,
} from './producer.ts';
export { CLIENT_ERR, ClientError, isClientError, type ClientErrorCode } from './errors.ts';
export { backoffDelay, type BackoffOptions } from './backoff.ts';
export { SeqTracker } from './seq-tracker.ts';
export {
  SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, type AlertMessage, type AuthenticatedMessage, type ErrorMessage, type PredictionMessage,
  type ServerMessage, type WireFormat,
} from './wire.ts';
