import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { itemSlices, type BatchItem } from '@ratestore/core';
import { ImportError } from './errors.js';
import type { ImportInput, ImportPhase } from './input.js';
import { nullTracker, unreadable, type ReadTracker } from './lines.js';
import { readItemBatches } from './items.js';
import { readPgDumpBatches } from './pg-dump.js';

export type ImportFormat = 'sql' | 'csv' | 'ndjson';

export const FORMATS: readonly ImportFormat[] = ['sql', 'csv', 'ndjson'];

const FORMAT_NAMES: Record<string, ImportFormat> = {
  sql: 'sql', pg: 'sql', 'pg-dump': 'sql', pgdump: 'sql', postgres: 'sql',
  csv: 'csv',
  ndjson: 'ndjson', jsonl: 'ndjson'
};

const EXTENSIONS: Record<string, ImportFormat> = { '.sql': 'sql', '.csv': 'csv', '.ndjson': 'ndjson', '.jsonl': 'ndjson' };

/** The format a file name implies (.sql, .csv, .ndjson, .jsonl; case-insensitive), or undefined. */
export function detectFormat(path: string): ImportFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

/** A `--format` value (sql, pg-dump, csv, ndjson, jsonl...) as a format, or undefined. */
export function parseFormat(name: string): ImportFormat | undefined {
  return FORMAT_NAMES[name.toLowerCase()];
}

/** The format to read `path` as: the override if given, else by extension; an ImportError when neither tells. */
export function formatOf(path: string, override?: ImportFormat): ImportFormat {
  const format = override ?? detectFormat(path);
  if (format === undefined) {
    throw new ImportError('RATESTORE_IMPORT_UNKNOWN_FORMAT', `cannot tell the format from the file name; name it .sql, .csv, .ndjson or .jsonl, or pass --format ${FORMATS.join('|')}`, { path });
  }
  return format;
}

/** Bytes hashFile reads at a time. */
const HASH_BUFFER = 1024 * 1024;

/**
 * SHA-256 of a file's bytes, read into one buffer again and again; `tracker.bytesRead` follows it.
 * A read stream allocates a buffer per read: hashing 74 MB (1M NDJSON prices) took 110-240 ms
 * that way against 60-75 ms (measured).
 */
export async function hashFile(path: string, tracker: ReadTracker = nullTracker()): Promise<string> {
  const hash = createHash('sha256');
  try {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(HASH_BUFFER);
      tracker.bytesRead = 0;
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, HASH_BUFFER, null);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        tracker.bytesRead += bytesRead;
      }
    } finally {
      await file.close();
    }
  } catch (error) {
    throw unreadable(path, error);
  }
  return hash.digest('hex');
}

/**
 * The batch id of an import: the format and the SHA-256 of the content, so importing the same
 * file again (under any name) is recognised and writes nothing.
 */
export function importBatchId(format: ImportFormat | 'postgres', sha256: string): string {
  return `import:${format}:${sha256}`;
}

/**
 * Item positions to file lines, so that a rejected item can be shown with its line. Kept as runs
 * of items whose lines step evenly (one item per line in NDJSON, CSV and COPY rows; many on one line
 * in a multi-row INSERT; every other line with blank lines between): a typical file is a few runs,
 * where 4 bytes per item were 40-64 MB of a 10M-price import. Lines that jump unevenly cost 12
 * bytes per item.
 */
export class LineIndex {
  // Run r: its first item's index and line, and the step from one item's line to the next's.
  #starts = new Uint32Array(16);
  #lines = new Uint32Array(16);
  #steps = new Uint32Array(16);
  #runs = 0;
  #size = 0;
  #last = 0;

