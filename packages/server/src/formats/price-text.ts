import { parse as parseLossless } from 'lossless-json';
import { priceTextCents } from '@ratestore/core';

/**
 * Prices read from text are judged as written (core's `priceTextCents`): `1.000` is money, `1.001`
 * and `1.0000000000000000001` are not, though the last parses to the double 1. A price that is
 * money becomes its exact number; anything else stays text, which the store refuses with
 * `RATESTORE_INVALID_PRICE` at the item's index, showing what was written.
 */
export function priceOfText(text: string): number | string {
  const cents = plainCents(text) ?? priceTextCents(text.trim());
  return cents === undefined ? text : cents / 100;
}

/**
 * The cents of the way nearly every price is written, `1234`, `1234.5` or `1234.56` (at most 7
 * digits before the point, no leading zero, so well below MAX_PRICE), read digit by digit:
 * `priceTextCents`'s regular expression and strings cost a CSV import ~5%. Undefined for anything
 * else, which `priceTextCents` judges; where both answer they agree (a property test checks it).
 */
function plainCents(text: string): number | undefined {
  const length = text.length;
  let at = 0;
  let whole = 0;
  for (; at < length && at < 8; at++) {
    const digit = text.charCodeAt(at) - ZERO;
    if (digit < 0 || digit > 9) break;
    if (at === 0 && digit === 0) return undefined;
    whole = whole * 10 + digit;
  }
  if (at === 0 || at > 7) return undefined;
  if (at === length) return whole * 100;
  const decimals = length - at - 1;
  if (text.charCodeAt(at) !== POINT || decimals < 1 || decimals > 2) return undefined;
  let fraction = 0;
  for (let i = at + 1; i < length; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return undefined;
    fraction = fraction * 10 + digit;
  }
  return whole * 100 + (decimals === 1 ? fraction * 10 : fraction);
}

const ZERO = 48;
const POINT = 46;

/** A number that has more than 2 decimals or an exponent somewhere in the text. */
const MAYBE_NOT_MONEY = /\.\d{3}|\d[eE][+-]?\d/;

/** The price of an item whose text has a price that may not be money but cannot be read as written: the store refuses it, showing this. */
const UNREADABLE_PRICE = 'a number not readable as written';

class NumberText {
  constructor(readonly text: string) {}
}

/**
 * One JSON item (an NDJSON line, an element of a JSON array) with its price judged as written.
 * JSON.parse keeps only the double, and a text with more decimals can parse to a double that is
 * money: such a text has more than 2 decimals or an exponent, so only then is the item's text read
 * again, keeping its numbers as written (lossless-json), to find how its price was written.
 */
export function parseJsonItem(text: string): unknown {
  return plainPriceItem(text) ?? parseAnyJsonItem(text);
}

const ORIGIN = '{"origin":"';
const DESTINATION = '","destination":"';
const DAY = '","day":"';
const PRICE = '","price":';
const QUOTE = 34;
const BACKSLASH = 92;
const CLOSE = 125;

/**
 * A price written the way JSON.stringify writes one, `{"origin":"…","destination":"…","day":"…","price":1234.5}`
 * (strings without escapes, a plain price: see plainCents), read without JSON.parse, which took a
 * quarter of an NDJSON import's time; undefined for any other text, which JSON.parse reads. Where
 * both read a text they give the same item (a property test checks it).
 */
function plainPriceItem(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith(ORIGIN)) return undefined;
  const originEnd = stringEnd(text, ORIGIN.length);
  if (originEnd < 0 || !text.startsWith(DESTINATION, originEnd)) return undefined;
  const destinationStart = originEnd + DESTINATION.length;
  const destinationEnd = stringEnd(text, destinationStart);
  if (destinationEnd < 0 || !text.startsWith(DAY, destinationEnd)) return undefined;
  const dayStart = destinationEnd + DAY.length;
  const dayEnd = stringEnd(text, dayStart);
  if (dayEnd < 0 || !text.startsWith(PRICE, dayEnd) || text.charCodeAt(text.length - 1) !== CLOSE) return undefined;
  const cents = plainCents(text.slice(dayEnd + PRICE.length, text.length - 1));
  if (cents === undefined) return undefined;
  return { origin: text.slice(ORIGIN.length, originEnd), destination: text.slice(destinationStart, destinationEnd), day: text.slice(dayStart, dayEnd), price: cents / 100 };
}

/** Where the JSON string from `from` ends (its closing quote), or -1 if it holds an escape or a control character before. */
function stringEnd(text: string, from: number): number {
  for (let at = from; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === QUOTE) return at;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

function parseAnyJsonItem(text: string): unknown {
  const item = JSON.parse(text) as unknown;
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
  const record = item as Record<string, unknown>;
  if (typeof record.price !== 'number' || !MAYBE_NOT_MONEY.test(text)) return item;
  let written: unknown;
  try {
    written = (parseLossless(text, null, (number) => new NumberText(number)) as Record<string, unknown>).price;
  } catch {
    // lossless-json refuses what JSON.parse lets through (a repeated member, nesting deeper than it
    // reads): how the price was written cannot be told then, so it is not taken for money.
    record.price = UNREADABLE_PRICE;
    return item;
  }
  if (written instanceof NumberText) record.price = priceOfText(written.text);
  return item;
}
