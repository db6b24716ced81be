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

/** One item of a body or file and the line it came from (1-based). */
export interface ParsedItem {
  item: unknown;
  line: number;
}

/** Bytes as they arrive: an HTTP request, a file stream... */
export type ByteSource = AsyncIterable<Buffer | Uint8Array>;
