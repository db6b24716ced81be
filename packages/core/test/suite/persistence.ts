import { describe, expect, it } from 'vitest';
import type { Backend } from '../backends.js';
import type { BatchItem, RateRow, Ratestore } from '../../src/index.js';
import { Model, TREE, expectRows, price, randomPrices, useStores } from '../helpers.js';

const PAIRS: Array<[string, string]> = [['world', 'world'], ['asia', 'europe'], ['CNSHA', 'NLRTM'], ['baltic', 'east_asia'], ['NLRTM', 'world']];
const span = { dateFrom: '2016-12-01', dateTo: '2016-12-06' };

async function readAll(store: Ratestore, from: number): Promise<RateRow[][]> {
  const all: RateRow[][] = [];
  for (let version = from; version <= store.version; version++) {
    for (const [origin, destination] of PAIRS) all.push((await store.rates({ ...span, origin, destination, minCount: 1, asOf: version })).rows);
  }
  return all;
}

/** What a user can observe of a store, to compare before and after a reopen. */
async function everything(store: Ratestore) {
  return {
    version: store.version,
    batches: store.batches(),
    ports: store.ports(),
    regions: store.regions(),
    tree: store.tree(),
    oldTree: store.tree({ asOf: 2 }),
    reads: await readAll(store, 1)
  };
}

/** classic-level keeps everything across close and reopen. */
export function persistenceSuite(backend: Backend): void {
  // memory-level keeps nothing across a reopen: there is nothing to declare for it.
  if (backend.reopen === undefined) return;
  describe(`persistence on ${backend.name}`, () => {
    const stores = useStores(backend);

    it('keeps versions, batches, the catalog with its history, and the data', async () => {
      let store = await stores.open();
      const model = new Model();
      const commit = async (items: BatchItem[], batchId: string) => model.commit((await store.write(items, { batchId })).batchId, items);
      await commit(TREE, 'tree');
      await commit(randomPrices(1001, 200, span.dateFrom, 6), 'p1');
      await commit([{ type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'med' }], 'move');
      await commit(randomPrices(1002, 200, span.dateFrom, 6), 'p2');
      await store.revert('p1');
      model.revert('p1');
      const before = await everything(store);

      store = await stores.reopen(store);
      expect(store.status).toBe('open');
      expect(await everything(store)).toEqual(before);
      for (let version = 1; version <= model.head; version++) {
        for (const [origin, destination] of PAIRS) {
          const query = { ...span, origin, destination, minCount: 1, asOf: version };
          expectRows((await store.rates(query)).rows, model.rows(query));
        }
      }

      // Work goes on where it stopped: the next version, idempotent ids, reverts.
      expect((await store.write([price('CNSHA', 'NLRTM', '2016-12-01', 100)], { batchId: 'p3' })).version).toBe(model.head + 1);
      model.commit('p3', [price('CNSHA', 'NLRTM', '2016-12-01', 100)]);
      expect((await store.write([], { batchId: 'p2' })).version).toBe(4);
      expect((await store.revert('p1')).version).toBe(5);
      expect((await store.revert('p2')).version).toBe(model.revert('p2'));
      store = await stores.reopen(store);
      for (const [origin, destination] of PAIRS) {
        const query = { ...span, origin, destination, minCount: 1 };
        expectRows((await store.rates(query)).rows, model.rows(query));
      }
      expect(store.batch('p2')).toMatchObject({ revertedBy: model.head, revertible: false });
    });

    it('keeps the retention horizon and folded data', async () => {
      let store = await stores.open({ retainVersions: 2 });
      await store.write(TREE);
      for (let i = 0; i < 6; i++) await store.write(randomPrices(1100 + i, 100, span.dateFrom, 6));
      await store.compact();
      const horizon = store.retainedFrom;
      expect(horizon).toBe(store.version - 2);
      const reads = await readAll(store, horizon);
      store = await stores.reopen(store, { retainVersions: 2 });
      expect(store.retainedFrom).toBe(horizon);
      expect(await readAll(store, horizon)).toEqual(reads);
      expect(store.batches().map((b) => b.revertible)).toEqual(store.batches().map((b) => b.version > horizon));
    });
  });
}
