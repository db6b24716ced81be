import { describe, expect, it } from 'vitest';
import type { StoreFactory, SuiteStore } from '../stores.js';
import { Model, TREE, expectCode, expectRows, price, randomPrices, row, useStores } from '../helpers.js';

/** revert(): a new version without exactly one batch's prices. */
export function revertSuite(factory: StoreFactory): void {
  describe(`revert on ${factory.name}`, () => {
    const stores = useStores(factory);
    const day = '2016-06-15';
    const query = { dateFrom: '2016-06-14', dateTo: '2016-06-16', origin: 'CNSHA', destination: 'NLRTM', minCount: 1 };

    it('removes exactly that batch, recomputing min and max, in a new version', async () => {
      const store = await stores.open();
      await store.write(TREE, { batchId: 'tree' });
      const low = [100, 150];
      const high = [900, 120];
      const other = [130, 140];
      await store.write(low.map((p) => price('CNSHA', 'NLRTM', day, p)), { batchId: 'low' });
      const highResult = await store.write([...high.map((p) => price('CNSHA', 'NLRTM', day, p)), price('CNSHA', 'NLRTM', '2016-06-16', 500)], { batchId: 'high' });
      await store.write(other.map((p) => price('CNSHA', 'NLRTM', day, p)), { batchId: 'other' });
      const before = await store.rates(query);
      expectRows(before.rows, [row('2016-06-14', [], 1), row(day, [...low, ...high, ...other], 1), row('2016-06-16', [500], 1)]);

      // The reverted batch held the day's max (900) and the only price of the next day.
      const result = await store.revert('high');
      expect(result).toEqual({ batchId: 'high', revertedVersion: highResult.version, version: 5, revertedAt: expect.any(String) });
      expect(store.version).toBe(5);
      const after = await store.rates(query);
      expect(after.version).toBe(5);
      expectRows(after.rows, [row('2016-06-14', [], 1), row(day, [...low, ...other], 1), row('2016-06-16', [], 1)]);
      expect(after.rows[1]).toMatchObject({ min: 100, max: 150 });
      // Regions too.
      expectRows((await store.rates({ ...query, origin: 'world', destination: 'europe' })).rows, after.rows);

      // Now revert the batch that holds the day's min.
      await store.revert('low');
      expectRows((await store.rates(query)).rows, [row('2016-06-14', [], 1), row(day, other, 1), row('2016-06-16', [], 1)]);
      expect((await store.rates(query)).rows[1]).toMatchObject({ min: 130, max: 140 });

      // Reads before the reverts still see the data.
      expectRows((await store.rates({ ...query, asOf: 4 })).rows, before.rows);
      expectRows((await store.rates({ ...query, asOf: 5 })).rows, after.rows);
      expect(store.batch('high')).toEqual({ ...highResult, revertedBy: 5, revertible: false });
      expect(store.batch('other')).toMatchObject({ revertedBy: null, revertible: true });
    });

    it('returns the first result, marked replayed, when reverted again, and writes nothing', async () => {
      const store = await stores.open();
      await store.write(TREE);
      await store.write([price('CNSHA', 'NLRTM', day, 100)], { batchId: 'b1' });
      const first = await store.revert('b1');
      const again = await store.revert('b1');
      expect(first).not.toHaveProperty('replayed');
      expect(again).toEqual({ ...first, replayed: true });
      expect(store.version).toBe(first.version);
      // A reverted batch's id stays taken: writing it again returns its commit result, not a new batch.
      const rewritten = await store.write([price('CNSHA', 'NLRTM', day, 777)], { batchId: 'b1' });
      expect(rewritten.version).toBe(2);
      expect(store.version).toBe(first.version);
      expectRows((await store.rates(query)).rows, [row('2016-06-14', [], 1), row(day, [], 1), row('2016-06-16', [], 1)]);
    });

    it('refuses unknown batches and leaves the store alone', async () => {
      const store = await stores.open();
      await store.write(TREE);
      await expectCode(store.revert('nope'), 'RATESTORE_UNKNOWN_BATCH', 'batchId');
      await store.begin('staged-only');
      await expectCode(store.revert('staged-only'), 'RATESTORE_UNKNOWN_BATCH', 'batchId');
      await expectCode(store.revert('bad id!'), 'RATESTORE_INVALID_ARGUMENT', 'batchId');
      expect(store.version).toBe(1);
    });

    it('reverting a batch of ports and regions keeps them, and a batch with nothing to remove still takes a version', async () => {
      const store = await stores.open();
      const tree = await store.write(TREE, { batchId: 'tree' });
      await store.write([price('CNSHA', 'NLRTM', day, 100)]);
      const result = await store.revert('tree');
      expect(result).toMatchObject({ revertedVersion: tree.version, version: 3 });
      expect(store.ports()).toHaveLength(tree.counts.ports);
      expectRows((await store.rates(query)).rows, [row('2016-06-14', [], 1), row(day, [100], 1), row('2016-06-16', [], 1)]);
    });

    it('matches the model after many reverts across regions', async () => {
      const store = await stores.open({ maxCells: 40 });
      const model = new Model();
      model.commit((await store.write(TREE)).batchId, TREE);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const prices = randomPrices(100 + i, 150, '2016-06-10', 10);
        const id = `b${i}`;
        await store.write(prices, { batchId: id });
        model.commit(id, prices);
        ids.push(id);
      }
      for (const id of ['b1', 'b4', 'b0']) {
        expect((await store.revert(id)).version).toBe(model.revert(id));
      }
      for (let version = 1; version <= model.head; version++) {
        for (const [origin, destination] of [['world', 'world'], ['asia', 'north_europe'], ['CNSHA', 'europe'], ['baltic', 'PLGDN']] as const) {
          const q = { dateFrom: '2016-06-09', dateTo: '2016-06-20', origin, destination, minCount: 2, asOf: version };
          expectRows((await store.rates(q)).rows, model.rows(q));
        }
      }
    });
  });
}
