import { describe, expect, it, vi } from 'vitest';
import type { StoreFactory, SuiteStore } from '../stores.js';
import type { BatchItem, RateRow, Ratestore } from '../../src/index.js';
import { Model, TREE, expectCode, expectRows, price, randomPrices, useStores } from '../helpers.js';

const PAIRS: Array<[string, string]> = [
  ['world', 'world'], ['asia', 'europe'], ['north_europe', 'east_asia'], ['CNSHA', 'europe'], ['europe', 'NLRTM'], ['NLRTM', 'CNSHA'], ['baltic', 'baltic']
];
const span = { dateFrom: '2016-10-01', dateTo: '2016-10-08' };

/** Every answer of the store at `version`, keyed by pair. */
async function readAll(store: SuiteStore, version: number): Promise<Map<string, RateRow[]>> {
  const answers = new Map<string, RateRow[]>();
  for (const [origin, destination] of PAIRS) {
    answers.set(`${origin}>${destination}`, (await store.rates({ ...span, origin, destination, minCount: 1, asOf: version })).rows);
  }
  return answers;
}

function expectModel(answers: Map<string, RateRow[]>, model: Model, version: number): void {
  for (const [origin, destination] of PAIRS) expectRows(answers.get(`${origin}>${destination}`)!, model.rows({ ...span, origin, destination, minCount: 1, asOf: version }));
}

/** A store with history: prices, a port move, a region move, a revert. Returns the model. */
async function history(store: SuiteStore): Promise<Model> {
  const model = new Model();
  const commit = async (items: BatchItem[], batchId: string) => model.commit((await store.write(items, { batchId })).batchId, items);
  await commit(TREE, 'tree'); // 1
  await commit(randomPrices(601, 150, span.dateFrom, 8), 'p1'); // 2
  await commit([price('CNSHA', 'NLRTM', '2016-10-03', 9000), ...randomPrices(602, 150, span.dateFrom, 8)], 'p2'); // 3
  await commit([{ type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'baltic' }], 'move-port'); // 4
  await commit(randomPrices(603, 150, span.dateFrom, 8), 'p3'); // 5
  await commit([{ type: 'region', slug: 'baltic', name: 'Baltic', parent: 'asia' }], 'move-region'); // 6
  expect((await store.revert('p2')).version).toBe(model.revert('p2')); // 7
  await commit(randomPrices(604, 150, span.dateFrom, 8), 'p4'); // 8
  return model;
}

