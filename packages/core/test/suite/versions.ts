import { describe, expect, it } from 'vitest';
import type { StoreFactory, SuiteStore } from '../stores.js';
import type { BatchItem } from '../../src/index.js';
import { Model, TREE, expectRows, price, randomPrices, useStores } from '../helpers.js';

const PAIRS: Array<[string, string]> = [
  ['world', 'world'], ['asia', 'europe'], ['europe', 'asia'], ['east_asia', 'north_europe'], ['north_europe', 'north_europe'],
  ['baltic', 'world'], ['med', 'east_asia'], ['americas', 'europe'], ['CNSHA', 'north_europe'], ['north_europe', 'CNSHA'],
  ['NLRTM', 'DEHAM'], ['oceania', 'world'], ['world', 'oceania']
];

/** Checks every version of the model against the store, over a set of location pairs. */
async function expectAllVersions(store: SuiteStore, model: Model, span: { dateFrom: string; dateTo: string }): Promise<void> {
  for (let version = 1; version <= model.head; version++) {
    for (const [origin, destination] of PAIRS) {
      const catalog = model.catalog(version);
      const known = (location: string) => catalog.ports.has(location) || catalog.regions.has(location);
      if (!known(origin) || !known(destination)) continue;
      const query = { ...span, origin, destination, minCount: 1, asOf: version };
      const answer = await store.rates(query);
      expect(answer.version).toBe(version);
      expectRows(answer.rows, model.rows(query));
    }
  }
}

/** asOf reads, and reads that stay exact while ports and regions move. */
export function versionsSuite(factory: StoreFactory): void {
  describe(`versions and moves on ${factory.name}`, () => {
    const stores = useStores(factory);
    const span = { dateFrom: '2016-09-01', dateTo: '2016-09-10' };

    it('reads any older version with asOf', async () => {
      const store = await stores.open();
      const model = new Model();
      model.commit((await store.write(TREE)).batchId, TREE);
      for (let i = 0; i < 5; i++) {
        const prices = randomPrices(200 + i, 80, span.dateFrom, 10);
        model.commit((await store.write(prices)).batchId, prices);
      }
      await expectAllVersions(store, model, span);
      // asOf 0 is the empty store: no location exists yet.
      expect(store.ports({ asOf: 0 })).toEqual([]);
      // Without asOf, the latest version.
      const latest = await store.rates({ ...span, origin: 'world', destination: 'world' });
      expect(latest.version).toBe(model.head);
      expectRows(latest.rows, model.rows({ ...span, origin: 'world', destination: 'world' }));
    });

    it('stays exact when a port moves to another region, at the new and at the old version', async () => {
      const store = await stores.open({ maxCells: 64 });
      const model = new Model();
      const commit = async (items: BatchItem[], batchId?: string) => model.commit((await store.write(items, batchId === undefined ? {} : { batchId })).batchId, items);
      await commit(TREE);
      await commit(randomPrices(301, 300, span.dateFrom, 10), 'before-move');
      // Rotterdam moves from north_europe (under europe) to east_asia (under asia).
      await commit([{ type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'east_asia' }]);
      expect(store.port('NLRTM')).toEqual({ code: 'NLRTM', name: 'Rotterdam', region: 'east_asia' });
      expect(store.port('NLRTM', { asOf: 2 })).toEqual({ code: 'NLRTM', name: 'Rotterdam', region: 'north_europe' });
      await commit(randomPrices(302, 300, span.dateFrom, 10), 'after-move');
      // A batch that moves a port and adds prices for it at once: Gdansk goes to med.
      await commit([{ type: 'port', code: 'PLGDN', name: 'Gdansk', region: 'med' }, ...randomPrices(303, 100, span.dateFrom, 10)], 'move-and-prices');
      await expectAllVersions(store, model, span);
    });

    it('stays exact when a region is re-parented, and when a port moves back', async () => {
      const store = await stores.open();
      const model = new Model();
      const commit = async (items: BatchItem[], batchId?: string) => model.commit((await store.write(items, batchId === undefined ? {} : { batchId })).batchId, items);
      await commit(TREE);
      await commit(randomPrices(401, 300, span.dateFrom, 10));
      // north_europe (with its ports and baltic beneath it) moves from europe to americas.
      await commit([{ type: 'region', slug: 'north_europe', name: 'North Europe', parent: 'americas' }]);
      expect(store.region('north_europe')).toEqual({ slug: 'north_europe', name: 'North Europe', parent: 'americas' });
      await commit(randomPrices(402, 200, span.dateFrom, 10));
      // baltic becomes a root of its own; east_asia moves under oceania.
      await commit([
        { type: 'region', slug: 'baltic', name: 'Baltic', parent: null },
        { type: 'region', slug: 'east_asia', name: 'East Asia', parent: 'oceania' }
      ]);
      // A rename alone moves nothing.
      await commit([{ type: 'region', slug: 'europe', name: 'Europe (EU)', parent: 'world' }]);
      // Everything goes back where it was, and Rotterdam moves there and back again.
      await commit(TREE.filter((item) => item.type === 'region'));
      await commit([{ type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'med' }]);
      await commit([{ type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'north_europe' }]);
      await commit(randomPrices(403, 100, span.dateFrom, 10));
      await expectAllVersions(store, model, span);
      // Back to the start: the tree is the one of version 2 again.
      expect(store.tree()).toEqual(store.tree({ asOf: 2 }));
    });

    it('reverts a batch committed before a move exactly, after the move', async () => {
      const store = await stores.open();
      const model = new Model();
      const commit = async (items: BatchItem[], batchId: string) => model.commit((await store.write(items, { batchId })).batchId, items);
      await commit(TREE, 'tree');
      const day = '2016-09-05';
      // The early batch holds the max of the day on Shanghai to Rotterdam.
      await commit([price('CNSHA', 'NLRTM', day, 5000), ...randomPrices(501, 200, span.dateFrom, 10)], 'early');
      await commit(randomPrices(502, 200, span.dateFrom, 10), 'kept');
      await commit([{ type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'med' }], 'move-port');
      await commit([{ type: 'region', slug: 'med', name: 'Mediterranean', parent: 'asia' }], 'move-region');
      expect((await store.revert('early')).version).toBe(model.revert('early'));
      await commit(randomPrices(503, 100, span.dateFrom, 10), 'late');
      await expectAllVersions(store, model, span);
      // And the batch committed between the moves is revertible exactly too.
      expect((await store.revert('kept')).version).toBe(model.revert('kept'));
      await expectAllVersions(store, model, span);
      const row5000 = (await store.rates({ dateFrom: day, dateTo: day, origin: 'CNSHA', destination: 'NLRTM', minCount: 1, asOf: 2 })).rows[0]!;
      expect(row5000.max).toBe(5000);
      expect((await store.rates({ dateFrom: day, dateTo: day, origin: 'CNSHA', destination: 'NLRTM', minCount: 1 })).rows[0]!.max).not.toBe(5000);
    });
  });
}
