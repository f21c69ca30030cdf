// One example of every message (and every control op), used by the tests and by docs/protocol.md.
// Vector values are exactly representable in float32, so they survive the f32 encoding unchanged.

import type { EncodableTypes, MessageKind } from './messages.ts';

export interface Example<K extends MessageKind = MessageKind> {
  /** Short title, e.g. 'Sample' or 'ControlRequest (configure)'. */
  readonly title: string;
  readonly kind: K;
  readonly msg: EncodableTypes[K];
}

const ex = <K extends MessageKind>(title: string, kind: K, msg: EncodableTypes[K]): Example<K> => Object.freeze({ title, kind, msg });

export const EXAMPLES: readonly Example[] = Object.freeze([
  ex('Sample', 'sample', { v: 1, stream: 'pump-7', seq: 42, ts: 1700000000000, x: [0.5, -1.25, 3], y: [0.75] }),
  ex('Prediction', 'prediction', { v: 1, stream: 'pump-7', seq: 42, ts: 1700000000000, f: [0.25, -1, 2.5], x: [0.5, -1.25, 3], err: 0.125, score: 0.5, lik: 0.75, mv: 3, pt: 0.000125 }),
  ex('Prediction (horizon)', 'prediction', { v: 1, stream: 'pump-7', seq: 43, f: [[0.25, -1], [0.5, -0.5]], err: null, score: null, lik: null, mv: 3, pt: 0.0005 }),
  ex('Alert', 'alert', { v: 1, stream: 'pump-7', seq: 42, ts: 1700000000000, score: 0.875, lik: 0.99999, thr: 0.9999, mv: 3 }),
  ex('Reject', 'reject', { v: 1, stream: 'pump-7', seq: 41, code: 'PROTO_ERR_NON_FINITE', msg: 'x[1] is NaN' }),
  ex('InferRequest', 'inferRequest', { v: 1, stream: 'pump-7', x: [0.5, -1.25, 3], h: 2 }),
  ex('InferReply', 'inferReply', { v: 1, ok: true, stream: 'pump-7', seq: 42, f: [[0.25, -1, 2.5], [0.5, -0.5, 2]], mv: 3, pt: 0.00025 }),
  ex('InferReply (error)', 'inferReply', { v: 1, ok: false, stream: 'pump-7', code: 'PROTO_ERR_DIMENSION', msg: 'x must have length 3, got 2' }),
  ex('ControlRequest (configure)', 'controlRequest', { v: 1, op: 'configure', stream: 'pump-7', cfg: { cell: 'lstm97', hidden: 8, lr: 0.01, learner: { kind: 'tbptt', k1: 1, k2: 16 } } }),
  ex('ControlRequest (reset)', 'controlRequest', { v: 1, op: 'reset', stream: 'pump-7' }),
  ex('ControlRequest (inspect)', 'controlRequest', { v: 1, op: 'inspect', stream: 'pump-7' }),
  ex('ControlRequest (snapshot)', 'controlRequest', { v: 1, op: 'snapshot', stream: 'pump-7' }),
  ex('ControlRequest (list)', 'controlRequest', { v: 1, op: 'list' }),
  ex('ControlRequest (delete)', 'controlRequest', { v: 1, op: 'delete', stream: 'pump-7' }),
  ex('ControlReply (configure)', 'controlReply', { v: 1, ok: true, op: 'configure', stream: 'pump-7', mv: 4 }),
  ex('ControlReply (reset)', 'controlReply', { v: 1, ok: true, op: 'reset', stream: 'pump-7', mv: 5 }),
  ex('ControlReply (inspect)', 'controlReply', { v: 1, ok: true, op: 'inspect', stream: 'pump-7', info: { seq: 42, js: 1017, n: 40, mv: 3, cfg: { cell: 'lstm97', hidden: 8 }, err: 0.125, score: 0.5 } }),
  ex('ControlReply (snapshot)', 'controlReply', { v: 1, ok: true, op: 'snapshot', stream: 'pump-7', mv: 3, js: 1017, seq: 42 }),
  ex('ControlReply (delete)', 'controlReply', { v: 1, ok: true, op: 'delete', stream: 'pump-7', mv: 6 }),
  ex('ControlReply (list)', 'controlReply', { v: 1, ok: true, op: 'list', streams: ['pump-7', 'pump-8'], parts: [0, 5] }),
  ex('ControlReply (error)', 'controlReply', { v: 1, ok: false, op: 'configure', stream: 'pump-7', code: 'LSTM_ERR_CONFIG', msg: 'hidden must be an integer in [1, 4096]' }),
  ex('Checkpoint', 'checkpoint', { v: 1, stream: 'pump-7', mv: 3, js: 1017, seq: 42, b: new Uint8Array([0x93, 0x01, 0x02, 0x03]) }),
  ex('Checkpoint (Object Store)', 'checkpoint', { v: 1, stream: 'pump-7', mv: 3, js: 1017, seq: 42, obj: 'pump-7.3' }),
]);