/** compact(): older history folded away, retained versions unchanged. */
export function compactSuite(factory: StoreFactory): void {
  describe(`compact on ${factory.name}`, () => {
    const stores = useStores(factory);

    it('keeps reads at retained versions identical and refuses older ones', async () => {
      const store = await stores.open();
      const model = await history(store);
      const head = store.version;
      const before = new Map<number, Map<string, RateRow[]>>();
      for (let version = 1; version <= head; version++) before.set(version, await readAll(store, version));
      const retain = 3;
      const horizon = head - retain;

      const result = await store.compact({ retainVersions: retain });
      expect(result.foldedThrough).toBe(horizon);
      expect(result.removed).toBeGreaterThan(0);
      expect(result.written).toBeGreaterThanOrEqual(0);
      expect(store.retainedFrom).toBe(horizon);
      expect(store.version).toBe(head);
      for (let version = horizon; version <= head; version++) {
        const after = await readAll(store, version);
        expect(after).toEqual(before.get(version));
        expectModel(after, model, version);
      }
      for (let version = 0; version < horizon; version++) {
        await expectCode(store.rates({ ...span, origin: 'world', destination: 'world', asOf: version }), 'RATESTORE_VERSION_NOT_RETAINED', 'asOf');
        await expectCode(() => store.ports({ asOf: version }), 'RATESTORE_VERSION_NOT_RETAINED', 'asOf');
        await expectCode(() => store.tree({ asOf: version }), 'RATESTORE_VERSION_NOT_RETAINED', 'asOf');
      }
      // Compacting to the same or an older horizon does nothing.
      expect(await store.compact({ retainVersions: retain + 2 })).toEqual({ foldedThrough: horizon, removed: 0, written: 0 });
      expect(await store.compact({ retainVersions: retain })).toEqual({ foldedThrough: horizon, removed: 0, written: 0 });
      expect(store.retainedFrom).toBe(horizon);
    });

    it('refuses to revert a folded batch, and reverts a retained one exactly', async () => {
      const store = await stores.open();
      const model = await history(store);
      await store.compact({ retainVersions: store.version - 5 }); // horizon 5: p3 (5) folded, p4 (8) retained
      expect(store.retainedFrom).toBe(5);
      const folded = await expectCode(store.revert('p1'), 'RATESTORE_VERSION_NOT_RETAINED', 'batchId');
      expect(folded.message).toMatch(/^batch p1 was committed at version \d+, at or before the retention horizon \(version \d+\): it can no longer be reverted$/);
      await expectCode(store.revert('p3'), 'RATESTORE_VERSION_NOT_RETAINED');
      expect(store.batch('p3')).toMatchObject({ revertible: false, revertedBy: null });
      expect(store.batch('p4')).toMatchObject({ revertible: true, revertedBy: null });
      expect(store.batch('p2')).toMatchObject({ revertible: false, revertedBy: 7 });
      // Reverting a batch already reverted still returns the first result.
      expect((await store.revert('p2')).version).toBe(7);
      expect(store.version).toBe(8);
      expect((await store.revert('p4')).version).toBe(model.revert('p4'));
      for (let version = 5; version <= model.head; version++) expectModel(await readAll(store, version), model, version);
    });

    it('keeps a revert made after the horizon of a batch committed before it exact on both sides', async () => {
      const store = await stores.open();
      const model = await history(store);
      // p2 was committed at 3 and reverted at 7; fold through 5, between the two.
      await store.compact({ retainVersions: 3 });
      expect(store.retainedFrom).toBe(5);
      for (let version = 5; version <= model.head; version++) expectModel(await readAll(store, version), model, version);
      // p2's max price is still there at 5 and 6, and gone at 7.
      const day = { dateFrom: '2016-10-03', dateTo: '2016-10-03', origin: 'CNSHA', destination: 'NLRTM', minCount: 1 };
      expect((await store.rates({ ...day, asOf: 6 })).rows[0]!.max).toBe(9000);
      expect((await store.rates({ ...day, asOf: 7 })).rows[0]!.max).not.toBe(9000);
      // Folding again, past the revert, keeps the head exact.
      await store.compact({ retainVersions: 0 });
      expect(store.retainedFrom).toBe(model.head);
      expectModel(await readAll(store, model.head), model, model.head);
      await expectCode(store.rates({ ...day, asOf: model.head - 1 }), 'RATESTORE_VERSION_NOT_RETAINED', 'asOf');
    });

    it('stays exact for moves, batches and reverts after a fold', async () => {
      const store = await stores.open({ maxCells: 100 });
      const model = await history(store);
      await store.compact({ retainVersions: 2 });
      const commit = async (items: BatchItem[], batchId: string) => model.commit((await store.write(items, { batchId })).batchId, items);
      const horizon = store.retainedFrom;
      await commit(randomPrices(605, 100, span.dateFrom, 8), 'p5');
      // Move a port whose history is now folded, then re-parent a region.
      await commit([{ type: 'port', code: 'CNSHA', name: 'Shanghai', region: 'med' }], 'move-2');
      await commit([{ type: 'region', slug: 'baltic', name: 'Baltic', parent: 'north_europe' }], 'move-3');
      expect((await store.revert('p5')).version).toBe(model.revert('p5'));
      expect((await store.revert('p4')).version).toBe(model.revert('p4'));
      for (let version = horizon; version <= model.head; version++) expectModel(await readAll(store, version), model, version);
      await store.compact({ retainVersions: 1 });
      for (let version = model.head - 1; version <= model.head; version++) expectModel(await readAll(store, version), model, version);
    });

    it('keeps reads running during a fold exact', async () => {
      const store = await stores.open();
      const model = await history(store);
      const folding = store.compact({ retainVersions: 2 });
      let done = false;
      void folding.then(() => (done = true), () => (done = true));
      let reads = 0;
      while (!done || reads === 0) {
        for (const version of [model.head - 2, model.head]) {
          expectModel(await readAll(store, version), model, version);
          reads++;
        }
        // Repeat reads are answered from the month cache without any I/O: without a turn of the
        // event loop here, this loop alone would keep the fold's I/O from ever completing.
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect((await folding).foldedThrough).toBe(model.head - 2);
    });

    it('folds automatically with the retainVersions option; compact() and close() wait for it', async () => {
      const retain = 2;
      const store = await stores.open({ retainVersions: retain });
      const model = new Model();
      model.commit((await store.write(TREE)).batchId, TREE);
      for (let i = 0; i < 7; i++) {
        const prices = randomPrices(700 + i, 60, span.dateFrom, 8);
        model.commit((await store.write(prices)).batchId, prices);
      }
      // compact() without options uses the store's retainVersions.
      await store.compact();
      expect(store.retainedFrom).toBe(model.head - retain);
      for (let version = model.head - retain; version <= model.head; version++) expectModel(await readAll(store, version), model, version);
      await expectCode(store.rates({ ...span, origin: 'world', destination: 'world', asOf: model.head - retain - 1 }), 'RATESTORE_VERSION_NOT_RETAINED', 'asOf');

      // Without compact(): enough new versions fold on their own; close() waits for the fold.
      const other = await stores.open({ retainVersions: retain });
      for (let i = 0; i < 8; i++) await other.write(i === 0 ? TREE : randomPrices(800 + i, 30, span.dateFrom, 8));
      await other.close();
      expect(other.retainedFrom).toBeGreaterThan(0);
      expect(other.retainedFrom).toBeLessThanOrEqual(other.version - retain);
    });
  });
}

/** compact() and the database under one store. */
export function compactDatabaseSuite(factory: StoreFactory<Ratestore>): void {
  describe(`compact and the database on ${factory.name}`, () => {
    const stores = useStores(factory);

    it('folds nothing without a retention setting, still compacts the database, and refuses a bad setting', async () => {
      const store = await stores.open();
      await store.write(TREE);
      await store.write([price('CNSHA', 'NLRTM', '2016-10-01', 100)]);
      // classic-level's compactRange runs for real behind the spy; memory-level has none, so one is lent.
      const db = store.db as unknown as { compactRange?: (start: string, end: string) => Promise<void> };
      const compactRange = typeof db.compactRange === 'function' ? vi.spyOn(db as Required<typeof db>, 'compactRange') : (db.compactRange = vi.fn(async () => undefined));
      expect(await store.compact()).toEqual({ foldedThrough: 0, removed: 0, written: 0 });
      expect(compactRange).toHaveBeenCalledTimes(1);
      expect((await store.rates({ dateFrom: '2016-10-01', dateTo: '2016-10-01', origin: 'CNSHA', destination: 'NLRTM', minCount: 1 })).rows[0]!.average).toBe(100);
      expect(store.retainedFrom).toBe(0);
      expect(store.ports({ asOf: 0 })).toEqual([]);
      await expectCode(store.compact({ retainVersions: -1 }), 'RATESTORE_INVALID_ARGUMENT', 'retainVersions');
      await expectCode(store.compact({ retainVersions: 1.5 }), 'RATESTORE_INVALID_ARGUMENT', 'retainVersions');
    });
  });
}
