import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { priceTextCents } from '@ratestore/core';
import { priceOfText } from '../src/formats/price-text.js';

/** What priceOfText did before its digit-by-digit fast path: core's rule alone, the reference. */
function reference(text: string): number | string {
  const cents = priceTextCents(text.trim());
  return cents === undefined ? text : cents / 100;
}

/** Prices as written in files: plain ones most often, and every way of writing near them. */
const CHARS = ['0', '1', '5', '9', '0', '3', '7', '.', '.', '-', '+', 'e', 'E', ' ', '\t', 'x', '٣'];

describe('priceOfText', () => {
  it('judges a price as core\'s priceTextCents does, whatever is written', () => {
    const written = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.constantFrom('', '.', '.0', '.5', '.05', '.50', '.99', '.00', '.001', '.123')).map(([whole, fraction]) => `${whole}${fraction}`) },
      { weight: 2, arbitrary: fc.array(fc.constantFrom(...CHARS), { maxLength: 12 }).map((chars) => chars.join('')) }
    );
    fc.assert(fc.property(written, (text) => {
      expect(priceOfText(text)).toStrictEqual(reference(text));
    }), { numRuns: 20_000, seed: 15 });
  });

  it('reads the plain ways exactly', () => {
    for (const text of ['1', '2199', '2210.89', '9999999.99', '10000000', '10000000.01', '0.5', '01', '1.', '.5', '1.001']) expect(priceOfText(text)).toStrictEqual(reference(text));
  });
});
