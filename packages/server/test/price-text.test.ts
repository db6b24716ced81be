import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { priceTextCents } from '@ratestore/core';
import { parseJsonItem, priceOfText } from '../src/formats/price-text.js';

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

describe('parseJsonItem', () => {
  /** A price written plainly as money in JSON: what JSON.parse reads it as is what it means. */
  const plainPrice = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.constantFrom('', '.5', '.05', '.50', '.99', '.00', '.1')).map(([whole, fraction]) => `${whole}${fraction}`),
    fc.constantFrom('0.5', '1e2', '12.5E1', '-3', '2199', '2210.89')
  );
  const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '/', 'é', '😀', '\u2028', '\u0001', '\ud800'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 8 });

  it('reads any item whose price is written plainly as JSON.parse does, in the writing JSON.stringify uses and in any other', () => {
    const item = fc.record({ origin: text, destination: text, day: text, price: plainPrice, order: fc.boolean(), spaced: fc.boolean(), extra: fc.option(text) });
    fc.assert(fc.property(item, ({ origin, destination, day, price, order, spaced, extra }) => {
      const entries: Array<[string, string]> = [['origin', JSON.stringify(origin)], ['destination', JSON.stringify(destination)], ['day', JSON.stringify(day)], ['price', price]];
      if (extra !== null) entries.push(['note', JSON.stringify(extra)]);
      if (order) entries.reverse();
      const written = `{${entries.map(([key, value]) => `"${key}":${spaced ? ' ' : ''}${value}`).join(spaced ? ', ' : ',')}}`;
      expect(parseJsonItem(written)).toStrictEqual(JSON.parse(written));
    }), { numRuns: 20_000, seed: 16 });
  });

  // Was a bug: lossless-json refuses a repeated member and deep nesting, and the price JSON.parse
  // made of them was taken as it came: 1.0000000000000000001 was stored as 1.
  it('does not take a price for money when its writing cannot be read (a repeated member, deep nesting)', () => {
    const base = '"origin":"USDLD","destination":"AEAND","day":"2016-01-01"';
    const repeated = parseJsonItem(`{${base},"price":5,"price":1.0000000000000000001}`) as Record<string, unknown>;
    const nested = parseJsonItem(`{${base},"price":1.0000000000000000001,"x":${'['.repeat(32_000)}${']'.repeat(32_000)}}`) as Record<string, unknown>;
    for (const item of [repeated, nested]) {
      expect(typeof item.price).toBe('string');
      expect(priceOfText(String(item.price))).toBe(item.price);
    }
    // A repeated member whose text has no price that may not be money is read as JSON.parse reads it.
    expect(parseJsonItem(`{${base},"price":5,"price":7}`)).toMatchObject({ price: 7 });
  });

  it('refuses what JSON.parse refuses, in the writing JSON.stringify uses too', () => {
    const control = String.fromCharCode(1);
    for (const bad of [`{"origin":"A${control}","destination":"B","day":"2016-01-01","price":1}`, '{"origin":"A","destination":"B","day":"2016-01-01","price":1', '{"origin":"A","destination":"B","day":"2016-01-01","price":}']) {
      expect(() => JSON.parse(bad)).toThrow();
      expect(() => parseJsonItem(bad)).toThrow();
    }
  });
});
