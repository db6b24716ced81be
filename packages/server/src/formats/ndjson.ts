import { FormatError, type ByteSource, type ParsedItem } from './errors.js';
import { parseJsonItem } from './price-text.js';
import { utf8Chunks } from './text.js';

/**
 * NDJSON (JSON Lines): one JSON value per line, LF or CRLF. Lines are trimmed and blank ones
 * skipped; a line that is not JSON is a FormatError with its line number. Prices are judged as
 * written (see price-text.ts).
 */
export async function* ndjsonItems(bytes: ByteSource): AsyncGenerator<ParsedItem> {
  let rest = '';
  let line = 0;
  const parse = (text: string): ParsedItem => {
    try {
      return { item: parseJsonItem(text), line };
    } catch (error) {
      throw new FormatError(`not a JSON value: ${(error as Error).message}`, line, { cause: error });
    }
  };
  for await (const text of utf8Chunks(bytes)) {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      line++;
      const current = (rest + text.slice(from, nl)).trim();
      rest = '';
      from = nl + 1;
      if (current !== '') yield parse(current);
    }
    rest += text.slice(from);
  }
  line++;
  if (rest.trim() !== '') yield parse(rest.trim());
}
