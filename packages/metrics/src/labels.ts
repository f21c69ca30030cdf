// Bounded label values. Metric labels must come from closed sets (DESIGN.md: no per-stream labels),
// so free-form values are mapped here before they reach a metric.

/** Label value for anything outside a vocabulary. */
export const OTHER = 'other';

/** A partition number as its label value ("0", "1", ...). Throws on anything but a small integer. */
export function partitionLabel(partition: number): string {
  if (!Number.isInteger(partition) || partition < 0 || partition > 65535) throw new RangeError(`partition ${partition} is not an integer in [0, 65535]`);
  return String(partition);
}

/** `code` if the vocabulary holds it, otherwise 'other'. */
export function codeLabel(code: string, vocabulary: ReadonlySet<string>): string {
  return vocabulary.has(code) ? code : OTHER;
}

/** WebSocket close codes the gateway labels by name; any other code counts as 'other'. */
export const CLOSE_CODES: ReadonlySet<string> = new Set(['1000', '1001', '1006', '1008', '1009', '1011', '1012', '1013', '4000', '4001', '4008', '4029']);

/** A WebSocket close code as its label value. */
export function closeCodeLabel(code: number): string {
  return codeLabel(String(code), CLOSE_CODES);
}
