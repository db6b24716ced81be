import { FormatError, type ByteSource } from './errors.js';

/**
 * UTF-8 text of a byte stream, chunk by chunk (never split inside a character), without a leading
 * BOM. Bytes that are not UTF-8 are a FormatError, not U+FFFD: a body is stored as it was sent, or
 * not at all.
 */
export async function* utf8Chunks(bytes: ByteSource): AsyncGenerator<string> {
  // `ignoreBOM: false` drops a leading BOM; `fatal` throws on the first byte that is not UTF-8.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch (error) {
      throw new FormatError('the text is not valid UTF-8', undefined, { cause: error });
    }
  };
  for await (const chunk of bytes) {
    const text = decode(chunk);
    if (text !== '') yield text;
  }
  const rest = decode();
  if (rest !== '') yield rest;
}