  add(line: number): void {
    const r = this.#runs - 1;
    const inRun = r < 0 ? 0 : this.#size - this.#starts[r]!;
    if (inRun === 1 && line >= this.#last) this.#steps[r] = line - this.#last;
    else if (inRun === 0 || line !== this.#last + this.#steps[r]!) this.#newRun(line);
    this.#last = line;
    this.#size++;
  }

  get size(): number {
    return this.#size;
  }

  get(index: number): number | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#size) return undefined;
    // The last run starting at or before `index`.
    let low = 0;
    let high = this.#runs - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.#starts[middle]! <= index) low = middle;
      else high = middle - 1;
    }
    return this.#lines[low]! + (index - this.#starts[low]!) * this.#steps[low]!;
  }

  #newRun(line: number): void {
    if (this.#runs === this.#starts.length) {
      const grow = (array: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> => {
        const grown = new Uint32Array(array.length * 2);
        grown.set(array);
        return grown;
      };
      this.#starts = grow(this.#starts);
      this.#lines = grow(this.#lines);
      this.#steps = grow(this.#steps);
    }
    this.#starts[this.#runs] = this.#size;
    this.#lines[this.#runs] = line;
    this.#steps[this.#runs] = 0;
    this.#runs++;
  }
}

/**
 * One file to import: its items as a stream (iterate once), and live counters for a progress
 * display: the phase (the file is hashed first, and a dump checked in a pass of its own), bytes
 * read and items emitted.
 */
export class ImportSource implements ImportInput {
  readonly path: string;
  readonly format: ImportFormat;
  readonly size: number;
  readonly unit = 'file';
  phase: ImportPhase = 'waiting';
  readonly #lines = new LineIndex();
  readonly #tracker: ReadTracker;

  private constructor(path: string, format: ImportFormat, size: number) {
    this.path = path;
    this.format = format;
    this.size = size;
    const lines = this.#lines;
    this.#tracker = { bytesRead: 0, item: (line) => lines.add(line) };
  }

  static async open(path: string, format?: ImportFormat): Promise<ImportSource> {
    const resolved = formatOf(path, format);
    let size: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('not a regular file');
      size = info.size;
    } catch (error) {
      throw unreadable(path, error);
    }
    return new ImportSource(path, resolved, size);
  }

  get label(): string {
    return this.path;
  }

  /** Bytes of the file read in the current phase. */
  get bytesRead(): number {
    return this.#tracker.bytesRead;
  }

  get done(): number {
    return this.phase === 'done' ? this.size : Math.min(this.bytesRead, this.size);
  }

  get total(): number {
    return this.size;
  }

  /** Items emitted so far. */
  get items(): number {
    return this.#lines.size;
  }

  /** The line item `index` came from (1-based), once it was emitted. */
  lineOf(index: number): number | undefined {
    return this.#lines.get(index);
  }

  whereOf(index: number): string | undefined {
    const line = this.lineOf(index);
    return line === undefined ? undefined : `line ${line}`;
  }

  async batchId(): Promise<string> {
    this.phase = 'hashing';
    const hash = await hashFile(this.path, this.#tracker);
    this.#tracker.bytesRead = 0;
    return importBatchId(this.format, hash);
  }

  async close(): Promise<void> {}

  read(): AsyncIterable<BatchItem> {
    return itemSlices(this.#slices());
  }

  /** The items a batch at a time, so that a million items cost no await each on the way to the store (see `itemSlices`). */
  async *#slices(): AsyncGenerator<BatchItem[]> {
    const tracker = this.#tracker;
    this.phase = this.format === 'sql' ? 'checking' : 'reading';
    if (this.format === 'sql') {
      // A dump's reader counts its items itself.
      yield* readPgDumpBatches(this.path, { tracker, onSecondPass: () => (this.phase = 'reading') });
    } else {
      // A CSV or NDJSON file's items are counted, their lines noted, as they are handed out.
      for await (const { items, lines } of readItemBatches(this.path, this.format, tracker)) {
        for (const line of lines) tracker.item(line);
        yield items as BatchItem[];
      }
    }
    this.phase = 'done';
  }
}
