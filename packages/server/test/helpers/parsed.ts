import { FormatError } from '../../src/formats/index.js';

/**
 * What a parser gives, as a value to compare with a reference parser's: everything it yields, in
 * order, then the FormatError it ends with (class, message, line), if any. Other errors are thrown.
 */
export async function parsedOutcome(parsed: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  try {
    for await (const value of parsed) out.push(value);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    out.push({ error: error.name, message: error.message, line: error.line });
  }
  return out;
}

/** The text's UTF-8 bytes in pieces of `size`, so that lines and characters straddle reads. */
export async function* bytesInPieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const all = new TextEncoder().encode(text);
  for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
}
