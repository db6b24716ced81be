import { DEFAULT_MAX_ITEM_CHARS, FormatError, ItemTooLargeError, type ByteSource, type ParseOptions, type ParsedItem } from './errors.js';
import { parseJsonItem } from './price-text.js';
import { utf8Chunks } from './text.js';

/**
 * NDJSON (JSON Lines): one JSON value per line, LF or CRLF. Lines are trimmed and blank ones
 * skipped; a line that is not JSON is a FormatError with its line number, and a line longer than
 * `maxItemChars` an ItemTooLargeError as soon as it grows past that. Prices are judged as written
 * (see price-text.ts).
 */
export async function* ndjsonItems(bytes: ByteSource, options: ParseOptions = {}): AsyncGenerator<ParsedItem> {
  const max = options.maxItemChars ?? DEFAULT_MAX_ITEM_CHARS;
  let rest = '';
  let line = 0;
  /** The item of a whole line; undefined for a blank one. */
  const parse = (text: string): ParsedItem | undefined => {
    if (text.length > max) throw new ItemTooLargeError(max, line);
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    try {
      return { item: parseJsonItem(trimmed), line };
    } catch (error) {
      throw new FormatError(`not a JSON value: ${(error as Error).message}`, line, { cause: error });
    }
  };
  for await (const text of utf8Chunks(bytes)) {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      line++;
      const current = parse(rest + text.slice(from, nl));
      rest = '';
      from = nl + 1;
      if (current !== undefined) yield current;
    }
    rest += text.slice(from);
    // The line under way is refused before it grows further (line + 1: it has not ended yet).
    if (rest.length > max) throw new ItemTooLargeError(max, line + 1);
  }
  line++;
  const last = parse(rest);
  if (last !== undefined) yield last;
}
