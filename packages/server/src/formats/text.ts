import { isAscii, isUtf8 } from 'node:buffer';
import { FormatError, type ByteSource } from './errors.js';

/**
 * UTF-8 text of a byte stream, chunk by chunk (never split inside a character), without a leading
 * BOM. Bytes that are not UTF-8 are a FormatError, not U+FFFD: a body is stored as it was sent, or
 * not at all.
 *
 * It behaves as a fatal streaming TextDecoder (the same text per chunk, the error at the same
 * chunk) but checks each chunk with `isAscii`/`isUtf8` and decodes it with `Buffer#toString`,
 * several times faster on the large reads of an import: the decoder was a tenth of its time.
 */
export async function* utf8Chunks(bytes: ByteSource): AsyncGenerator<string> {
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
    let text = whole.toString(ascii ? 'latin1' : 'utf8');
    if (!started && text !== '') {
      started = true;
      // As TextDecoder's `ignoreBOM: false`: only the stream's first character may be dropped.
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    if (text !== '') yield text;
  }
  if (held !== undefined) throw notUtf8();
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
