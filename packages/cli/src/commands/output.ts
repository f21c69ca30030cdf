// What the commands print: JSON as a reader expects it.

/** JSON.stringify replacer: typed arrays (a decoded forecast) as plain arrays, not {"0": ...} maps. */
export function plainArrays(_key: string, v: unknown): unknown {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v;
}
