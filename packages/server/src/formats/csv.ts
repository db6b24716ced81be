import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { DEFAULT_MAX_ITEM_CHARS, FormatError, ItemTooLargeError, type ByteSource, type ParseOptions, type ParsedItem } from './errors.js';
import { utf8Chunks } from './text.js';
import { priceOfText } from './price-text.js';

const COLUMNS = ['origin', 'destination', 'day', 'price'] as const;

/**
 * Prices as CSV with the header `origin,destination,day,price` (columns in any order, names in any
 * case, each once). A UTF-8 BOM, spaces around values and blank lines are ignored; quotes and LF or
 * CRLF line ends (even mixed) are understood. A price is judged as written: money is passed on as
 * its number, anything else as its text, so the store reports it with the item's index. An item's
 * line is the line its row ends on. A row longer than `maxItemChars` is an ItemTooLargeError as soon
 * as it grows past that.
 */
export async function* csvItems(bytes: ByteSource, options: ParseOptions = {}): AsyncGenerator<ParsedItem> {
  const max = options.maxItemChars ?? DEFAULT_MAX_ITEM_CHARS;
  const parser = parse({
    // The text comes decoded (and checked) by utf8Chunks, which also drops a BOM.
    max_record_size: max,
    trim: true,
    skip_empty_lines: true,
    // Explicit, so a file mixing CRLF and LF lines is read right (the default guesses from the first line).
    record_delimiter: ['\r\n', '\n'],
    info: true,
    columns: (header: string[]) => {
      const names = header.map((name) => name.toLowerCase());
      const missing = COLUMNS.filter((column) => !names.includes(column));
      const unknown = names.filter((name) => !(COLUMNS as readonly string[]).includes(name));
      const twice = names.filter((name, i) => names.indexOf(name) !== i);
      if (missing.length > 0 || unknown.length > 0 || twice.length > 0) {
        const why = [
          missing.length > 0 ? `missing ${missing.join(', ')}` : '',
          unknown.length > 0 ? `unknown ${unknown.join(', ')}` : '',
          twice.length > 0 ? `repeated ${twice.join(', ')}` : ''
        ].filter((part) => part !== '');
        throw new FormatError(`the CSV header must name the columns ${COLUMNS.join(',')} (in any order), got ${header.join(',')}: ${why.join('; ')}`, parser.info.lines);
      }
      return names;
    }
  });
  const source = Readable.from(utf8Chunks(bytes));
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      // Spaces inside quotes too: `" 12 "` is the price 12.
      const price = record.price === undefined ? undefined : priceOfText(record.price);
      yield { item: { origin: record.origin, destination: record.destination, day: record.day, price }, line: info.lines };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      if (error.code === 'CSV_MAX_RECORD_SIZE') throw new ItemTooLargeError(max, line, { cause: error });
      throw new FormatError(`invalid CSV: ${error.message}`, line, { cause: error });
    }
    throw error;
  } finally {
    source.destroy();
  }
}
