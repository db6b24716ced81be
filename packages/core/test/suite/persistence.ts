import { describe, expect, it } from 'vitest';
import type { BatchItem, Db, RateRow, Ratestore } from '../../src/index.js';
import type { StoreFactory } from '../stores.js';
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
export function persistenceSuite(factory: StoreFactory<Ratestore>): void {
  // memory-level keeps nothing across a reopen: there is nothing to declare for it.
  if (factory.reopen === undefined) return;
  describe(`persistence on ${factory.name}`, () => {
    const stores = useStores(factory);

    it('keeps the fingerprints of batches, written, committed and applied', async () => {
      let store = await stores.open();
      await store.write(TREE, { batchId: 'tree', fingerprint: 'written' });
      const staged = await store.begin('staged');
      await staged.add([price('CNSHA', 'NLRTM', '2016-01-01', 1)]);
      await staged.commit({ fingerprint: 'committed' });
      await store.applyCommitted({ version: 3, batchId: 'applied', items: [price('CNSHA', 'NLRTM', '2016-01-01', 2)], fingerprint: 'applied' });
      store = await stores.reopen(store);
      expect(store.batches().map((batch) => batch.fingerprint)).toEqual(['written', 'committed', 'applied']);
    });

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

    it('hides a commit whose records only partly landed, also after a reopen and the next commit', async () => {
      let store = await stores.open();
      const model = new Model();
      model.commit((await store.write(TREE, { batchId: 'tree' })).batchId, TREE);
      // A commit's records go out in several writes that may land in any order. Fail the first
      // that holds records and let the others land, as a crash between them could.
      const landed = failFirstRecordWrite(store.db);
      await expect(store.write(randomPrices(1200, 3000, '2015-01-01', 731), { batchId: 'lost' })).rejects.toThrow('injected');

      store = await stores.reopen(store);
      expect(landed(), 'record writes that landed after the failed one').toBeGreaterThan(0);
      const kept = randomPrices(1201, 300, '2015-01-01', 731);
      model.commit((await store.write(kept, { batchId: 'kept' })).batchId, kept);
      expect(store.batch('lost')).toBeUndefined();
      for (const year of ['2015', '2016']) {
        for (const [origin, destination] of PAIRS) {
          const query = { dateFrom: `${year}-01-01`, dateTo: `${year}-12-31`, origin, destination, minCount: 1 };
          expectRows((await store.rates(query)).rows, model.rows(query));
        }
      }
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

/**
 * Makes the first chained-batch write of `db` that holds aggregate records fail without writing;
 * returns how many such writes have landed since.
 */
function failFirstRecordWrite(db: Db): () => number {
  type Chained = { put: (key: string, ...rest: unknown[]) => unknown; write: (...rest: unknown[]) => Promise<void> };
  const target = db as unknown as { batch: (...args: unknown[]) => unknown };
  const batch = target.batch.bind(db);
  let failed = false;
  let landed = 0;
  target.batch = (...args: unknown[]) => {
    if (args.length > 0) return batch(...args);
    const chained = batch() as Chained;
    let records = false;
    const put = chained.put.bind(chained);
    chained.put = (key, ...rest) => {
      if (key.startsWith('a\0')) records = true;
      return put(key, ...rest);
    };
    const write = chained.write.bind(chained);
    chained.write = async (...rest) => {
      if (records && !failed) {
        failed = true;
        throw new Error('injected write failure');
      }
      await write(...rest);
      if (records && failed) landed++;
    };
    return chained;
  };
  return () => landed;
}
