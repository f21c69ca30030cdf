// A small WAV (RIFF) reader and writer: PCM 16-bit and IEEE float 32-bit, any channel count.
// Reading mixes down to mono float samples in [-1, 1]. Not a general audio library: no
// compressed formats, no 24-bit, no resampling.

import { readFileSync, writeFileSync } from 'node:fs';

/** Sample formats understood here. */
export type WavFormat = 'pcm16' | 'float32';

/** A decoded WAV file, mixed down to mono. */
export interface Wav {
  readonly sampleRate: number;
  /** Channels in the file (the samples below are their mean). */
  readonly channels: number;
  readonly format: WavFormat;
  /** Mono samples in [-1, 1]. */
  readonly samples: Float32Array;
}

/** Decodes a WAV byte buffer (RangeError when it is not a PCM16 / float32 RIFF WAVE). */
export function decodeWav(bytes: Uint8Array): Wav {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new RangeError('not a RIFF WAVE file');
  let fmt: { format: WavFormat; channels: number; sampleRate: number } | null = null;
  let off = 12;
  while (off + 8 <= bytes.length) {
    const id = tag(off);
    const size = dv.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ') {
      const code = dv.getUint16(body, true);
      const channels = dv.getUint16(body + 2, true);
      const sampleRate = dv.getUint32(body + 4, true);
      const bits = dv.getUint16(body + 14, true);
      // 0xfffe (WAVE_FORMAT_EXTENSIBLE) carries the real format code in its sub-format GUID.
      const real = code === 0xfffe && size >= 26 ? dv.getUint16(body + 24, true) : code;
      if (real === 1 && bits === 16) fmt = { format: 'pcm16', channels, sampleRate };
      else if (real === 3 && bits === 32) fmt = { format: 'float32', channels, sampleRate };
      else throw new RangeError(`unsupported WAV format code ${real} with ${bits} bits`);
      if (channels < 1) throw new RangeError('WAV has no channels');
    } else if (id === 'data') {
      if (!fmt) throw new RangeError('WAV data chunk before fmt chunk');
      const width = fmt.format === 'pcm16' ? 2 : 4;
      const end = Math.min(body + size, bytes.length);
      const frames = Math.floor((end - body) / (width * fmt.channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) {
        let s = 0;
        for (let c = 0; c < fmt.channels; c++) {
          const at = body + (i * fmt.channels + c) * width;
          s += fmt.format === 'pcm16' ? dv.getInt16(at, true) / 32768 : dv.getFloat32(at, true);
        }
        samples[i] = s / fmt.channels;
      }
      return { ...fmt, samples };
    }
    off = body + size + (size & 1); // chunks are word aligned
  }
  throw new RangeError('WAV has no data chunk');
}

/** Encodes interleaved samples (frames × channels, values in [-1, 1]) as a WAV file. */
export function encodeWav(samples: ArrayLike<number>, sampleRate: number, opts: { channels?: number; format?: WavFormat } = {}): Uint8Array {
  const channels = opts.channels ?? 1;
  const format = opts.format ?? 'pcm16';
  const width = format === 'pcm16' ? 2 : 4;
  const dataBytes = samples.length * width;
  const out = new Uint8Array(44 + dataBytes);
  const dv = new DataView(out.buffer);
  const put = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  dv.setUint32(4, 36 + dataBytes, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, format === 'pcm16' ? 1 : 3, true);
  dv.setUint16(22, channels, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * channels * width, true);
  dv.setUint16(32, channels * width, true);
  dv.setUint16(34, width * 8, true);
  put(36, 'data');
  dv.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]));
    if (format === 'pcm16') dv.setInt16(44 + 2 * i, Math.min(32767, Math.round(v * 32768)), true); // the reader divides by 32768
    else dv.setFloat32(44 + 4 * i, v, true);
  }
  return out;
}

/** Reads and decodes a WAV file. */
export function readWav(path: string): Wav {
  return decodeWav(readFileSync(path));
}

/** Encodes and writes a WAV file. */
export function writeWav(path: string, samples: ArrayLike<number>, sampleRate: number, opts: { channels?: number; format?: WavFormat } = {}): void {
  writeFileSync(path, encodeWav(samples, sampleRate, opts));
}
