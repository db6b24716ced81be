/**
 * Checkpoints as the engine keeps them (the shared suite checks the answers; here the records): a
 * read at the latest version takes a bounded number of records from the database whatever the
 * number of batches behind it, each pair and month keeps one checkpoint, reads find deep months
 * the store lost count of (after a reopen), and `checkpointRecords: 0` writes none.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ratestore, type Db, type RatesQuery } from '../src/index.js';
import { classicBackend, memoryBackend, type Backend } from './backends.js';
import { Model, TREE, expectCode, expectRows, randomPrices } from './helpers.js';
import { layoutProblems } from './layout.js';

const DEFAULT_THRESHOLD = 8;
/** Two months, so every read takes two groups. */
const span = { dateFrom: '2016-10-27', dateTo: '2016-11-04' };
const QUERIES: RatesQuery[] = [
  { ...span, origin: 'world', destination: 'world', minCount: 1 },
  { ...span, origin: 'asia', destination: 'europe', minCount: 1 },
  { ...span, origin: 'CNSHA', destination: 'north_europe', minCount: 1 }
];

/** Counts the entries the store's iterators hand out. */
function countReads(db: Db): { taken: number } {
  const counter = { taken: 0 };
  const iterator = db.iterator.bind(db) as (...args: unknown[]) => ReturnType<Db['iterator']>;
  (db as { iterator: unknown }).iterator = (...args: unknown[]) => {
    const it = iterator(...args);
    const nextv = it.nextv.bind(it);
    it.nextv = (async (...nextArgs: Parameters<typeof nextv>) => {
      const entries = await nextv(...nextArgs);
      counter.taken += entries.length;
      return entries;
    }) as typeof it.nextv;
    return it;
  };
  return counter;
}

/** Checkpoint keys (writer 0) per group. */
async function checkpointsPerGroup(db: Db): Promise<Map<string, number>> {
  const groups = new Map<string, number>();
  for await (const key of db.keys({ gte: 'a\0', lt: 'a\x01', keyEncoding: 'utf8' }) as AsyncIterable<string>) {
    if (key.slice(-24, -16) !== '00000000') continue;
    const group = key.slice(0, -33);
    groups.set(group, (groups.get(group) ?? 0) + 1);
  }
  return groups;
}


