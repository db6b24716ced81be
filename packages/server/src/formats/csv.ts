import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { BatchCollector, itemsOfBatches } from './batches.js';
import { DEFAULT_MAX_ITEM_CHARS, FormatError, ItemTooLargeError, type ByteSource, type ParseOptions, type ParsedBatch, type ParsedItem } from './errors.js';
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
export function csvItems(bytes: ByteSource, options: ParseOptions = {}): AsyncGenerator<ParsedItem> {
  return itemsOfBatches(csvBatches(bytes, options));
}

/** The items of `csvItems`, a batch per chunk of text read (per row once csv-parse reads the rest). */
export async function* csvBatches(bytes: ByteSource, options: ParseOptions = {}): AsyncGenerator<ParsedBatch> {
  const max = options.maxItemChars ?? DEFAULT_MAX_ITEM_CHARS;
  const chunks = utf8Chunks(bytes)[Symbol.asyncIterator]();
  // Plain rows (the whole of a typical file) are split here; csv-parse, which builds a record and an
  // info object per row, cost most of a large import. The first row that is not plain (quotes, a
  // lone CR, a ragged or overlong row, odd spaces, a header it would refuse) hands the rest of the
  // text to csv-parse, after as many empty lines as were read (and the header), so that its rows,
  // line numbers and errors are exactly those of a file it had read from the start.
  const batch = new BatchCollector();
  let names: string[] | undefined;
  // Where each column is in a row, once the header is read.
  let columns: Columns | undefined;
  let headerLine = 0;
  let headerText = '';
  let line = 0;
  let rest = '';
  let bail = false;
  let done = false;
  while (!bail && !done) {
    const next = await chunks.next();
    done = next.done === true;
    let text = done ? rest : rest + next.value;
    let from = 0;
    // The next quote and CR at or after `from` (-1: none), looked for again only once passed: a
    // search per row would read the rest of the text each time.
    let quote = text.indexOf('"');
    let cr = text.indexOf('\r');
    for (;;) {
      let nl = text.indexOf('\n', from);
      if (nl === -1) {
        if (!done) break;
        if (from === text.length) break;
        nl = text.length;
      }
      let end = nl;
      if (end > from && text.charCodeAt(end - 1) === CR && nl < text.length) end--;
      if (quote !== -1 && quote < from) quote = text.indexOf('"', from);
      if (cr !== -1 && cr < from) cr = text.indexOf('\r', from);
      if (end - from > max || (quote !== -1 && quote < end) || (cr !== -1 && cr < end)) {
        bail = true;
        break;
      }
      if (end > from) {
        const fields = plainFields(text, from, end);
        if (names === undefined) {
          const header = fields?.map((name) => name.toLowerCase());
          if (header === undefined || headerProblems(header) !== undefined) {
            bail = true;
            break;
          }
          names = header;
          columns = columnsOf(header);
          headerLine = line + 1;
          headerText = text.slice(from, end);
        } else {
          if (fields === undefined || fields.length !== names.length) {
            bail = true;
            break;
          }
          batch.push(itemOfFields(fields, columns!), line + 1);
        }
      }
      line++;
      from = nl + 1;
      if (from > text.length) break;
    }
    rest = text.slice(from);
    if (batch.size > 0) yield batch.take();
    if (!bail && rest.length > max) bail = true;
    if (done && !bail) return;
  }
  const skipped = names === undefined ? '\n'.repeat(line) : `${'\n'.repeat(headerLine - 1)}${headerText}\n${'\n'.repeat(line - headerLine)}`;
  async function* remaining(): AsyncGenerator<string> {
    yield skipped + rest;
    for (;;) {
      const next = await chunks.next();
      if (next.done === true) return;
      yield next.value;
    }
  }
  for await (const { item, line: at } of csvParseItems(remaining(), max)) yield { items: [item], lines: [at] };
}

const CR = 13;
/** Around a plain field: what both csv-parse's left trim and its right trim (String.trimEnd) remove. */
const SPACE = 32;
const TAB = 9;

/**
 * The fields of the row `text[from, to)`, which has no quotes, trimmed as csv-parse trims them;
 * undefined when a field starts or ends with a character other than a space or tab whose trimming
 * the two might judge differently (other whitespace, controls, anything beyond ASCII). Read in
 * place: slicing the row and splitting it took twice as long (a CSV import's rows, measured).
 */
function plainFields(text: string, from: number, to: number): string[] | undefined {
  const fields: string[] = [];
  for (let at = from; ; ) {
    let comma = text.indexOf(',', at);
    if (comma === -1 || comma > to) comma = to;
    let start = at;
    let end = comma;
    while (start < end && (text.charCodeAt(start) === SPACE || text.charCodeAt(start) === TAB)) start++;
    while (end > start && (text.charCodeAt(end - 1) === SPACE || text.charCodeAt(end - 1) === TAB)) end--;
    if (start < end && (!plainEdge(text.charCodeAt(start)) || !plainEdge(text.charCodeAt(end - 1)))) return undefined;
    fields.push(text.slice(start, end));
    if (comma === to) return fields;
    at = comma + 1;
  }
}

const plainEdge = (code: number): boolean => code > SPACE && code < 127;

/** Why a header (names lowercased) is refused, or undefined when it names each column once. */
function headerProblems(names: string[]): string | undefined {
  const missing = COLUMNS.filter((column) => !names.includes(column));
  const unknown = names.filter((name) => !(COLUMNS as readonly string[]).includes(name));
  const twice = names.filter((name, i) => names.indexOf(name) !== i);
  if (missing.length === 0 && unknown.length === 0 && twice.length === 0) return undefined;
  return [
    missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    unknown.length > 0 ? `unknown ${unknown.join(', ')}` : '',
    twice.length > 0 ? `repeated ${twice.join(', ')}` : ''
  ].filter((part) => part !== '').join('; ');
}

interface Columns {
  origin: number;
  destination: number;
  day: number;
  price: number;
}

/** The columns of a header that names each once (`headerProblems` passed it). */
const columnsOf = (names: string[]): Columns => ({
  origin: names.indexOf('origin'), destination: names.indexOf('destination'), day: names.indexOf('day'), price: names.indexOf('price')
});

/** A plain row as the item it stands for: `itemOf` without building the record first. */
function itemOfFields(fields: string[], columns: Columns): unknown {
  return { origin: fields[columns.origin], destination: fields[columns.destination], day: fields[columns.day], price: priceOfText(fields[columns.price]!) };
}

/** A row as the item it stands for; spaces inside quotes too (`" 12 "` is the price 12). */
function itemOf(record: Record<string, string>): unknown {
  const price = record.price === undefined ? undefined : priceOfText(record.price);
  return { origin: record.origin, destination: record.destination, day: record.day, price };
}

/** csv-parse from the start of `text`: what `csvItems` does with the rows it does not split itself, and the reference its rows are tested against. */
export async function* csvParseItems(text: AsyncIterable<string>, max: number): AsyncGenerator<ParsedItem> {
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
      const why = headerProblems(names);
      if (why !== undefined) throw new FormatError(`the CSV header must name the columns ${COLUMNS.join(',')} (in any order), got ${header.join(',')}: ${why}`, parser.info.lines);
      return names;
    }
  });
  const source = Readable.from(text);
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { item: itemOf(record), line: info.lines };
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
