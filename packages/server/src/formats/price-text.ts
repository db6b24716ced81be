import { parse as parseLossless } from 'lossless-json';
import { priceTextCents } from '@ratestore/core';

/**
 * Prices read from text are judged as written (core's `priceTextCents`): `1.000` is money, `1.001`
 * and `1.0000000000000000001` are not, though the last parses to the double 1. A price that is
 * money becomes its exact number; anything else stays text, which the store refuses with
 * `RATESTORE_INVALID_PRICE` at the item's index, showing what was written.
 */
export function priceOfText(text: string): number | string {
  const cents = priceTextCents(text.trim());
  return cents === undefined ? text : cents / 100;
}

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
