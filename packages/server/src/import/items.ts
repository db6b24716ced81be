import { createReadStream } from 'node:fs';
import type { BatchItem } from '@ratestore/core';
import { FormatError, parseItems, type ItemFormat } from '../formats/index.js';
import { ImportError } from './errors.js';
import { nullTracker, unreadable, type ReadTracker } from './lines.js';

/**
 * Streams the items of a CSV, NDJSON or JSON-array file through the same parsers as HTTP bodies
 * (src/formats), keeping `tracker` up to date. A malformed file is an ImportError
 * `RATESTORE_IMPORT_INVALID_FILE` naming the line; a file that cannot be read, `RATESTORE_IMPORT_UNREADABLE`.
 */
export async function* readItems(path: string, format: ItemFormat, options: { tracker?: ReadTracker } = {}): AsyncGenerator<BatchItem> {
  const tracker = options.tracker ?? nullTracker();
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  async function* bytes(): AsyncGenerator<Buffer> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      tracker.bytesRead = stream.bytesRead;
      yield chunk;
    }
  }
  try {
    for await (const { item, line } of parseItems(format, bytes())) {
      tracker.item(line);
      yield item as BatchItem;
    }
  } catch (error) {
    if (error instanceof FormatError) {
      throw new ImportError('RATESTORE_IMPORT_INVALID_FILE', error.message, { path, ...(error.line === undefined ? {} : { line: error.line }), cause: error });
    }
    throw unreadable(path, error);
  } finally {
    stream.destroy();
  }
}

/** A CSV file of prices (see src/formats/csv.ts). */
export const readCsv = (path: string, options: { tracker?: ReadTracker } = {}): AsyncGenerator<BatchItem> => readItems(path, 'csv', options);

/** An NDJSON file of items of any type: regions, ports, prices (see src/formats/ndjson.ts). */
export const readNdjson = (path: string, options: { tracker?: ReadTracker } = {}): AsyncGenerator<BatchItem> => readItems(path, 'ndjson', options);
