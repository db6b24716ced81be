import { describe, expect, it } from 'vitest';
import type { RatestoreErrorCode } from '../../src/index.js';
import type { StoreFactory, SuiteStore } from '../stores.js';
import { TREE, addDays, expectCode, price, useStores } from '../helpers.js';

/** rates() refuses bad queries with a stable code and the field at fault. */
export function queryErrorsSuite(factory: StoreFactory): void {
  describe(`query errors on ${factory.name}`, () => {
    const stores = useStores(factory);
    const base = { dateFrom: '2016-01-01', dateTo: '2016-01-31', origin: 'CNSHA', destination: 'europe' };

    it('refuses invalid dates in either field', async () => {
      const store = await stores.open();
      await store.write(TREE);
      for (const bad of ['2016-02-30', '2016-1-1', 'yesterday', '2015-02-29', '2016-13-01', '2016-00-10', '2016-01-01T00:00:00Z', '', ' 2016-01-01']) {
        await expectCode(store.rates({ ...base, dateFrom: bad }), 'RATESTORE_INVALID_DATE', 'dateFrom');
        await expectCode(store.rates({ ...base, dateTo: bad }), 'RATESTORE_INVALID_DATE', 'dateTo');
      }
      await expectCode(store.rates({ ...base, dateFrom: 20160101 as never }), 'RATESTORE_INVALID_DATE', 'dateFrom');
      await expectCode(store.rates({ ...base, dateTo: undefined as never }), 'RATESTORE_INVALID_DATE', 'dateTo');
      // The real leap day is fine.
      expect((await store.rates({ ...base, dateFrom: '2016-02-29', dateTo: '2016-02-29' })).rows).toHaveLength(1);
    });

    it('refuses a reversed range', async () => {
      const store = await stores.open();
      await store.write(TREE);
      await expectCode(store.rates({ ...base, dateFrom: '2016-02-01', dateTo: '2016-01-31' }), 'RATESTORE_DATE_RANGE_REVERSED', 'dateFrom');
    });

    it('allows 366 days by default and refuses 367', async () => {
      const store = await stores.open();
      await store.write(TREE);
      await store.write([price('CNSHA', 'NLRTM', '2016-12-31', 100)]);
      const from = '2016-01-01';
      const longest = await store.rates({ ...base, dateFrom: from, dateTo: addDays(from, 365) });
      expect(longest.rows).toHaveLength(366);
      expect(longest.rows[365]).toMatchObject({ day: '2016-12-31', count: 1 });
      await expectCode(store.rates({ ...base, dateFrom: from, dateTo: addDays(from, 366) }), 'RATESTORE_RANGE_TOO_LONG', 'dateTo');
    });

    it('takes the cap from the maxRangeDays option', async () => {
      const store = await stores.open({ maxRangeDays: 7 });
      await store.write(TREE);
      expect((await store.rates({ ...base, dateTo: addDays(base.dateFrom, 6) })).rows).toHaveLength(7);
      await expectCode(store.rates({ ...base, dateTo: addDays(base.dateFrom, 7) }), 'RATESTORE_RANGE_TOO_LONG', 'dateTo');
      const wide = await stores.open({ maxRangeDays: 1000 });
      await wide.write(TREE);
      expect((await wide.rates({ ...base, dateTo: addDays(base.dateFrom, 999) })).rows).toHaveLength(1000);
      await expectCode(wide.rates({ ...base, dateTo: addDays(base.dateFrom, 1000) }), 'RATESTORE_RANGE_TOO_LONG', 'dateTo');
    });

    it('refuses unknown locations, naming the field', async () => {
      const store = await stores.open();
      await store.write(TREE);
      await expectCode(store.rates({ ...base, origin: 'XXXXX' }), 'RATESTORE_UNKNOWN_LOCATION', 'origin');
      await expectCode(store.rates({ ...base, destination: 'atlantis' }), 'RATESTORE_UNKNOWN_LOCATION', 'destination');
      // Codes and slugs are case-sensitive: a port code in lower case is not a port.
      await expectCode(store.rates({ ...base, origin: 'cnsha' }), 'RATESTORE_UNKNOWN_LOCATION', 'origin');
      await expectCode(store.rates({ ...base, destination: 42 as never }), 'RATESTORE_UNKNOWN_LOCATION', 'destination');
      // A location added later is unknown as of an earlier version.
      await store.write([{ type: 'port', code: 'JPTYO', name: 'Tokyo', region: 'east_asia' }]);
      expect((await store.rates({ ...base, origin: 'JPTYO' })).version).toBe(2);
      await expectCode(store.rates({ ...base, origin: 'JPTYO', asOf: 1 }), 'RATESTORE_UNKNOWN_LOCATION', 'origin');
    });

    it('refuses a minCount below 1 or not an integer', async () => {
      const store = await stores.open();
      await store.write(TREE);
      await expectCode(store.rates({ ...base, minCount: 0 }), 'RATESTORE_INVALID_ARGUMENT', 'minCount');
      await expectCode(store.rates({ ...base, minCount: -1 }), 'RATESTORE_INVALID_ARGUMENT', 'minCount');
      await expectCode(store.rates({ ...base, minCount: 1.5 }), 'RATESTORE_INVALID_ARGUMENT', 'minCount');
      await expectCode(store.rates(null as never), 'RATESTORE_INVALID_ARGUMENT', 'query');
    });

    it('refuses a widen that is not true or false', async () => {
      const store = await stores.open();
      await store.write(TREE);
      await expectCode(store.rates({ ...base, widen: 'true' as never }), 'RATESTORE_INVALID_ARGUMENT', 'widen');
      await expectCode(store.rates({ ...base, widen: 1 as never }), 'RATESTORE_INVALID_ARGUMENT', 'widen');
      expect(() => store.checkRates({ ...base, widen: 'no' as never })).toThrow(expect.objectContaining({ code: 'RATESTORE_INVALID_ARGUMENT', field: 'widen' }));
    });

    it('refuses percentiles that are not 1 to 9 distinct numbers above 0 and below 100', async () => {
      const store = await stores.open();
      await store.write(TREE);
      for (const percentiles of [[], [0], [100], [-5], [50, 50], [Number.NaN], [Infinity], ['50'], 50, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], null]) {
        await expectCode(store.rates({ ...base, percentiles: percentiles as never }), 'RATESTORE_INVALID_ARGUMENT', 'percentiles');
        expect(() => store.checkRates({ ...base, percentiles: percentiles as never })).toThrow(expect.objectContaining({ code: 'RATESTORE_INVALID_ARGUMENT', field: 'percentiles' }));
      }
      expect((await store.rates({ ...base, percentiles: [1, 2, 3, 4, 5, 6, 7, 8, 99.99] })).rows[0]!.percentiles).toEqual(
        { p1: null, p2: null, p3: null, p4: null, p5: null, p6: null, p7: null, p8: null, 'p99.99': null });
    });

    it('refuses an asOf beyond the head, and a malformed asOf', async () => {
      const store = await stores.open();
      await store.write(TREE);
      await expectCode(store.rates({ ...base, asOf: store.version + 1 }), 'RATESTORE_UNKNOWN_VERSION', 'asOf');
      await expectCode(store.rates({ ...base, asOf: -1 }), 'RATESTORE_INVALID_ARGUMENT', 'asOf');
      await expectCode(store.rates({ ...base, asOf: 0.5 }), 'RATESTORE_INVALID_ARGUMENT', 'asOf');
      expect((await store.rates({ ...base, asOf: store.version })).version).toBe(store.version);
    });

    it('checkRates() throws what rates() would, without reading data, and nothing for a good query', async () => {
      const store = await stores.open();
      await store.write(TREE);
      const bad: Array<[Record<string, unknown>, RatestoreErrorCode, string]> = [
        [{ dateFrom: '2016-02-30' }, 'RATESTORE_INVALID_DATE', 'dateFrom'],
        [{ dateFrom: '2016-02-01' }, 'RATESTORE_DATE_RANGE_REVERSED', 'dateFrom'],
        [{ dateTo: '2017-01-31' }, 'RATESTORE_RANGE_TOO_LONG', 'dateTo'],
        [{ destination: 'atlantis' }, 'RATESTORE_UNKNOWN_LOCATION', 'destination'],
        [{ minCount: 0 }, 'RATESTORE_INVALID_ARGUMENT', 'minCount'],
        [{ asOf: store.version + 1 }, 'RATESTORE_UNKNOWN_VERSION', 'asOf']
      ];
      for (const [change, code, field] of bad) {
        await expectCode(store.rates({ ...base, ...change }), code, field);
        await expectCode(() => store.checkRates({ ...base, ...change }), code, field);
      }
      expect(store.checkRates({ ...base, asOf: store.version })).toBeUndefined();
      await store.close();
      await expectCode(() => store.checkRates(base), 'RATESTORE_NOT_OPEN');
    });
  });
}
