import { isAscii, isUtf8 } from 'node:buffer';
import { FormatError, type ByteSource } from './errors.js';

/**
 * UTF-8 text of a byte stream, chunk by chunk (never split inside a character), without a leading
 * BOM. Bytes that are not UTF-8 are a FormatError, not U+FFFD: a body is stored as it was sent, or
 * not at all.
 *
 * It behaves as a fatal streaming TextDecoder (the same text per chunk, handed on in pieces of at
 * most `pieceBytes`, 64 KiB unless a test makes it small; the error at the same chunk) but checks
 * each chunk with `isAscii`/`isUtf8` and decodes it with `Buffer#toString`, several times faster
 * on the large reads of an import: the decoder was a tenth of its time.
 */
export async function* utf8Chunks(bytes: ByteSource, options: { pieceBytes?: number } = {}): AsyncGenerator<string> {
  const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
  // The start of a character that the next chunk completes.
  let held: Buffer | undefined;
  let started = false;
  for await (const chunk of bytes) {
    const data = held === undefined ? asBuffer(chunk) : Buffer.concat([held, chunk]);
    const end = completeEnd(data);
    const whole = data.subarray(0, end);
    // ASCII (a typical file) is its own latin1, which is copied rather than decoded: faster.
    const ascii = isAscii(whole);
    if (!ascii && !isUtf8(whole)) throw notUtf8();
    held = end < data.length ? Buffer.from(data.subarray(end)) : undefined;
    // The whole chunk is checked before any of it is handed on, so a fault in it still comes first.
    for (let from = 0; from < whole.length;) {
      const to = ascii ? Math.min(whole.length, from + pieceBytes) : pieceEnd(whole, from, pieceBytes);
      let text = whole.toString(ascii ? 'latin1' : 'utf8', from, to);
      from = to;
      if (!started && text !== '') {
        started = true;
        // As TextDecoder's `ignoreBOM: false`: only the stream's first character may be dropped.
        if (text.charCodeAt(0) === BOM) text = text.slice(1);
      }
      if (text !== '') yield text;
    }
  }
  if (held !== undefined) throw notUtf8();
}

/**
 * Text is handed on in pieces of at most this many bytes: V8 puts a string of more than 128 KiB in
 * its large-object space, and making one of each 256 KiB read cost ~0.3 s of a 1M import.
 */
const PIECE_BYTES = 64 * 1024;

/** Where the piece of valid UTF-8 `data` that starts at `from` ends: at most `size` bytes on, at the start of a character. */
function pieceEnd(data: Buffer, from: number, size: number): number {
  if (from + size >= data.length) return data.length;
  let to = from + size;
  while (to > from && isContinuation(data[to]!)) to--;
  // A piece smaller than its first character (tests) takes that character whole.
  if (to === from) for (to = from + 1; to < data.length && isContinuation(data[to]!); ) to++;
  return to;
}

const BOM = 0xfeff;

const notUtf8 = (): FormatError => new FormatError('the text is not valid UTF-8');

const asBuffer = (chunk: Uint8Array): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));

/**
 * Where the last character of `data` starts when it is cut short but is so far valid (a streaming
 * decoder waits for its end); else `data.length`, and `isUtf8` judges all of it, so that bytes that
 * can begin no character fail in this chunk, as they do in a decoder.
 */
function completeEnd(data: Buffer): number {
  let start = data.length - 1;
  while (start >= 0 && start >= data.length - 3 && isContinuation(data[start]!)) start--;
  if (start < 0) return data.length;
  const lead = data[start]!;
  const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 1;
  if (data.length - start >= length) return data.length;
  // The second byte's range depends on the lead (no overlong forms, surrogates or code points past U+10FFFF).
  if (start + 1 < data.length) {
    const second = data[start + 1]!;
    const [low, high] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    if (second < low || second > high) return data.length;
  }
  return start;
}

const isContinuation = (byte: number): boolean => (byte & 0xc0) === 0x80;
