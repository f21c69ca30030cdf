// Keeps docs/protocol.md honest: every example there is what the codec produces today.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encode, PROTO_ERR_CODES } from './index.ts';
import { EXAMPLES } from './examples.ts';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** The fenced block that follows `label` inside the `#### title` section, or undefined. */
function block(title: string, label: string): string | undefined {
  const start = doc.indexOf(`\n#### ${title}\n`);
  if (start < 0) return undefined;
  const next = doc.indexOf('\n#### ', start + 1);
  const section = doc.slice(start, next < 0 ? undefined : next);
  const match = new RegExp(`\\n${label}\\n\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(section);
  return match?.[1];
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('docs - protocol.md examples match the codec', () => {
  for (const { title, kind, msg } of EXAMPLES) {
    it(`${title} in JSON and msgpack`, () => {
      expect(block(title, 'JSON:')).toBe(new TextDecoder().decode(encode(kind, msg, { format: 'json' })));
      expect(block(title, String.raw`msgpack \(hex\):`)?.replace(/\s+/g, '')).toBe(hexOf(encode(kind, msg)));
      const f32 = block(title, String.raw`msgpack with float32 bin vectors \(hex\):`);
      if (f32 !== undefined) expect(f32.replace(/\s+/g, '')).toBe(hexOf(encode(kind, msg, { vectors: 'f32' })));
    });
  }

  it('documents every PROTO_ERR code', () => {
    for (const code of PROTO_ERR_CODES) expect(doc).toContain(`| \`${code}\` |`);
  });
});
