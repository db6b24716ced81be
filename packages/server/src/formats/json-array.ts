import { DEFAULT_MAX_ITEM_CHARS, FormatError, ItemTooLargeError, type ByteSource, type ParseOptions, type ParsedBatch, type ParsedItem } from './errors.js';
import { BatchCollector, itemsOfBatches } from './batches.js';
import { parseJsonItem } from './price-text.js';
import { utf8Chunks } from './text.js';

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The elements of one top-level JSON array, each parsed as soon as its text is complete, so the
 * array is never held whole. An element's line is the line it starts on. Anything but one array
 * (an object, a trailing comma, text after the `]`, an unclosed array) is a FormatError, and an
 * element longer than `maxItemChars` an ItemTooLargeError as soon as it grows past that. Prices are
 * judged as written (see price-text.ts).
 */
export function jsonArrayItems(bytes: ByteSource, options: ParseOptions = {}): AsyncGenerator<ParsedItem> {
  return itemsOfBatches(jsonArrayBatches(bytes, options));
}

/** The items of `jsonArrayItems`, a batch per chunk of text read. */
export async function* jsonArrayBatches(bytes: ByteSource, options: ParseOptions = {}): AsyncGenerator<ParsedBatch> {
  const batch = new BatchCollector();
  const max = options.maxItemChars ?? DEFAULT_MAX_ITEM_CHARS;
  let state = 'start' as 'start' | 'value' | 'end';
  let line = 1;
  let index = 0;
  // The current element: its text from earlier chunks, whether it began, and on which line.
  let pending = '';
  let started = false;
  let elementLine = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;

  const element = (text: string): ParsedItem => {
    if (text.length > max) throw new ItemTooLargeError(max, elementLine);
    try {
      return { item: parseJsonItem(text), line: elementLine };
    } catch (error) {
      throw new FormatError(`item ${index} of the JSON array is not valid JSON: ${(error as Error).message}`, elementLine, { cause: error });
    }
  };

  for await (const text of utf8Chunks(bytes)) {
    try {
      scan(text);
    } catch (error) {
      if (batch.size > 0) yield batch.take();
      throw error;
    }
    if (batch.size > 0) yield batch.take();
  }
  if (state !== 'end') {
    throw new FormatError(state === 'start' ? 'there is nothing to read; expected a JSON array of items' : 'the JSON array is not closed', line);
  }

  /** Reads one chunk of text, collecting the elements it completes. */
  function scan(text: string): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) line++;
      if (state !== 'value') {
        if (isSpace(c)) continue;
        if (state === 'start' && c === 0x5b) {
          state = 'value';
          start = i + 1;
          continue;
        }
        throw new FormatError(state === 'start' ? 'expected a JSON array of items' : 'unexpected text after the JSON array', line);
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (depth === 0 && (c === 0x2c || c === 0x5d)) {
        // `,` or the closing `]`: the element so far is complete.
        const textOf = (pending + text.slice(start, i)).trim();
        pending = '';
        start = i + 1;
        if (started) {
          const { item, line: at } = element(textOf);
          batch.push(item, at);
          index++;
        } else if (c === 0x2c) {
          throw new FormatError(`item ${index} of the JSON array is empty`, line);
        } else if (index > 0) {
          throw new FormatError(`the JSON array has a trailing comma after item ${index - 1}`, line);
        }
        started = false;
        if (c === 0x5d) state = 'end';
        continue;
      }
      if (!started && !isSpace(c)) {
        started = true;
        elementLine = line;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if ((c === 0x7d || c === 0x5d) && depth > 0) depth--;
    }
    // Spaces before an element are not kept: only an element's own text can grow past the bound.
    if (state === 'value' && started) {
      pending += text.slice(start);
      if (pending.length > max) throw new ItemTooLargeError(max, elementLine);
    }
  }
}
