// The one record every generator yields: a timestamped feature vector with its ground truth.
// Not a wire message: the Simulator turns points into protocol Samples.

/** The anomaly kinds the sensor generator injects (the audio generator uses 'click'). */
export type AnomalyKind = 'spike' | 'levelShift' | 'varianceBurst' | 'stuck' | 'frequencyChange' | 'driftAcceleration' | 'click';

export const SENSOR_ANOMALY_KINDS: readonly AnomalyKind[] = [
  'spike', 'levelShift', 'varianceBurst', 'stuck', 'frequencyChange', 'driftAcceleration',
];

/** One generated step. */
export interface Point {
  /** Timestamp, milliseconds since the Unix epoch. */
  readonly ts: number;
  /** Feature vector. */
  readonly x: number[];
  /** Ground truth: 1 inside an injected anomaly, else 0. */
  readonly label: 0 | 1;
  /** The anomaly kind when label is 1. */
  readonly kind?: AnomalyKind;
}
