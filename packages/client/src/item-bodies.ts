import type { BatchItem } from './types.js';

/** A request body of items and its Content-Type. */
export interface ItemsBody {
  body: string;
  contentType: string;
}

const ND_JSON = 'application/x-ndjson';
const CSV = 'text/csv';
const CSV_HEADER = 'origin,destination,day,price\n';

/** The items as NDJSON, each line as `JSON.stringify` writes the item. */
export function ndjsonBody(items: readonly BatchItem[]): ItemsBody {
  let body = '';
  for (const item of items) body += JSON.stringify(item) + '\n';
  return { body, contentType: ND_JSON };
}

/**
 * The body of a staged upload's chunk. A chunk of plain prices (see `plainPriceLine`), the whole of
 * a typical upload, goes as CSV: 2.6x fewer bytes than NDJSON, written in half the time (1M sample
 * prices: 29 against 74 MB, about 0.4 against 0.85 s with the encoding to bytes), and read a little
 * faster by the server. Any other chunk goes as NDJSON. The server reads a plain price from either
 * as the same item, so what it answers (counts, the issues of a refused item, their indexes) is the
 * same either way; a chunk's items are judged by the server, not here.
 *
 * Only chunks: `POST /v1/batches` keys its idempotency fingerprint on the body's bytes, so a batch
 * sent whole keeps one encoding (NDJSON) whatever the client's version.
 */
export function chunkBody(items: readonly BatchItem[]): ItemsBody {
  let body = CSV_HEADER;
  for (const item of items) {
    const line = plainPriceLine(item);
    if (line === undefined) return ndjsonBody(items);
    body += line;
  }
  return { body, contentType: CSV };
}

/**
 * The CSV line of a price that the server reads from CSV exactly as from its JSON, or undefined for
 * any other item: a plain object (or one without a prototype) with no members but `origin`, `destination`, `day`, `price` and
 * an optional `type: 'price'`; codes and day of printable ASCII that CSV and JSON both carry as
 * written (no space, which CSV trims, no comma, quote or backslash); a price whose text is plain
 * money (1 to 7 digits without a leading zero, then at most 2 decimals), which the server reads
 * as the same number whether it comes as CSV text or as a JSON number.
 */
function plainPriceLine(item: BatchItem): string | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  // A class's instance may have a toJSON or members of its own making: JSON.stringify decides those.
  const prototype = Object.getPrototypeOf(item) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  const record = item as unknown as Record<string, unknown>;
  // The members JSON.stringify writes are the enumerable ones: exactly the four, and `type` at most.
  let members = 0;
  for (const key in record) {
    if (key === 'type') continue;
    if (!PRICE_MEMBERS.has(key)) return undefined;
    members++;
  }
  const { origin, destination, day, price, type } = record;
  if (members !== 4 || (type !== undefined && type !== 'price')) return undefined;
  if (!plainText(origin) || !plainText(destination) || !plainText(day) || typeof price !== 'number') return undefined;
  const priceText = String(price);
  if (!PLAIN_MONEY.test(priceText)) return undefined;
  return `${origin},${destination},${day},${priceText}\n`;
}

const PRICE_MEMBERS = new Set(['origin', 'destination', 'day', 'price']);

/** The server's plain money (formats/price-text.ts, `plainCents`). */
const PLAIN_MONEY = /^[1-9]\d{0,6}(\.\d{1,2})?$/;

/** A non-empty string of printable ASCII other than space, `"`, `,` and `\`. */
function plainText(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x2c || c === 0x5c) return false;
  }
  return true;
}
