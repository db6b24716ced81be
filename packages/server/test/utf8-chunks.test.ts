import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../src/formats/index.js';
import { utf8Chunks } from '../src/formats/text.js';
import { parsedOutcome as outcome } from './helpers/parsed.js';

/**
 * What utf8Chunks did before it used isUtf8: a fatal streaming TextDecoder, the reference. It keeps
 * every BOM and this drops the leading one itself: Node 24's decoder (24.22), told to drop it,
 * drops a second BOM too when the first arrives split across chunks, where the Encoding Standard
 * and Node 20 drop only the first.
 */
async function* decoderChunks(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let atStart = true;
  const decode = (chunk?: Uint8Array): string => {
    let text: string;
    try {
      text = chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch (error) {
      throw new FormatError('the text is not valid UTF-8', undefined, { cause: error });
    }
    if (atStart && text !== '') {
      atStart = false;
      if (text.startsWith('\ufeff')) text = text.slice(1);
    }
    return text;
  };
  for await (const chunk of bytes) {
    const text = decode(chunk);
    if (text !== '') yield text;
  }
  const rest = decode();
  if (rest !== '') yield rest;
}

/** The bytes in pieces whose sizes are `sizes`, over and over. */
async function* pieces(all: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  for (let at = 0, i = 0; at < all.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield all.subarray(at, at + size);
    at += size;
  }
}

/** Valid text (BOMs, 2- to 4-byte characters) and every kind of byte that is not UTF-8 where it stands. */
const PIECES = [
  [0xef, 0xbb, 0xbf], [0x61], [0x0a], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xed, 0x9f, 0xbf], [0xf4, 0x8f, 0xbf, 0xbf],
  [0x80], [0xbf], [0xc0], [0xc1], [0xc2], [0xe0], [0xe0, 0x80], [0xe0, 0xa0], [0xed, 0xa0], [0xed, 0xa0, 0x80], [0xf0], [0xf0, 0x80], [0xf0, 0x90],
  [0xf0, 0x90, 0x80], [0xf4, 0x90], [0xf5], [0xff], [0xe2, 0x82]
];

describe('utf8Chunks', () => {
  // Each chunk of text in order, then the error: which chunk it fails at matters too.
  it('gives what a fatal streaming TextDecoder gives, chunk by chunk, errors included', async () => {
    const text = fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PIECES.slice(0, 8)) }, { weight: 1, arbitrary: fc.constantFrom(...PIECES) }), { maxLength: 30 })
      .map((parts) => Uint8Array.from(parts.flat()));
    await fc.assert(fc.asyncProperty(text, fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), async (bytes, sizes) => {
      expect(await outcome(utf8Chunks(pieces(bytes, sizes)))).toEqual(await outcome(decoderChunks(pieces(bytes, sizes))));
    }), { numRuns: 3000, seed: 15 });
  });

  it('hands a chunk on in pieces of at most pieceBytes, never inside a character, checked whole first', async () => {
    const text = fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PIECES.slice(0, 8)) }, { weight: 1, arbitrary: fc.constantFrom(...PIECES) }), { maxLength: 30 })
      .map((parts) => Uint8Array.from(parts.flat()));
    await fc.assert(fc.asyncProperty(text, fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 5 }), async (bytes, sizes, pieceBytes) => {
      const pieces_ = await outcome(utf8Chunks(pieces(bytes, sizes), { pieceBytes }));
      const whole = await outcome(decoderChunks(pieces(bytes, sizes)));
      // The same text before the same error: the chunk at fault hands on none of its text.
      const joined = (out: unknown[]) => [out.filter((x) => typeof x === 'string').join(''), out.filter((x) => typeof x !== 'string')];
      expect(joined(pieces_)).toEqual(joined(whole));
      for (const piece of pieces_) if (typeof piece === 'string') expect(Buffer.byteLength(piece) <= pieceBytes || [...piece].length === 1).toBe(true);
    }), { numRuns: 3000, seed: 15 });
  });

  it('drops a BOM only at the start', async () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, 0x61, 0xef, 0xbb, 0xbf]);
    expect((await outcome(utf8Chunks(pieces(bytes, [1])))).join('')).toBe('a\ufeff');
  });
});
