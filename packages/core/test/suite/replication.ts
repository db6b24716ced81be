import { describe, expect, it } from 'vitest';
import type { Ratestore } from '../../src/index.js';
import type { StoreFactory } from '../stores.js';
import { Model, TREE, asyncItems, expectCode, expectRows, price, randomPrices, useStores } from '../helpers.js';

/** applyCommitted / applyRevert: replaying another store's log, version by version. */
export function replicationSuite(factory: StoreFactory<Ratestore>): void {
  describe(`replication seam on ${factory.name}`, () => {
    const stores = useStores(factory);
    const span = { dateFrom: '2016-11-01', dateTo: '2016-11-05' };

    it('applies batches and reverts at exactly the next version, like the primary', async () => {
      const primary = await stores.open();
      const replica = await stores.open();
      const model = new Model();
      const batches = [TREE, randomPrices(901, 100, span.dateFrom, 5), randomPrices(902, 100, span.dateFrom, 5)];
      for (const [i, items] of batches.entries()) {
        const result = await primary.write(items, { batchId: `b${i}` });
        model.commit(`b${i}`, items);
        const applied = await replica.applyCommitted({ version: result.version, batchId: result.batchId, items: asyncItems(items), committedAt: result.committedAt });
        expect(applied).toEqual(result);
      }
      const revert = await primary.revert('b1');
      model.revert('b1');
      expect(await replica.applyRevert({ version: revert.version, batchId: 'b1', committedAt: revert.revertedAt })).toEqual(revert);
      expect(replica.version).toBe(primary.version);
      expect(replica.batches()).toEqual(primary.batches());
      expect(replica.tree()).toEqual(primary.tree());
      for (let version = 1; version <= model.head; version++) {
        for (const [origin, destination] of [['world', 'world'], ['asia', 'europe'], ['CNSHA', 'baltic']] as const) {
          const query = { ...span, origin, destination, minCount: 1, asOf: version };
          const answer = await replica.rates(query);
          expect(answer).toEqual(await primary.rates(query));
          expectRows(answer.rows, model.rows(query));
        }
      }
    });

    it('refuses any other version with RATESTORE_VERSION_CONFLICT, writing nothing', async () => {
      const replica = await stores.open();
      await replica.applyCommitted({ version: 1, batchId: 'tree', items: TREE });
      const items = [price('CNSHA', 'NLRTM', '2016-11-01', 100)];
      await expectCode(replica.applyCommitted({ version: 3, batchId: 'b2', items }), 'RATESTORE_VERSION_CONFLICT', 'version');
      await expectCode(replica.applyCommitted({ version: 1, batchId: 'b2', items }), 'RATESTORE_VERSION_CONFLICT', 'version');
      expect(replica.version).toBe(1);
      expect(replica.batch('b2')).toBeUndefined();
      expect(await replica.stagedBatches()).toEqual([]);
      // The version is free, and the batch id too.
      expect((await replica.applyCommitted({ version: 2, batchId: 'b2', items })).version).toBe(2);
      await expectCode(replica.applyRevert({ version: 2, batchId: 'b2' }), 'RATESTORE_VERSION_CONFLICT', 'version');
      await expectCode(replica.applyRevert({ version: 4, batchId: 'b2' }), 'RATESTORE_VERSION_CONFLICT', 'version');
      expect(replica.batch('b2')).toMatchObject({ revertedBy: null });
      expect(replica.version).toBe(2);
      await expectCode(replica.applyRevert({ version: 3, batchId: 'nope' }), 'RATESTORE_UNKNOWN_BATCH', 'batchId');
      await expectCode(replica.applyCommitted({ version: 0, batchId: 'b3', items }), 'RATESTORE_INVALID_ARGUMENT', 'version');
      await expectCode(replica.applyCommitted({ version: 3, batchId: 'b3', items, committedAt: 'not a time' }), 'RATESTORE_INVALID_ARGUMENT', 'committedAt');
      expect(replica.version).toBe(2);
    });

    it('returns the first result when the same batch or revert is replayed at the same version', async () => {
      const replica = await stores.open();
      const tree = await replica.applyCommitted({ version: 1, batchId: 'tree', items: TREE, committedAt: '2016-11-01T00:00:00.000Z' });
      expect(tree.committedAt).toBe('2016-11-01T00:00:00.000Z');
      const items = [price('CNSHA', 'NLRTM', '2016-11-01', 100)];
      const first = await replica.applyCommitted({ version: 2, batchId: 'b2', items });
      expect(await replica.applyCommitted({ version: 2, batchId: 'b2', items })).toEqual(first);
      expect(await replica.applyCommitted({ version: 1, batchId: 'tree', items: TREE })).toEqual(tree);
      // The same batch at another version is a conflict, not a replay.
      await expectCode(replica.applyCommitted({ version: 3, batchId: 'b2', items }), 'RATESTORE_VERSION_CONFLICT', 'version');
      const revert = await replica.applyRevert({ version: 3, batchId: 'b2' });
      expect(await replica.applyRevert({ version: 3, batchId: 'b2' })).toEqual(revert);
      await expectCode(replica.applyRevert({ version: 4, batchId: 'b2' }), 'RATESTORE_VERSION_CONFLICT', 'version');
      expect(replica.version).toBe(3);
      const { rows } = await replica.rates({ dateFrom: '2016-11-01', dateTo: '2016-11-01', origin: 'CNSHA', destination: 'NLRTM', minCount: 1, asOf: 2 });
      expect(rows[0]!.count).toBe(1);
    });

    it('rejects an invalid replicated batch like any other, at no version', async () => {
      const replica = await stores.open();
      await replica.applyCommitted({ version: 1, batchId: 'tree', items: TREE });
      const error = await expectCode(replica.applyCommitted({ version: 2, batchId: 'bad', items: [price('CNSHA', 'ZZZZZ', '2016-11-01', 1)] }), 'RATESTORE_INVALID_BATCH');
      expect(error.issues).toEqual([expect.objectContaining({ index: 0, field: 'destination', code: 'RATESTORE_UNKNOWN_PORT' })]);
      expect(replica.version).toBe(1);
      expect(await replica.stagedBatches()).toEqual([]);
    });
  });
}
