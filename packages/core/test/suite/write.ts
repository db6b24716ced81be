import { describe, expect, it } from 'vitest';
import type { StoreFactory, SuiteStore } from '../stores.js';
import { itemSlices, type BatchItem, type RateRow, type RatesQuery, type RatesResult } from '../../src/index.js';
import { Model, PORTS, TREE, asyncItems, expectCode, expectRows, price, randomPrices, row, syncItems, useStores } from '../helpers.js';

/** write(): one call, all at once, exact counts, versions, idempotency, every kind of iterable. */
export function writeSuite(factory: StoreFactory): void {
  describe(`write on ${factory.name}`, () => {
    const stores = useStores(factory);

    it('makes a whole batch visible at once, with exact counts', async () => {
      const store = await stores.open();
      expect(store.version).toBe(0);
      const prices = randomPrices(1, 200, '2016-01-01', 10);
      const result = await store.write([...TREE, ...prices], { batchId: 'first' });
      const portCount = TREE.filter((item) => item.type === 'port').length;
      const regionCount = TREE.filter((item) => item.type === 'region').length;
      expect(result).toEqual({ batchId: 'first', version: 1, counts: { prices: prices.length, ports: portCount, regions: regionCount }, committedAt: expect.any(String) });
      expect(Number.isNaN(Date.parse(result.committedAt))).toBe(false);
      expect(store.version).toBe(1);
      expect(store.ports()).toHaveLength(portCount);
      expect(store.regions()).toHaveLength(regionCount);
      // Every price is visible: world to world holds all but the oceania ones, and per port pair the counts add up.
      const model = new Model();
      model.commit('first', [...TREE, ...prices]);
      const query = { dateFrom: '2016-01-01', dateTo: '2016-01-10', origin: 'world', destination: 'world' };
      const { rows, version } = await store.rates(query);
      expect(version).toBe(1);
      expectRows(rows, model.rows(query));
      let total = 0;
      for (const origin of PORTS) {
        for (const destination of PORTS) {
          const answer = await store.rates({ ...query, origin, destination });
          total += answer.rows.reduce((sum, r) => sum + r.count, 0);
        }
      }
      expect(total).toBe(prices.length);
      expect(store.batch('first')).toEqual({ ...result, revertedBy: null, revertible: true });
    });

    it('gives each batch the next version', async () => {
      const store = await stores.open();
      const versions: number[] = [];
      versions.push((await store.write(TREE)).version);
      for (let i = 0; i < 4; i++) versions.push((await store.write([price('CNSHA', 'NLRTM', '2016-01-01', 100 + i)])).version);
      expect(versions).toEqual([1, 2, 3, 4, 5]);
      expect(store.version).toBe(5);
      // Concurrent writes still get consecutive versions, each exactly once.
      const concurrent = await Promise.all([0, 1, 2, 3].map((i) => store.write([price('CNSHA', 'NLRTM', '2016-01-02', 200 + i)])));
      expect(concurrent.map((r) => r.version).sort((a, b) => a - b)).toEqual([6, 7, 8, 9]);
      expect(store.batches().map((b) => b.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const { rows } = await store.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-02', origin: 'CNSHA', destination: 'NLRTM' });
      expectRows(rows, [row('2016-01-01', [100, 101, 102, 103]), row('2016-01-02', [200, 201, 202, 203])]);
    });

    it('returns the first result, marked replayed, when the same batch id is written again, and writes nothing', async () => {
      const store = await stores.open();
      await store.write(TREE, { batchId: 'tree' });
      const first = await store.write([price('CNSHA', 'NLRTM', '2016-01-01', 100)], { batchId: 'prices-1' });
      const again = await store.write([price('CNSHA', 'NLRTM', '2016-01-01', 999), price('CNSHA', 'NLRTM', '2016-01-01', 5)], { batchId: 'prices-1' });
      expect(first).not.toHaveProperty('replayed');
      expect(again).toEqual({ ...first, replayed: true });
      expect(store.version).toBe(2);
      expect(store.batches()).toHaveLength(2);
      const { rows } = await store.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-01', origin: 'CNSHA', destination: 'NLRTM', minCount: 1 });
      expectRows(rows, [row('2016-01-01', [100], 1)]);
      // Even a batch that would now be invalid returns the first result.
      expect(await store.write([price('XXXXX', 'NLRTM', '2016-01-01', 1)], { batchId: 'prices-1' })).toEqual({ ...first, replayed: true });
      // The same id committed through the staged path returns it too.
      expect(await store.commit('prices-1')).toEqual({ ...first, replayed: true });
      expect(store.version).toBe(2);
      expect(await store.stagedBatches()).toEqual([]);
    });

    it('keeps a fingerprint with the batch: given, or computed once the items are read; a replay keeps the first', async () => {
      const store = await stores.open({ chunkSize: 2 });
      await store.write(TREE, { batchId: 'tree' });
      expect(store.batch('tree')).not.toHaveProperty('fingerprint');
      await store.write([price('CNSHA', 'NLRTM', '2016-01-01', 100)], { batchId: 'a', fingerprint: 'request a' });
      let read = 0;
      async function* items() {
        for (const value of [1, 2, 3]) {
          read++;
          yield price('CNSHA', 'NLRTM', '2016-01-02', value);
        }
      }
      // Called once every item was read, for a batch large enough to be staged.
      await store.write(items(), { batchId: 'b', fingerprint: () => `read ${read}` });
      const staged = await store.begin('c');
      await staged.add([price('CNSHA', 'NLRTM', '2016-01-03', 7)]);
      await staged.commit({ fingerprint: 'upload c' });
      expect(store.batches().map((batch) => [batch.batchId, batch.fingerprint])).toEqual([['tree', undefined], ['a', 'request a'], ['b', 'read 3'], ['c', 'upload c']]);
      // A replay returns the first result and keeps the first fingerprint: telling requests apart is the caller's.
      const version = store.version;
      await store.write([price('CNSHA', 'NLRTM', '2016-01-01', 5)], { batchId: 'a', fingerprint: 'another request' });
      await store.commit('c', { fingerprint: 'another upload' });
      expect([store.version, store.batch('a')!.fingerprint, store.batch('c')!.fingerprint]).toEqual([version, 'request a', 'upload c']);
      for (const bad of ['', 'x'.repeat(1025), 42]) {
        await expectCode(store.write([], { batchId: 'd', fingerprint: bad as never }), 'RATESTORE_INVALID_ARGUMENT', 'fingerprint');
        await expectCode(store.write([price('CNSHA', 'NLRTM', '2016-01-04', 1)], { batchId: 'd', fingerprint: () => bad as never }), 'RATESTORE_INVALID_ARGUMENT', 'fingerprint');
        await expectCode(store.commit('c', { fingerprint: bad as never }), 'RATESTORE_INVALID_ARGUMENT', 'fingerprint');
      }
      expect([store.version, store.batch('d'), await store.stagedBatches()]).toEqual([version, undefined, []]);
    });

    it('takes arrays, generators, async generators and slices of items (itemSlices)', async () => {
      const store = await stores.open();
      const tree = await store.write(syncItems(TREE));
      expect(tree.counts.ports).toBe(PORTS.length);
      const day = '2016-03-01';
      const fromArray = [price('CNSHA', 'NLRTM', day, 100), price('CNSHA', 'NLRTM', day, 110)];
      const fromGenerator = [price('CNSHA', 'NLRTM', day, 120), price('CNSHA', 'NLRTM', day, 130)];
      const fromAsync = [price('CNSHA', 'NLRTM', day, 140), price('CNSHA', 'NLRTM', day, 150)];
      const fromSlices = [price('CNSHA', 'NLRTM', day, 170), price('CNSHA', 'NLRTM', day, 180), price('CNSHA', 'NLRTM', day, 190)];
      expect((await store.write(fromArray)).counts.prices).toBe(2);
      expect((await store.write(syncItems(fromGenerator))).counts.prices).toBe(2);
      expect((await store.write(asyncItems(fromAsync))).counts.prices).toBe(2);
      // A Set is an iterable too.
      expect((await store.write(new Set([price('CNSHA', 'NLRTM', day, 160)]))).counts.prices).toBe(1);
      // Slices, as a parser reads them (an empty one too); anything else iterating them sees the items.
      const sliced = itemSlices(asyncItems([fromSlices.slice(0, 2), [], fromSlices.slice(2)]));
      expect((await store.write(sliced)).counts.prices).toBe(3);
      const seen: BatchItem[] = [];
      for await (const item of itemSlices(asyncItems([fromSlices.slice(0, 2), fromSlices.slice(2)]))) seen.push(item);
      expect(seen).toEqual(fromSlices);
      const all = [...fromArray, ...fromGenerator, ...fromAsync, ...fromSlices].map((p) => p.price).concat(160);
      const { rows } = await store.rates({ dateFrom: day, dateTo: day, origin: 'CNSHA', destination: 'NLRTM' });
      expectRows(rows, [row(day, all)]);
      expect(store.version).toBe(6);
    });

    it('streams a batch larger than a chunk and than the aggregation bound, exactly', async () => {
      // Small chunks and a small cell bound force many staged chunks and many record parts per group.
      const store = await stores.open({ chunkSize: 97, maxCells: 50 });
      const prices = randomPrices(7, 3000, '2016-01-20', 25);
      const model = new Model();
      const items = [...TREE, ...prices];
      const result = await store.write(asyncItems(items));
      model.commit(result.batchId, items);
      expect(result.counts).toEqual({ prices: prices.length, ports: PORTS.length, regions: TREE.length - PORTS.length });
      for (const [origin, destination] of [['world', 'world'], ['asia', 'europe'], ['CNSHA', 'north_europe'], ['europe', 'CNNGB'], ['NLRTM', 'NLRTM'], ['oceania', 'world']] as const) {
        const query = { dateFrom: '2016-01-18', dateTo: '2016-02-16', origin, destination, minCount: 2 };
        expectRows((await store.rates(query)).rows, model.rows(query));
      }
      expect(await store.stagedBatches()).toEqual([]);
    });

    it('writes batches at the edges of a chunk (one chunk in memory, more staged) whole', async () => {
      const store = await stores.open({ chunkSize: 10 });
      await store.write(TREE);
      let expected: number[] = [];
      for (const size of [9, 10, 11, 20, 21]) {
        const prices = Array.from({ length: size }, (_, i) => price('CNSHA', 'NLRTM', '2016-03-01', size * 100 + i));
        expect((await store.write(prices)).counts.prices).toBe(size);
        expected = expected.concat(prices.map((p) => p.price));
        const { rows } = await store.rates({ dateFrom: '2016-03-01', dateTo: '2016-03-01', origin: 'CNSHA', destination: 'north_europe' });
        expectRows(rows, [row('2016-03-01', expected)]);
      }
      expect(await store.stagedBatches()).toEqual([]);
    });

    it('never shows part of a batch to reads running during its commit', async () => {
      // A small cell bound makes the commit write its records in many parts before its marker.
      const store = await stores.open({ chunkSize: 500, maxCells: 20 });
      const model = new Model();
      model.commit((await store.write(TREE)).batchId, TREE);
      const first = randomPrices(21, 1000, '2016-01-01', 20);
      model.commit((await store.write(first)).batchId, first);
      const second = randomPrices(22, 4000, '2016-01-01', 20);
      const moved: BatchItem[] = [{ type: 'port', code: 'CNSHA', name: 'Shanghai', region: 'med' }, ...second];
      const pairs = [['world', 'world'], ['asia', 'europe'], ['med', 'world'], ['CNSHA', 'NLRTM']] as const;
      for (const items of [second, moved]) {
        const writing = store.write(asyncItems(items));
        const answers: Array<{ query: RatesQuery; answer: RatesResult }> = [];
        let done = false;
        void writing.then(() => (done = true), () => (done = true));
        // The first round starts before the commit can finish; then a round every millisecond or so.
        for (let round = 0; round === 0 || (!done && round < 40); round++) {
          for (const [origin, destination] of pairs) {
            const query = { dateFrom: '2016-01-01', dateTo: '2016-01-20', origin, destination, minCount: 1 };
            answers.push({ query, answer: await store.rates(query) });
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        const result = await writing;
        model.commit(result.batchId, items);
        expect(answers.length).toBeGreaterThan(0);
        const expected = new Map<string, RateRow[]>();
        for (const { query, answer } of answers) {
          expect([result.version - 1, result.version]).toContain(answer.version);
          const key = `${query.origin}>${query.destination}@${answer.version}`;
          if (!expected.has(key)) expected.set(key, model.rows({ ...query, asOf: answer.version }));
          expectRows(answer.rows, expected.get(key)!);
        }
      }
    });

    it('refuses a write whose items are not iterable, and writes nothing', async () => {
      const store = await stores.open();
      await expectCode(store.write(42 as never), 'RATESTORE_INVALID_ARGUMENT', 'items');
      await expectCode(store.write([], { batchId: 'bad id with spaces' }), 'RATESTORE_INVALID_ARGUMENT', 'batchId');
      expect(store.version).toBe(0);
      expect(await store.stagedBatches()).toEqual([]);
    });

    it('refuses slices that are not arrays, passes a failing source\'s error on, and closes the slices it stops reading', async () => {
      const store = await stores.open({ chunkSize: 10 });
      await store.write(TREE);
      let closed = 0;
      const slicesThen = (last: unknown) =>
        itemSlices((async function* () {
          try {
            yield Array.from({ length: 15 }, (_, i) => price('CNSHA', 'NLRTM', '2016-01-01', 100 + i));
            if (last instanceof Error) throw last;
            yield last as BatchItem[];
            yield [price('CNSHA', 'NLRTM', '2016-01-01', 1)];
          } finally {
            closed++;
          }
        })());
      await expectCode(store.write(slicesThen(price('CNSHA', 'NLRTM', '2016-01-01', 5)), { batchId: 'not-arrays' }), 'RATESTORE_INVALID_ARGUMENT', 'items');
      expect(closed).toBe(1);
      const failure = new Error('upstream went away');
      await expect(store.write(slicesThen(failure), { batchId: 'broken' })).rejects.toBe(failure);
      expect(closed).toBe(2);
      expect(store.version).toBe(1);
      expect(await store.stagedBatches()).toEqual([]);
      const { rows } = await store.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-01', origin: 'CNSHA', destination: 'NLRTM' });
      expect(rows[0]!.count).toBe(0);
    });

    it('writes nothing when the item source fails part way, and passes its error on', async () => {
      const store = await stores.open({ chunkSize: 10 });
      await store.write(TREE);
      const failure = new Error('upstream went away');
      async function* failing() {
        for (let i = 0; i < 35; i++) yield price('CNSHA', 'NLRTM', '2016-01-01', 100 + i);
        throw failure;
      }
      await expect(store.write(failing(), { batchId: 'broken' })).rejects.toBe(failure);
      expect(store.version).toBe(1);
      expect(store.batch('broken')).toBeUndefined();
      expect(await store.stagedBatches()).toEqual([]);
      const { rows } = await store.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-01', origin: 'CNSHA', destination: 'NLRTM' });
      expect(rows[0]!.count).toBe(0);
      // The id can be used again.
      expect((await store.write([price('CNSHA', 'NLRTM', '2016-01-01', 1)], { batchId: 'broken' })).version).toBe(2);
    });
  });
}
