import { isUtf8 } from 'node:buffer';
import express, { type Request, type RequestHandler } from 'express';
import type { ServerConfig } from '../config.js';
import { itemSlices, type BatchItem } from '@ratestore/core';
import { FormatError, ItemTooLargeError, parseBatches, type ItemFormat } from '../formats/index.js';
import { StreamDigest, type Fingerprint } from './idempotency.js';
import { HttpProblem } from './problem.js';

export interface BodyLimits {
  maxBytes: number;
  maxItems: number;
  /** Longest item in characters (an NDJSON line, a JSON array element, a CSV row). */
  maxItemChars: number;
}

/** The limits of a streamed batch body (`POST /v1/batches`, an upload chunk). */
export function batchLimits(ctx: { config: ServerConfig }): BodyLimits {
  const { limits } = ctx.config;
  return { maxBytes: limits.batchBodyBytes, maxItems: limits.batchItems, maxItemChars: limits.itemChars };
}

/**
 * The parser of small JSON bodies (`POST /rates`, port and region changes, upload creation), whatever
 * their Content-Type. A compressed body is 415, as on the batch routes (nothing inflates it); bytes
 * that are not UTF-8 are 400, not U+FFFD; more than `limit` bytes are 413.
 */
export function jsonObjectBody(limit: number): RequestHandler {
  const parse = express.json({
    limit,
    type: () => true,
    inflate: false,
    verify: (_req, _res, bytes) => {
      if (!isUtf8(bytes)) throw new HttpProblem(400, 'RATESTORE_MALFORMED_BODY', 'the body is not valid UTF-8');
    }
  });
  return (req, res, next) => {
    try {
      checkCharset(req);
    } catch (error) {
      next(error);
      return;
    }
    parse(req, res, next);
  };
}

/** Charsets a body may declare: UTF-8, and ASCII, which is UTF-8. */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * 415 for a body whose Content-Type declares a charset other than UTF-8. Bodies are read as UTF-8;
 * one in another charset would otherwise be refused as malformed without saying why, or read as
 * other characters.
 */
function checkCharset(req: Request): void {
  const parameters = (req.headers['content-type'] ?? '').split(';').slice(1);
  const charset = parameters.map((parameter) => /^\s*charset\s*=\s*"?([^";\s]*)"?\s*$/i.exec(parameter)?.[1]?.toLowerCase()).find((value) => value !== undefined);
  if (charset !== undefined && !UTF8_CHARSETS.has(charset)) throw new HttpProblem(415, 'RATESTORE_UNSUPPORTED_MEDIA_TYPE', `charset ${charset} is not read: send the body as UTF-8 (charset=utf-8, or no charset)`);
}

/** The batch body format named by Content-Type; anything else, or a charset other than UTF-8, is 415. */
export function bodyFormat(req: Request): ItemFormat {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') throw new HttpProblem(415, 'RATESTORE_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not supported; send the body uncompressed`);
  checkCharset(req);
  if (type === 'application/json') return 'json';
  if (['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'].includes(type)) return 'ndjson';
  if (type === 'text/csv') return 'csv';
  throw new HttpProblem(415, 'RATESTORE_UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json (an array of items), application/x-ndjson or text/csv, got ${type === '' ? 'none' : type}`);
}

/** The request body as buffers, failing with 413 once more than `maxBytes` arrived. */
async function* limitedBytes(req: Request, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw new HttpProblem(413, 'RATESTORE_BODY_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
    yield chunk;
  }
}

/**
 * The items of a batch body, streamed: parsed as they arrive and handed to the store a chunk of text
 * at a time (see `itemSlices`), so no body is ever held whole. Fails with 400 (malformed), 413 (too large, too many items); a
 * Content-Length over the limit fails at once, before the upload waits for admission.
 */
export function bodyItems(req: Request, format: ItemFormat, limits: BodyLimits): AsyncIterable<BatchItem> {
  checkDeclaredLength(req, limits);
  return streamedItems(limitedBytes(req, limits.maxBytes), format, limits);
}

/**
 * A batch body (`POST /v1/batches`) and its fingerprint: the digest of its format and bytes, taken
 * as they stream into the store, or, for a replay, as they are read to the end and dropped.
 */
export class BatchBody implements Fingerprint {
  readonly #req: Request;
  readonly #format: ItemFormat;
  readonly #limits: BodyLimits;
  readonly #digest: StreamDigest;

  /** 415 for a format other than JSON, NDJSON or CSV; 413 for a Content-Length over the limit. */
  constructor(req: Request, route: string, limits: BodyLimits) {
    this.#req = req;
    this.#format = bodyFormat(req);
    this.#limits = limits;
    checkDeclaredLength(req, limits);
    this.#digest = new StreamDigest(route, this.#format);
  }

  readonly stored = (): string => this.#digest.value();

  items(): AsyncIterable<BatchItem> {
    return streamedItems(this.#digest.through(limitedBytes(this.#req, this.#limits.maxBytes)), this.#format, this.#limits);
  }

  /** The fingerprint, reading (and hashing) what the engine left of the body: all of it on a replay it found at once, none once it read every item. */
  async complete(): Promise<string> {
    if (!this.#digest.finished) for await (const _ of this.#digest.through(limitedBytes(this.#req, this.#limits.maxBytes))) void _;
    return this.#digest.value();
  }
}

function checkDeclaredLength(req: Request, limits: BodyLimits): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    throw new HttpProblem(413, 'RATESTORE_BODY_TOO_LARGE', `the body has ${declared} bytes; at most ${limits.maxBytes} are allowed`);
  }
}

/** A body's items, handed to the store a chunk of text's worth at a time (see `itemSlices`). */
function streamedItems(bytes: AsyncIterable<Buffer>, format: ItemFormat, limits: BodyLimits): AsyncIterable<BatchItem> {
  return itemSlices(streamedSlices(bytes, format, limits));
}

async function* streamedSlices(bytes: AsyncIterable<Buffer>, format: ItemFormat, limits: BodyLimits): AsyncGenerator<unknown[]> {
  let count = 0;
  try {
    for await (const { items } of parseBatches(format, bytes, { maxItemChars: limits.maxItemChars })) {
      count += items.length;
      if (count > limits.maxItems) throw new HttpProblem(413, 'RATESTORE_TOO_MANY_ITEMS', `a request may carry at most ${limits.maxItems} items`);
      yield items;
    }
  } catch (error) {
    if (error instanceof ItemTooLargeError) {
      throw new HttpProblem(413, 'RATESTORE_ITEM_TOO_LARGE', `${error.line === undefined ? '' : `line ${error.line}: `}an item is longer than ${error.limit} characters (limits.itemChars)`, error.line === undefined ? {} : { extra: { line: error.line } });
    }
    if (error instanceof FormatError) {
      throw new HttpProblem(400, 'RATESTORE_MALFORMED_BODY', error.line === undefined ? error.message : `line ${error.line}: ${error.message}`, error.line === undefined ? {} : { extra: { line: error.line } });
    }
    throw error;
  }
}
