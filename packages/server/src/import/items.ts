import { createReadStream } from 'node:fs';
import type { BatchItem } from '@ratestore/core';
import { FormatError, parseBatches, type ParsedBatch } from '../formats/index.js';
import { itemsOfBatches } from '../formats/batches.js';
import { ImportError } from './errors.js';
import { nullTracker, unreadable, type ReadTracker } from './lines.js';

/** The formats of files read item by item (a dump has its own reader). */
export type ItemFileFormat = 'ndjson' | 'csv';

/**
 * Streams the items of a CSV or NDJSON file through the same parsers as HTTP bodies (src/formats),
 * keeping `tracker` up to date. A malformed file is an ImportError `RATESTORE_IMPORT_INVALID_FILE`
 * naming the line; a file that cannot be read, `RATESTORE_IMPORT_UNREADABLE`.
 */
export async function* readItems(path: string, format: ItemFileFormat, options: { tracker?: ReadTracker } = {}): AsyncGenerator<BatchItem> {
  const tracker = options.tracker ?? nullTracker();
  for await (const { item, line } of itemsOfBatches(readItemBatches(path, format, tracker))) {
    tracker.item(line);
    yield item as BatchItem;
  }
}

/**
 * The items of `readItems`, a batch per read buffer, with their lines; `tracker.bytesRead` is kept
 * up to date, but `tracker.item` is the caller's to call as it hands each item on.
 */
export async function* readItemBatches(path: string, format: ItemFileFormat, tracker: ReadTracker): AsyncGenerator<ParsedBatch> {
  // 256 KiB, as ever: which of two faults in a file is reported depends on where the reads end.
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  async function* bytes(): AsyncGenerator<Buffer> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      tracker.bytesRead = stream.bytesRead;
      yield chunk;
    }
  }
  try {
    yield* parseBatches(format, bytes());
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
