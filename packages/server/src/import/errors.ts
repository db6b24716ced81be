/** Stable codes of the errors an import raises before the store sees an item. */
export type ImportErrorCode =
  /** The file is malformed: bad COPY row, bad CSV, bad JSON line, unterminated COPY section... */
  | 'RATESTORE_IMPORT_INVALID_FILE'
  /** A dump holds a statement the importer cannot apply (an UPDATE, a DELETE with another WHERE...). */
  | 'RATESTORE_IMPORT_UNSUPPORTED_STATEMENT'
  /** The format cannot be told from the file name, or an unknown `--format` was given. */
  | 'RATESTORE_IMPORT_UNKNOWN_FORMAT'
  /** The file cannot be read, or the database cannot be connected to or read from. */
  | 'RATESTORE_IMPORT_UNREADABLE'
  /** The database lacks a table or column of the ratestask schema (ports, regions, prices). */
  | 'RATESTORE_IMPORT_MISSING_TABLE';

/** An import failure tied to a file (or database) and, when known, a line of it. */
export class ImportError extends Error {
  readonly code: ImportErrorCode;
  readonly path: string | undefined;
  readonly line: number | undefined;

  constructor(code: ImportErrorCode, message: string, options: { path?: string; line?: number; cause?: unknown } = {}) {
    const where = options.path === undefined ? '' : `${options.path}${options.line === undefined ? '' : `:${options.line}`}: `;
    super(`${where}${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImportError';
    this.code = code;
    this.path = options.path;
    this.line = options.line;
  }
}