describe('checkpoints', () => {
  const backends: Backend[] = [];
  const stores: Ratestore[] = [];
  const open = async (backend: Backend, options: ConstructorParameters<typeof Ratestore>[0] = {}, db = backend.create()): Promise<Ratestore> => {
    if (!backends.includes(backend)) backends.push(backend);
    const store = new Ratestore({ readCacheMonths: 0, ...options, db });
    stores.push(store);
    await store.open();
    return store;
  };
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const backend of backends.splice(0)) backend.cleanup();
  });

  /** `count` small batches over the same two months, recorded in `model`. */
  async function overlapping(store: Ratestore, model: Model, count: number, seed: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const prices = randomPrices(seed + i, 20, span.dateFrom, 9);
      model.commit((await store.write(prices)).batchId, prices);
    }
  }

  async function readAll(store: Ratestore, model: Model, counter: { taken: number }, asOf?: number): Promise<number> {
    counter.taken = 0;
    for (const query of QUERIES) expectRows((await store.rates({ ...query, asOf })).rows, model.rows({ ...query, asOf }));
    return counter.taken / QUERIES.length;
  }

  it('reads a bounded number of records at the latest version, however many batches wrote the months', async () => {
    const backend = memoryBackend();
    const store = await open(backend);
    const plain = await open(backend, { checkpointRecords: 0 });
    const counter = countReads(store.db);
    const plainCounter = countReads(plain.db);
    const model = new Model();
    const plainModel = new Model();
    model.commit((await store.write(TREE)).batchId, TREE);
    plainModel.commit((await plain.write(TREE)).batchId, TREE);
    const taken: number[] = [];
    for (const round of [1, 2, 3]) {
      await overlapping(store, model, 50, 1000 * round);
      await overlapping(plain, plainModel, 50, 1000 * round);
      // compact() writes the checkpoints that are due, which background work would write anyway.
      await store.compact();
      taken.push(await readAll(store, model, counter));
    }
    // At most the first read of each month: what a month holds above its checkpoint, and the checkpoint.
    // Two months, each at most its checkpoint and the records written since, fewer than the threshold.
    for (const perQuery of taken) expect(perQuery).toBeLessThanOrEqual(2 * DEFAULT_THRESHOLD);
    // Without checkpoints every batch that touched a month is read.
    expect(await readAll(plain, plainModel, plainCounter)).toBeGreaterThan(10 * Math.max(...taken));
    // An older version is read from each batch's own records, exactly.
    await readAll(store, model, counter, 40);
    await readAll(store, model, counter, model.head - 20);
  });

  it('keeps the layout reads rely on through checkpoints, moves, reverts and folds; none with checkpointRecords: 0', async () => {
    const backend = memoryBackend();
    const store = await open(backend, { checkpointRecords: 4 });
    const plain = await open(backend, { checkpointRecords: 0 });
    const steps: Array<(target: Ratestore) => Promise<unknown>> = [
      async (target) => {
        await target.write(TREE);
        for (let i = 0; i < 15; i++) await target.write(randomPrices(2000 + i, 20, span.dateFrom, 9), { batchId: `b${i}` });
      },
      async (target) => {
        await target.write([{ type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'baltic' }]);
        for (let i = 15; i < 20; i++) await target.write(randomPrices(2000 + i, 20, span.dateFrom, 9), { batchId: `b${i}` });
        await target.revert('b3');
      },
      (target) => target.compact({ retainVersions: 6 }),
      async (target) => {
        for (let i = 20; i < 25; i++) await target.write(randomPrices(2000 + i, 20, span.dateFrom, 9), { batchId: `b${i}` });
        await target.revert('b22');
      }
    ];
    for (const step of steps) {
      for (const target of [store, plain]) {
        await step(target);
        await target.compact({ retainVersions: Infinity });
        expect(await layoutProblems(target.db)).toEqual([]);
      }
      for (const query of QUERIES) expect((await store.rates(query)).rows).toEqual((await plain.rates(query)).rows);
    }
    expect((await checkpointsPerGroup(store.db)).size).toBeGreaterThan(10);
    expect(await store.db.keys({ gte: 'h\0', lt: 'h\x01', limit: 1 }).all()).toHaveLength(1);
    expect((await checkpointsPerGroup(plain.db)).size).toBe(0);
    expect(await plain.db.keys({ gte: 'h\0', lt: 'h\x01', limit: 1 }).all()).toHaveLength(0);
  });

  it('finds deep months by reading them after a reopen, and writes their checkpoints', async () => {
    const backend = classicBackend();
    const first = await open(backend, { checkpointRecords: 0 });
    const model = new Model();
    model.commit((await first.write(TREE)).batchId, TREE);
    await overlapping(first, model, 60, 3000);
    await first.close();
    // Reopened with checkpoints on: the store has counted nothing, so nothing is due.
    const store = await open(backend, {}, backend.reopen!(first.db));
    const counter = countReads(store.db);
    await store.compact();
    const before = await readAll(store, model, counter);
    expect(before).toBeGreaterThan(2 * DEFAULT_THRESHOLD);
    // Those reads asked for checkpoints; compact() writes them if the background has not yet.
    await store.compact();
    const after = await readAll(store, model, counter);
    expect(after).toBeLessThanOrEqual(2 * DEFAULT_THRESHOLD);
    expect(after).toBeLessThan(before / 5);
    expect((await checkpointsPerGroup(store.db)).size).toBeGreaterThan(0);
  });

  it('writes none on a database without explicit snapshots, which reads of head and history together need', async () => {
    const backend = memoryBackend();
    const db = backend.create();
    Object.defineProperty(db, 'supports', { value: { ...db.supports, explicitSnapshots: false } });
    const store = await open(backend, { checkpointRecords: 2 }, db);
    const counter = countReads(store.db);
    const model = new Model();
    model.commit((await store.write(TREE)).batchId, TREE);
    await overlapping(store, model, 20, 4000);
    await store.compact();
    await readAll(store, model, counter);
    await store.compact();
    expect((await checkpointsPerGroup(store.db)).size).toBe(0);
    expect(await store.db.keys({ gte: 'h\0', lt: 'h\x01', limit: 1 }).all()).toHaveLength(0);
  });

  it('refuses a bad checkpointRecords', async () => {
    for (const value of [-1, 1.5, 65_536, '16']) {
      await expectCode(() => new Ratestore({ memory: true, checkpointRecords: value as number }), 'RATESTORE_INVALID_ARGUMENT', 'checkpointRecords');
    }
  });
});
