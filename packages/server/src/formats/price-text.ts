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
  const item = JSON.parse(text) as unknown;
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
  const record = item as Record<string, unknown>;
  if (typeof record.price !== 'number' || !MAYBE_NOT_MONEY.test(text)) return item;
  let written: unknown;
  try {
    written = (parseLossless(text, null, (number) => new NumberText(number)) as Record<string, unknown>).price;
  } catch {
    // lossless-json refuses duplicate keys that JSON.parse lets through: the number rule decides.
    return item;
  }
  if (written instanceof NumberText) record.price = priceOfText(written.text);
  return item;
}
