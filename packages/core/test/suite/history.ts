import { describe, expect, it } from 'vitest';
import type { StoreFactory, SuiteStore } from '../stores.js';
import type { BatchItem } from '../../src/index.js';
import { Model, TREE, expectRows, price, randomPrices, useStores } from '../helpers.js';

const PAIRS: Array<[string, string]> = [
  ['world', 'world'], ['asia', 'europe'], ['east_asia', 'north_europe'], ['CNSHA', 'europe'], ['europe', 'NLRTM'], ['CNSHA', 'NLRTM'], ['baltic', 'world']
];
/** Across a month boundary, so that every query reads two months. */
const span = { dateFrom: '2016-10-27', dateTo: '2016-11-04' };
/** A checkpoint after every second record of a pair and month, so that small tests make many. */
const OPTIONS = { checkpointRecords: 2 };

/** Reads every pair at every version from `from` on and compares with the model. */
async function expectEveryVersion(store: SuiteStore, model: Model, from = 1): Promise<void> {
  for (let version = from; version <= model.head; version++) {
    for (const [origin, destination] of PAIRS) {
      const query = { ...span, origin, destination, minCount: 1, asOf: version };
      expectRows((await store.rates(query)).rows, model.rows(query));
    }
  }
}

/** Small batches that all touch the same pairs and months: what makes checkpoints. */
async function overlapping(store: SuiteStore, model: Model, count: number, seed: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const prices = randomPrices(seed + i, 12, span.dateFrom, 9);
    model.commit((await store.write(prices, { batchId: `b${seed + i}` })).batchId, prices);
  }
}

/**
 * Many batches over the same months: answers at every version stay exact while checkpoints are
 * written behind the reads (checkpointRecords: 2; compact() writes those due before it returns).
 */
export function historySuite(factory: StoreFactory): void {
  describe(`reads as history grows on ${factory.name}`, () => {
    const stores = useStores(factory);

    it('stays exact at every version across many overlapping batches', async () => {
      const store = await stores.open(OPTIONS);
      const model = new Model();
      model.commit((await store.write(TREE, { batchId: 'tree' })).batchId, TREE);
      await overlapping(store, model, 12, 100);
      await expectEveryVersion(store, model);
      await store.compact({ retainVersions: Infinity });
      await overlapping(store, model, 9, 200);
      await store.compact({ retainVersions: Infinity });
      await expectEveryVersion(store, model);
    });

    it('keeps every version exact when batches that checkpoints merged are reverted', async () => {
      const store = await stores.open(OPTIONS);
      const model = new Model();
      model.commit((await store.write(TREE, { batchId: 'tree' })).batchId, TREE);
      // The day's max and min come from two batches deep in the history.
      const extremes: Array<[string, BatchItem[]]> = [
        ['high', [price('CNSHA', 'NLRTM', '2016-10-31', 9000), price('CNSHA', 'NLRTM', '2016-11-01', 9000)]],
        ['low', [price('CNSHA', 'NLRTM', '2016-10-31', 1), price('SGSIN', 'DEHAM', '2016-11-02', 1)]]
      ];
      for (const [batchId, items] of extremes) model.commit((await store.write(items, { batchId })).batchId, items);
      await overlapping(store, model, 10, 300);
      await store.compact({ retainVersions: Infinity });
      expect((await store.revert('high')).version).toBe(model.revert('high'));
      await expectEveryVersion(store, model);
      await overlapping(store, model, 5, 400);
      await store.compact({ retainVersions: Infinity });
      expect((await store.revert('low')).version).toBe(model.revert('low'));
      expect((await store.revert('b302')).version).toBe(model.revert('b302'));
      // Reads after the reverts ask for new checkpoints, which compact() writes.
      await expectEveryVersion(store, model);
      await store.compact({ retainVersions: Infinity });
      await expectEveryVersion(store, model);
      await overlapping(store, model, 3, 500);
      expect((await store.revert('b401')).version).toBe(model.revert('b401'));
      await expectEveryVersion(store, model);
    });

    it('keeps reads running while checkpoints are written exact', async () => {
      // No month cache: every read scans the records the checkpoints are rewriting.
      const store = await stores.open({ ...OPTIONS, readCacheMonths: 0 });
      const model = new Model();
      model.commit((await store.write(TREE, { batchId: 'tree' })).batchId, TREE);
      // Written back to back, the checkpoints fall behind; compact() then writes the rest while reads run.
      await overlapping(store, model, 16, 1000);
      expect((await store.revert('b1003')).version).toBe(model.revert('b1003'));
      const writing = store.compact({ retainVersions: Infinity });
      let done = false;
      void writing.then(() => (done = true), () => (done = true));
      let rounds = 0;
      // Bounded: a compact() that never ends under reads fails the test instead of spinning forever.
      const deadline = Date.now() + 30_000;
      while (!done || rounds === 0) {
        if (Date.now() > deadline) throw new Error(`compact() still running after ${rounds} rounds of reads`);
        for (const version of [model.head, model.head - 1, 8]) {
          for (const [origin, destination] of PAIRS) {
            const query = { ...span, origin, destination, minCount: 1, asOf: version };
            expectRows((await store.rates(query)).rows, model.rows(query));
          }
        }
        rounds++;
        // Reads that complete without I/O would otherwise starve LevelDB's callbacks, compact()'s too.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await writing;
      await expectEveryVersion(store, model);
    });

    it('stays exact across moves, folds and reopening', async () => {
      const store = await stores.open({ ...OPTIONS, maxCells: 40 });
      const model = new Model();
      model.commit((await store.write(TREE, { batchId: 'tree' })).batchId, TREE);
      await overlapping(store, model, 8, 600);
      await store.compact({ retainVersions: Infinity });
      const moves: BatchItem[][] = [
        [{ type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'baltic' }, ...randomPrices(650, 10, span.dateFrom, 9)],
        [{ type: 'region', slug: 'baltic', name: 'Baltic', parent: 'asia' }]
      ];
      for (const [i, items] of moves.entries()) {
        model.commit((await store.write(items, { batchId: `move${i}` })).batchId, items);
        await overlapping(store, model, 4, 700 + 10 * i);
      }
      await store.compact({ retainVersions: Infinity });
      expect((await store.revert('b602')).version).toBe(model.revert('b602'));
      await expectEveryVersion(store, model);
      const horizon = model.head - 6;
      expect((await store.compact({ retainVersions: 6 })).foldedThrough).toBe(horizon);
      await overlapping(store, model, 4, 800);
      expect((await store.revert('b801')).version).toBe(model.revert('b801'));
      await expectEveryVersion(store, model, horizon);
      const again = factory.reopen === undefined ? store : await stores.reopen(store, OPTIONS);
      await expectEveryVersion(again, model, horizon);
      await overlapping(again, model, 3, 900);
      await again.compact({ retainVersions: Infinity });
      await expectEveryVersion(again, model, horizon);
    });
  });
}
