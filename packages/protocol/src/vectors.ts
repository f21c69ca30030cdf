// Vector wire forms: an array of numbers, or a bin of little-endian float32 (4 bytes per element).
// Byte order is fixed little-endian whatever the host, so a producer in any language can write it.

/** How encoders write vectors: `array` (msgpack array of float64/int) or `f32` (float32 bin). */
export type VectorEncoding = 'array' | 'f32';

/** Packs a vector as little-endian float32 bytes (values are rounded to float32). */
export function f32Bytes(v: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i], true);
  return out;
}

/** Reads little-endian float32 bytes into a new Float64Array; `bytes.length` must be a multiple of 4. */
export function f32Vector(bytes: Uint8Array): Float64Array {
  const n = bytes.length >>> 2;
  const out = new Float64Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
