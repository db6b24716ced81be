import { createReadStream } from 'node:fs';
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

/** A line ends at LF, CRLF or a lone CR, as with node:readline. */
const LINE_BREAK = /\r\n|\n|\r/;

/**
 * Streams a UTF-8 text file line by line (LF, CRLF or CR), never holding more than a read buffer and
 * a line, and keeps `tracker.bytesRead` up to date.
 */
export async function* readLines(path: string, tracker: ReadTracker): AsyncGenerator<string> {
  for await (const lines of readLineBatches(path, tracker)) yield* lines;
}

/**
 * The lines of a file as batches, one per read buffer (256 KiB). Readers of large files take lines
 * this way: awaiting each line of a million-line file costs more than parsing it.
 */
export async function* readLineBatches(path: string, tracker: ReadTracker): AsyncGenerator<string[]> {
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
  // The unfinished last line of what was read so far.
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      tracker.bytesRead = stream.bytesRead;
      let text = rest + chunk;
      // A CR at the end may be the first half of a CRLF: it waits for the next read.
      const heldCr = text.endsWith('\r');
      if (heldCr) text = text.slice(0, -1);
      const lines = text.split(LINE_BREAK);
      rest = lines.pop()! + (heldCr ? '\r' : '');
      if (lines.length > 0) yield lines;
    }
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    stream.destroy();
  }
  if (rest !== '') yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}

export function unreadable(path: string, error: unknown): ImportError {
  if (error instanceof ImportError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ImportError('RATESTORE_IMPORT_UNREADABLE', `cannot read the file: ${reason}`, { path, cause: error });
}
