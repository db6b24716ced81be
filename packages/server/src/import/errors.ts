import type { CliErrorCode } from '@ratestore/core/contract';

/** Stable codes of the errors an import raises before the store sees an item (what each means: the contract's table). */
export type ImportErrorCode = Extract<CliErrorCode, `RATESTORE_IMPORT_${string}`>;

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
