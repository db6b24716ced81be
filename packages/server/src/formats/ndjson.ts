import { BatchCollector, itemsOfBatches } from './batches.js';
import { DEFAULT_MAX_ITEM_CHARS, FormatError, ItemTooLargeError, type ByteSource, type ParseOptions, type ParsedBatch, type ParsedItem } from './errors.js';
import { parseJsonItem } from './price-text.js';
import { utf8Chunks } from './text.js';

/**
 * NDJSON (JSON Lines): one JSON value per line, LF or CRLF. Lines are trimmed and blank ones
 * skipped; a line that is not JSON is a FormatError with its line number, and a line longer than
 * `maxItemChars` an ItemTooLargeError as soon as it grows past that. Prices are judged as written
 * (see price-text.ts).
 */
export function ndjsonItems(bytes: ByteSource, options: ParseOptions = {}): AsyncGenerator<ParsedItem> {
  return itemsOfBatches(ndjsonBatches(bytes, options));
}

/** The items of `ndjsonItems`, a batch per chunk of text read. */
export async function* ndjsonBatches(bytes: ByteSource, options: ParseOptions = {}): AsyncGenerator<ParsedBatch> {
  const max = options.maxItemChars ?? DEFAULT_MAX_ITEM_CHARS;
  const batch = new BatchCollector();
  let rest = '';
  let line = 0;
  /** Adds the item of a whole line; nothing for a blank one. */
  const parse = (text: string): void => {
    if (text.length > max) throw new ItemTooLargeError(max, line);
    const trimmed = text.trim();
    if (trimmed === '') return;
    let item: unknown;
    try {
      item = parseJsonItem(trimmed);
    } catch (error) {
      throw new FormatError(`not a JSON value: ${(error as Error).message}`, line, { cause: error });
    }
    batch.push(item, line);
  };
  for await (const text of utf8Chunks(bytes)) {
    try {
      let from = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
        line++;
        parse(rest + text.slice(from, nl));
        rest = '';
        from = nl + 1;
      }
      rest += text.slice(from);
      // The line under way is refused before it grows further (line + 1: it has not ended yet).
      if (rest.length > max) throw new ItemTooLargeError(max, line + 1);
    } catch (error) {
      if (batch.size > 0) yield batch.take();
      throw error;
    }
    if (batch.size > 0) yield batch.take();
  }
  line++;
  parse(rest);
  if (batch.size > 0) yield batch.take();
}
