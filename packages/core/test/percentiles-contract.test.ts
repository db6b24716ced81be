import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPercentiles, percentilesToWire, readPercentiles } from '../src/contract/percentiles.js';
import { ratesFromWire, ratesQueryToWire, ratesToWire } from '../src/contract/wire.js';

/** The percentiles rule, its text form and the rows' objects (packages/core/src/contract/percentiles.ts). */

/** Any list the rule takes: 1 to 9 distinct doubles above 0 and below 100, tiny ones included. */
const lists = fc.uniqueArray(fc.double({ min: Number.MIN_VALUE, max: 100, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 9 });

describe('percentiles on the wire', () => {
  it('reads plain decimals, in order', () => {
    expect(readPercentiles('25,50,75')).toEqual({ ok: true, values: [25, 50, 75] });
    expect(readPercentiles('99.9,0.1,025.50')).toEqual({ ok: true, values: [99.9, 0.1, 25.5] });
    expect(readPercentiles('1,2,3,4,5,6,7,8,9')).toMatchObject({ ok: true });
  });

  it.each(['', ',', '25,', ',25', '25,,50', ' 25', '25 ', '-5', '+5', '.5', '5.', '1e1', '0x10', 'NaN', 'Infinity', '0', '0.000', '100', '100.5', '25,25', '25,25.00', '1,2,3,4,5,6,7,8,9,10'])(
    'refuses %j, saying why', (text) => {
      const reading = readPercentiles(text);
      expect(reading.ok).toBe(false);
      expect(!reading.ok && reading.reason).toMatch(/^must be 1 to 9 distinct numbers, each above 0 and below 100, separated by commas \(25,50,75\); got /);
    }
  );

  it('refuses what is not text', () => {
    for (const value of [undefined, null, 25, ['25']]) expect(readPercentiles(value).ok).toBe(false);
  });

  it('checks lists given in code by the same rule', () => {
    expect(checkPercentiles([25, 50, 75])).toEqual({ ok: true, values: [25, 50, 75] });
    for (const value of [[], [0], [100], [25, 25], [NaN], [Infinity], ['25'], [null], '25', undefined, new Array(10).fill(0).map((_, i) => i + 1)]) {
      expect(checkPercentiles(value).ok, JSON.stringify(value)).toBe(false);
    }
  });

  it('writes any list the rule takes as text it reads back as the same numbers', () => {
    expect(percentilesToWire([25, 50, 99.9])).toBe('25,50,99.9');
    expect(percentilesToWire([1.5e-7])).toBe('0.00000015');
    fc.assert(fc.property(lists, (values) => {
      expect(checkPercentiles(values)).toEqual({ ok: true, values });
      const text = percentilesToWire(values);
      expect(text).toMatch(/^[0-9.,]+$/);
      expect(readPercentiles(text)).toEqual({ ok: true, values });
    }), { seed: 16, numRuns: 500 });
  });

  it('carries rows\' percentiles onto the wire and back, in order, as copies', () => {
    const rows = [{ day: '2016-01-01', average: 2, count: 3, min: 1, max: 3, percentiles: { p50: 2, p25: 1 } }, { day: '2016-01-02', average: null, count: 0, min: null, max: null }];
    const query = { origin: 'CNSGH', destination: 'NLRTM', dateFrom: '2016-01-01', dateTo: '2016-01-02', minCount: 3 };
    const wire = ratesToWire(query, { version: 1, rows });
    expect(wire.rows).toEqual(rows);
    expect(Object.keys(wire.rows[0]!.percentiles!)).toEqual(['p50', 'p25']);
    expect(wire.rows[0]!.percentiles).not.toBe(rows[0]!.percentiles);
    expect('percentiles' in wire.rows[1]!).toBe(false);
    const back = ratesFromWire(wire);
    expect(back.rows).toEqual(rows);
    expect(back.rows[0]!.percentiles).not.toBe(wire.rows[0]!.percentiles);
  });

  it('writes the list into the query parameters only when asked', () => {
    const query = { origin: 'CNSGH', destination: 'NLRTM', dateFrom: '2016-01-01', dateTo: '2016-01-02' };
    expect(ratesQueryToWire({ ...query, percentiles: [25, 50, 99.9] }).percentiles).toBe('25,50,99.9');
    expect('percentiles' in ratesQueryToWire(query)).toBe(false);
  });
});
