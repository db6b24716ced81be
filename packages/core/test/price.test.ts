import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { moneyCents, priceTextCents } from '../src/index.js';

describe('moneyCents: a number is money when it is a 2-decimal value, up to float noise, of at least 0.01', () => {
  it('takes whole and 2-decimal amounts, and the float noise of arithmetic on them', () => {
    expect([1, 0.01, 1234.56, 10_000_000, 1e12].map(moneyCents)).toEqual([100, 1, 123456, 1_000_000_000, 1e14]);
    expect(moneyCents(0.1 + 0.2)).toBe(30); // 0.30000000000000004
    expect(moneyCents(1100 * 1.1)).toBe(121_000); // 1210.0000000000002
  });

  it('refuses what rounds to no cent, more decimals than 2, and anything not a positive finite number', () => {
    for (const amount of [1e-9, 4e-9, 1e-300, 0.004, 1.000000001, 1.001, 1234.5678, 0, -0, -5, Number.NaN, Infinity, -Infinity, '12', null, undefined]) {
      expect([amount, moneyCents(amount)]).toEqual([amount, undefined]);
    }
  });

  it('every 2-decimal amount written in JSON is money, and its cents are exact', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), (cents) => moneyCents(JSON.parse((cents / 100).toFixed(2)) as number) === cents));
  });
});

describe('priceTextCents: a price written as text is judged on its digits', () => {
  it('takes at most 2 decimals once trailing zeros go, in any decimal notation', () => {
    const cases: Array<[string, number]> = [
      ['1', 100], ['1.000', 100], ['1.5', 150], ['12.30', 1230], ['.5', 50], ['1.', 100], ['0.01', 1], ['007.10', 710],
      ['1.5e2', 15_000], ['1E3', 100_000], ['1234e-2', 1234], ['0.0001e4', 100], ['12.345e1', 12_345], ['10000000', 1_000_000_000], ['10000000.00', 1_000_000_000]
    ];
    for (const [text, cents] of cases) expect([text, priceTextCents(text)]).toEqual([text, cents]);
  });

  it('refuses more decimals as written, even those a double cannot hold, and what is not money', () => {
    const refused = [
      '1e-9', '4e-9', '1e-300', '1.000000001', '1.001', '1.0000000000000000001', '0.001', '12.3456e1', '0', '0.00', '-5', '-0.01',
      '10000000.01', '1e8', '1e1000000000000000', '', '.', 'e5', '1e', '12 ', ' 12', '+12', '1,5', 'cheap', '0x10', 'Infinity', 'NaN'
    ];
    for (const text of refused) expect([text, priceTextCents(text)]).toEqual([text, undefined]);
  });

  it('agrees with the number rule on every 2-decimal text, with or without trailing zeros', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), fc.nat(3), (cents, zeros) => {
      const text = (cents / 100).toFixed(2) + '0'.repeat(zeros);
      return priceTextCents(text) === cents && moneyCents(Number(text)) === cents;
    }));
  });
});
