import { isAscii, isUtf8 } from 'node:buffer';
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
 * a line, and keeps `tracker.bytesRead` up to date. Bytes that are not UTF-8 are an ImportError with
 * their line, never U+FFFD: a name is stored as the file has it, or the file is refused.
 */
export async function* readLines(path: string, tracker: ReadTracker): AsyncGenerator<string> {
  for await (const lines of readLineBatches(path, tracker)) yield* lines;
}

/**
 * The lines of a file as batches, one per read buffer (256 KiB). Readers of large files take lines
 * this way: awaiting each line of a million-line file costs more than parsing it.
 */
export async function* readLineBatches(path: string, tracker: ReadTracker): AsyncGenerator<string[]> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
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
  // The unfinished last line of what was decoded so far, and the bytes read after it: those up to
  // the last line break are decoded, so no character is ever cut (a break byte is never part of one).
  // (Reads without a line break are only gathered: copying them each time would be quadratic.)
  let rest = '';
  const held: Buffer[] = [];
  let lines = 0;
  // A leading BOM is dropped, as the body parsers drop it (files saved by Windows editors have one).
  let started = false;
  const decode = (bytes: Buffer): string => {
    const text = utf8Text(path, bytes, lines + 1 + (rest.endsWith('\r') && bytes[0] !== LF ? 1 : 0));
    if (started) return text;
    started = true;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      tracker.bytesRead = stream.bytesRead;
      if (chunk.indexOf(LF) === -1 && chunk.indexOf(CR) === -1) {
        held.push(chunk);
        continue;
      }
      const data = held.length === 0 ? chunk : Buffer.concat([...held.splice(0), chunk]);
      const end = Math.max(data.lastIndexOf(LF), data.lastIndexOf(CR)) + 1;
      if (end < data.length) held.push(data.subarray(end));
      let text = rest + decode(data.subarray(0, end));
      // A CR at the end may be the first half of a CRLF: it waits for the next read.
      const heldCr = text.endsWith('\r');
      if (heldCr) text = text.slice(0, -1);
      const batch = text.split(LINE_BREAK);
      rest = batch.pop()! + (heldCr ? '\r' : '');
      lines += batch.length;
      if (batch.length > 0) yield batch;
    }
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    stream.destroy();
  }
  // What is left: the last line, and a line before it if a lone CR ended that one (`a\rb`).
  let text = held.length > 0 ? rest + decode(Buffer.concat(held)) : rest;
  if (text === '') return;
  if (text.endsWith('\r')) text = text.slice(0, -1);
  yield text.split(LINE_BREAK);
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * `bytes` (whole lines, the first of them line `line`) as text; an ImportError naming the line of
 * the first bytes that are not UTF-8. The whole is checked at once; only a bad one is split by lines.
 */
function utf8Text(path: string, bytes: Buffer, line: number): string {
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (isUtf8(bytes)) return bytes.toString('utf8');
  for (let from = 0; from < bytes.length; line++) {
    let to = from;
    while (to < bytes.length && bytes[to] !== LF && bytes[to] !== CR) to++;
    if (!isUtf8(bytes.subarray(from, to))) break;
    from = to + (bytes[to] === CR && bytes[to + 1] === LF ? 2 : 1);
  }
  throw new ImportError('RATESTORE_IMPORT_INVALID_FILE', 'the line is not UTF-8 text (convert the file to UTF-8 first)', { path, line });
}

export function unreadable(path: string, error: unknown): ImportError {
  if (error instanceof ImportError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ImportError('RATESTORE_IMPORT_UNREADABLE', `cannot read the file: ${reason}`, { path, cause: error });
}
