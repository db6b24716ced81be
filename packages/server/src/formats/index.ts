import { csvBatches, csvItems } from './csv.js';
import type { ByteSource, ParseOptions, ParsedBatch, ParsedItem } from './errors.js';
import { jsonArrayBatches, jsonArrayItems } from './json-array.js';
import { ndjsonBatches, ndjsonItems } from './ndjson.js';

export { DEFAULT_MAX_ITEM_CHARS, FormatError, ItemTooLargeError, type ByteSource, type ParseOptions, type ParsedBatch, type ParsedItem } from './errors.js';
export { csvBatches, csvItems, jsonArrayBatches, jsonArrayItems, ndjsonBatches, ndjsonItems };

/** The formats a batch of items may come in: a JSON array, NDJSON or CSV of prices. */
export type ItemFormat = 'json' | 'ndjson' | 'csv';

/**
 * The items of a UTF-8 byte stream in `format`, parsed as the bytes arrive; malformed input (bytes
 * that are not UTF-8 included) fails with a FormatError, an overlong item with an ItemTooLargeError.
 */
export function parseItems(format: ItemFormat, bytes: ByteSource, options: ParseOptions = {}): AsyncGenerator<ParsedItem> {
  return format === 'json' ? jsonArrayItems(bytes, options) : format === 'ndjson' ? ndjsonItems(bytes, options) : csvItems(bytes, options);
}

/**
 * The items of `parseItems`, a batch per chunk of text read: for large bodies and files, which
 * then cost no microtask per item.
 */
export function parseBatches(format: ItemFormat, bytes: ByteSource, options: ParseOptions = {}): AsyncGenerator<ParsedBatch> {
  return format === 'json' ? jsonArrayBatches(bytes, options) : format === 'ndjson' ? ndjsonBatches(bytes, options) : csvBatches(bytes, options);
}
