import { csvItems } from './csv.js';
import type { ByteSource, ParsedItem } from './errors.js';
import { jsonArrayItems } from './json-array.js';
import { ndjsonItems } from './ndjson.js';

export { FormatError, type ByteSource, type ParsedItem } from './errors.js';
export { csvItems, jsonArrayItems, ndjsonItems };

/** The formats a batch of items may come in: a JSON array, NDJSON or CSV of prices. */
export type ItemFormat = 'json' | 'ndjson' | 'csv';

/** The items of a byte stream in `format`, parsed as the bytes arrive; malformed input fails with a FormatError. */
export function parseItems(format: ItemFormat, bytes: ByteSource): AsyncGenerator<ParsedItem> {
  return format === 'json' ? jsonArrayItems(bytes) : format === 'ndjson' ? ndjsonItems(bytes) : csvItems(bytes);
}
