// The normaliser a stream uses: @carousel/anomaly's OnlineNormalizer, or the identity when the
// stream's config turns normalisation off. One interface so the processor never branches.

import { OnlineNormalizer, type OnlineNormalizerState } from '@carousel/anomaly';

export type NormalizerState = OnlineNormalizerState | { readonly identity: true };

export interface Normalizer {
  normalize(x: ArrayLike<number>, out: Float64Array): Float64Array;
  denormalize(z: ArrayLike<number>, out: Float64Array): Float64Array;
  update(x: ArrayLike<number>): void;
  /** Units of feature i per normalised unit. */
  scale(i: number): number;
  snapshot(): NormalizerState;
  restore(s: NormalizerState): void;
}

const IDENTITY: Normalizer = Object.freeze({
  normalize: (x: ArrayLike<number>, out: Float64Array) => (out.set(x as ArrayLike<number>), out),
  denormalize: (z: ArrayLike<number>, out: Float64Array) => (out.set(z as ArrayLike<number>), out),
  update: () => {},
  scale: () => 1,
  snapshot: () => ({ identity: true as const }),
  restore: () => {},
});

export function createNormalizer(o: { features: number; window: number; enabled: boolean }): Normalizer {
  if (!o.enabled) return IDENTITY;
  const n = new OnlineNormalizer({ features: o.features, window: o.window });
  return {
    normalize: (x, out) => n.normalize(x as Float64Array, out),
    denormalize: (z, out) => n.denormalize(z as Float64Array, out),
    update: (x) => n.update(x as Float64Array),
    scale: (i) => n.scale(i),
    snapshot: () => n.snapshot(),
    restore: (s) => n.restore(s as OnlineNormalizerState),
  };
}
