/**
 * A body or file that is not well-formed in its format: not JSON, a ragged CSV row, a wrong CSV
 * header... `line` is the 1-based line at fault when known. The HTTP layer answers it as a 400
 * problem, the import as an ImportError; bad items in a well-formed body are the store's to report.
 */
export class FormatError extends Error {
  readonly line: number | undefined;

  constructor(message: string, line?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FormatError';
    this.line = line;
  }
}

/**
 * An item (an NDJSON line, a JSON array element, a CSV row) longer than the parser may buffer. It is
 * refused as soon as it grows past the bound, so a line of any length costs at most that much memory.
 */
export class ItemTooLargeError extends FormatError {
  readonly limit: number;

  constructor(limit: number, line: number | undefined, options?: { cause?: unknown }) {
    super(`an item is longer than ${limit} characters`, line, options);
    this.name = 'ItemTooLargeError';
    this.limit = limit;
  }
}

/** How far the parsers go. */
export interface ParseOptions {
  /** Longest item (NDJSON line, JSON array element, CSV row) in characters. Default DEFAULT_MAX_ITEM_CHARS. */
  maxItemChars?: number;
}

/** Items are at most a few hundred characters; this leaves room for any real one (names are at most 200). */
export const DEFAULT_MAX_ITEM_CHARS = 65_536;

/** One item of a body or file and the line it came from (1-based). */
export interface ParsedItem {
  item: unknown;
  line: number;
}

/**
 * The items of one read (a read buffer's worth), in order, and the line each came from. Readers of
 * large files take items this way: awaiting each item of a million through a few async generators
 * costs more than parsing it.
 */
export interface ParsedBatch {
  items: unknown[];
  lines: number[];
}

/** Bytes as they arrive: an HTTP request, a file stream... */
export type ByteSource = AsyncIterable<Buffer | Uint8Array>;
