import { createReadStream } from 'node:fs';
import { parse, CsvError } from 'csv-parse';
import type { BatchItem } from '@ratestore/core';
import { ImportError } from './errors.js';
import { nullTracker, unreadable, type ReadTracker } from './lines.js';

const COLUMNS = ['origin', 'destination', 'day', 'price'] as const;

/**
 * Streams the prices of a CSV file with the header `origin,destination,day,price` (columns in any
 * order; a UTF-8 BOM and spaces around values are ignored). Prices are passed on as numbers when
 * they are numeric and as text otherwise, so the store rejects bad ones with their index and reason.
 */
export async function* readCsv(path: string, options: { tracker?: ReadTracker } = {}): AsyncGenerator<BatchItem> {
  const tracker = options.tracker ?? nullTracker();
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  const parser = stream.pipe(parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    info: true,
    columns: (header: string[]) => {
      const names = header.map((name) => name.toLowerCase());
      const missing = COLUMNS.filter((column) => !names.includes(column));
      const extra = names.filter((name) => !(COLUMNS as readonly string[]).includes(name));
      if (missing.length > 0 || extra.length > 0 || new Set(names).size !== names.length) {
        throw new ImportError('RATESTORE_IMPORT_INVALID_FILE', `the CSV header must name the columns ${COLUMNS.join(',')} (in any order), got ${header.join(',')}`, { path, line: 1 });
      }
      return names;
    }
  }));
  stream.on('error', (error) => parser.destroy(error));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      tracker.bytesRead = stream.bytesRead;
      tracker.item(info.lines);
      const price = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(record.price ?? '') ? Number(record.price) : record.price;
      yield { origin: record.origin, destination: record.destination, day: record.day, price } as BatchItem;
    }
  } catch (error) {
    if (error instanceof ImportError) throw error;
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new ImportError('RATESTORE_IMPORT_INVALID_FILE', `invalid CSV: ${error.message}`, { path, ...(line === undefined ? {} : { line }), cause: error });
    }
    throw unreadable(path, error);
  } finally {
    stream.destroy();
  }
}
