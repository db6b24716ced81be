import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ImportError } from './errors.js';

/** What a reader reports while it streams a file; the CLI's progress display polls it. */
export interface ReadTracker {
  /** Bytes read from the file so far (read-ahead included). */
  bytesRead: number;
  /** Called once per emitted item, in order, with the 1-based line it came from. */
  item(line: number): void;
}

/** A tracker that records nothing. */
export function nullTracker(): ReadTracker {
  return { bytesRead: 0, item: () => undefined };
}

/**
 * Streams a UTF-8 text file line by line (LF or CRLF), never holding more than a read buffer and a
 * line, and keeps `tracker.bytesRead` up to date.
 */
export async function* readLines(path: string, tracker: ReadTracker): AsyncGenerator<string> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('ready', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    stream.destroy();
    throw unreadable(path, error);
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      tracker.bytesRead = stream.bytesRead;
      yield line;
    }
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    lines.close();
    stream.destroy();
  }
}

export function unreadable(path: string, error: unknown): ImportError {
  if (error instanceof ImportError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ImportError('RATESTORE_IMPORT_UNREADABLE', `cannot read the file: ${reason}`, { path, cause: error });
}
