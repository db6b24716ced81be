import type { BatchItem } from '@ratestore/core';
import { ImportError } from './errors.js';
import { nullTracker, readLines, type ReadTracker } from './lines.js';

/**
 * Streams NDJSON (JSON Lines): one item per line, any item type (`{"type": "region", ...}`,
 * `{"type": "port", ...}`, prices with or without `"type": "price"`). Blank lines are skipped; a line
 * that is not JSON rejects the file with its line number. The store checks the items themselves.
 */
export async function* readNdjson(path: string, options: { tracker?: ReadTracker } = {}): AsyncGenerator<BatchItem> {
  const tracker = options.tracker ?? nullTracker();
  let lineNo = 0;
  for await (const line of readLines(path, tracker)) {
    lineNo++;
    const text = lineNo === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
    if (text.trim() === '') continue;
    let item: unknown;
    try {
      item = JSON.parse(text);
    } catch (error) {
      throw new ImportError('RATESTORE_IMPORT_INVALID_FILE', `not a JSON value: ${(error as Error).message}`, { path, line: lineNo });
    }
    tracker.item(lineNo);
    yield item as BatchItem;
  }
}
