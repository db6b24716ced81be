import type { BatchItem } from '@ratestore/core';
import { isPostgresUrl } from './postgres-url.js';
import { ImportSource, type ImportFormat } from './source.js';

/**
 * What a reader is doing: `hashing` (reading everything once to name the batch by its content),
 * `checking` (a dump's first pass), `reading` (emitting items), `done` (all items emitted).
 */
export type ImportPhase = 'waiting' | 'hashing' | 'checking' | 'reading' | 'done';

/**
 * One thing to import as one batch, a file (ImportSource) or a live database (PostgresSource), as
 * the `import` command drives it: name the batch, stream its items once, show progress while doing
 * so, and say where a rejected item came from.
 */
export interface ImportInput {
  /** The file's path, or the database URL without its password. */
  readonly label: string;
  readonly phase: ImportPhase;
  /** How far the current phase is: `done` of `total`, counted in bytes of a file or rows of a database. */
  readonly done: number;
  readonly total: number;
  readonly unit: 'file' | 'rows';
  /** Items emitted so far. */
  readonly items: number;
  /** Where item `index` came from (`line 12`, `prices row 3`), once it was emitted. */
  whereOf(index: number): string | undefined;
  /**
   * The batch id, `import:FORMAT:SHA-256 of the content`, so that importing the same content again
   * is recognised and writes nothing. Reads the whole input once.
   */
  batchId(): Promise<string>;
  /** The items; iterate once, after `batchId()`. */
  read(): AsyncIterable<BatchItem>;
  /** Releases what the input holds (a database connection); safe to call more than once. */
  close(): Promise<void>;
}

/** An `import` argument as an input: a `postgres://` or `postgresql://` URL is a database, anything else a file (read as `format`, else by its extension). */
export async function openImportInput(argument: string, format?: ImportFormat): Promise<ImportInput> {
  // pg is loaded only to import from a database: a file's import does without it, and starts sooner.
  return isPostgresUrl(argument) ? (await import('./postgres-source.js')).PostgresSource.open(argument) : ImportSource.open(argument, format);
}
