import { StringDecoder } from 'node:string_decoder';
import { Readable } from 'node:stream';
import type { Request } from 'express';
import { parse } from 'csv-parse';
import { HttpProblem } from './problem.js';

export type BodyFormat = 'json' | 'ndjson' | 'csv';

export interface BodyLimits {
  maxBytes: number;
  maxItems: number;
}

/** The batch body format named by Content-Type; anything else is 415. */
export function bodyFormat(req: Request): BodyFormat {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') throw new HttpProblem(415, 'RATESTORE_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not supported; send the body uncompressed`);
  if (type === 'application/json') return 'json';
  if (['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'].includes(type)) return 'ndjson';
  if (type === 'text/csv') return 'csv';
  throw new HttpProblem(415, 'RATESTORE_UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json (an array of items), application/x-ndjson or text/csv, got ${type === '' ? 'none' : type}`);
}

function malformed(detail: string): HttpProblem {
  return new HttpProblem(400, 'RATESTORE_MALFORMED_BODY', detail);
}

/** The request body as buffers, failing with 413 once more than `maxBytes` arrived. */
async function* limitedBytes(req: Request, maxBytes: number): AsyncGenerator<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new HttpProblem(413, 'RATESTORE_BODY_TOO_LARGE', `the body has ${declared} bytes; at most ${maxBytes} are allowed`);
  }
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw new HttpProblem(413, 'RATESTORE_BODY_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
    yield chunk;
  }
}

/** Elements of a top-level JSON array, parsed one at a time as the text streams in. */
async function* jsonArrayItems(chunks: AsyncIterable<Buffer>): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let state: 'start' | 'value' | 'after' | 'end' = 'start';
  let pending = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let index = 0;
  const parseElement = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw malformed(`item ${index} of the JSON array is not valid JSON: ${(error as Error).message}`);
    }
  };
  const feed = function* (text: string): Generator<unknown> {
    let i = 0;
    let start = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (state === 'value') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (depth === 0) {
            // `]` closing the array
            const element = (pending + text.slice(start, i)).trim();
            pending = '';
            if (element !== '') {
              yield parseElement(element);
              index++;
            } else if (index > 0) throw malformed(`the JSON array has a trailing comma after item ${index - 1}`);
            state = 'end';
            i++;
            continue;
          }
          depth--;
        } else if (c === 0x2c && depth === 0) {
          const element = (pending + text.slice(start, i)).trim();
          pending = '';
          if (element === '') throw malformed(`item ${index} of the JSON array is empty`);
          yield parseElement(element);
          index++;
          start = i + 1;
        }
        i++;
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) {
        i++;
        continue;
      }
      if (state === 'start' && c === 0x5b) {
        state = 'value';
        start = i + 1;
        i++;
        continue;
      }
      throw malformed(state === 'start' ? 'the body must be a JSON array of items' : 'unexpected text after the JSON array');
    }
    if (state === 'value') pending += text.slice(start);
  };
  for await (const chunk of chunks) yield* feed(decoder.write(chunk));
  yield* feed(decoder.end());
  if ((state as string) !== 'end') throw malformed((state as string) === 'start' ? 'the body is empty; send a JSON array of items' : 'the JSON array is not closed');
}

/** One JSON value per line; blank lines are skipped. */
async function* ndjsonItems(chunks: AsyncIterable<Buffer>): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  const parseLine = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw malformed(`line ${line} is not valid JSON: ${(error as Error).message}`);
    }
  };
  const lines = function* (text: string, final: boolean): Generator<unknown> {
    const all = rest + text;
    let from = 0;
    for (let nl = all.indexOf('\n'); nl !== -1; nl = all.indexOf('\n', from)) {
      line++;
      const current = all.slice(from, nl).trim();
      from = nl + 1;
      if (current !== '') yield parseLine(current);
    }
    rest = all.slice(from);
    if (final && rest.trim() !== '') {
      line++;
      yield parseLine(rest.trim());
      rest = '';
    }
  };
  for await (const chunk of chunks) yield* lines(decoder.write(chunk), false);
  yield* lines(decoder.end(), true);
}

const CSV_COLUMNS = ['origin', 'destination', 'day', 'price'];

/** CSV with the header `origin,destination,day,price` (any column order): one price per row. */
async function* csvItems(chunks: AsyncIterable<Buffer>): AsyncGenerator<unknown> {
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    columns: (header: string[]) => {
      const names = header.map((name) => name.toLowerCase());
      const missing = CSV_COLUMNS.filter((column) => !names.includes(column));
      const extra = names.filter((name) => !CSV_COLUMNS.includes(name));
      if (missing.length > 0 || extra.length > 0) {
        throw malformed(`the CSV header must be origin,destination,day,price${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}${extra.length > 0 ? `; unknown ${extra.join(', ')}` : ''}`);
      }
      return names;
    }
  });
  const source = Readable.from(chunks);
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      const price = record.price === undefined || record.price === '' ? record.price : Number(record.price);
      yield { origin: record.origin, destination: record.destination, day: record.day, price: Number.isNaN(price) ? record.price : price };
    }
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    const csv = error as { code?: string; lines?: number; message?: string };
    if (typeof csv.code === 'string' && csv.code.startsWith('CSV_')) throw malformed(`CSV ${csv.lines === undefined ? '' : `line ${csv.lines}: `}${csv.message ?? csv.code}`);
    throw error;
  } finally {
    source.destroy();
  }
}

/**
 * The items of a batch body, streamed: parsed as they arrive and handed to the store one by one, so
 * no body is ever held whole. Fails with 400 (malformed), 413 (too large, too many items).
 */
export async function* bodyItems(req: Request, format: BodyFormat, limits: BodyLimits): AsyncGenerator<unknown> {
  const bytes = limitedBytes(req, limits.maxBytes);
  const items = format === 'json' ? jsonArrayItems(bytes) : format === 'ndjson' ? ndjsonItems(bytes) : csvItems(bytes);
  let count = 0;
  for await (const item of items) {
    if (++count > limits.maxItems) throw new HttpProblem(413, 'RATESTORE_TOO_MANY_ITEMS', `a request may carry at most ${limits.maxItems} items`);
    yield item;
  }
}
