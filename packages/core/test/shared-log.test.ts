/**
 * Stores that share one commit log (the in-memory double of cluster mode's PostgreSQL log): any of
 * them takes writes, each applies every entry in order, and none can refuse an entry the log took.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ratestore } from '../src/index.js';
import type { StoreOptions } from './stores.js';
import { memoryBackend } from './backends.js';
import { SharedMemoryLog } from './harness/shared-log.js';
import { Model, TREE, expectCode, expectRows, price, randomPrices } from './helpers.js';

/** Waits for a follower's background work, a few seconds at most. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('stores sharing one commit log', () => {
  const opened: Ratestore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  /** A store on a fresh database that shares `log`. */
  async function node(log: SharedMemoryLog, options: StoreOptions = {}): Promise<Ratestore> {
    const store = new Ratestore({ ...options, db: memoryBackend().create(), log: log.connect() });
    opened.push(store);
    await store.open();
    return store;
  }

  const span = { dateFrom: '2016-05-01', dateTo: '2016-05-04' };

  it('takes writes through every store; each applies all of them in one order, with the log\'s times', async () => {
    const log = new SharedMemoryLog();
    const [a, b, c] = [await node(log), await node(log), await node(log)];
    const model = new Model();
    model.commit((await a.write(TREE, { batchId: 'tree' })).batchId, TREE);
    // b has not necessarily applied the tree yet: admitting its batch brings it up to the log's head.
    const prices = randomPrices(11, 80, span.dateFrom, 4);
    expect((await b.write(prices, { batchId: 'p1' })).version).toBe(model.commit('p1', prices));
    const moved = [{ type: 'port' as const, code: 'NLRTM', name: 'Rotterdam', region: 'med' }];
    expect((await c.write(moved, { batchId: 'move' })).version).toBe(model.commit('move', moved));
    expect((await a.revert('p1')).version).toBe(model.revert('p1'));
    for (const store of [a, b, c]) expect(await store.waitForVersion(model.head)).toBe(true);
    expect(b.batches()).toEqual(a.batches());
    expect(c.batches()).toEqual(a.batches());
    for (let version = 1; version <= model.head; version++) {
      for (const [origin, destination] of [['world', 'world'], ['asia', 'med'], ['CNSHA', 'NLRTM']] as const) {
        const query = { ...span, origin, destination, minCount: 1, asOf: version };
        for (const store of [a, b, c]) expectRows((await store.rates(query)).rows, model.rows(query));
      }
    }
  });

  it('lands a batch sent through two stores at once exactly once; both answer its result, one of them marked replayed', async () => {
    const log = new SharedMemoryLog();
    const [a, b] = [await node(log), await node(log)];
    await a.write(TREE);
    const items = [price('CNSHA', 'NLRTM', '2016-05-01', 100)];
    const results = await Promise.all([a.write(items, { batchId: 'twice' }), b.write(items, { batchId: 'twice' })]);
    const first = results.find((result) => result.replayed === undefined)!;
    expect(results).toEqual(expect.arrayContaining([first, { ...first, replayed: true }]));
    expect(a.batches().filter((batch) => batch.batchId === 'twice')).toHaveLength(1);
    expect(await b.waitForVersion(first.version)).toBe(true);
    expect(b.version).toBe(2);
    expect(await b.stagedBatches()).toEqual([]);
  });

  it('refuses what no store could apply before the log takes it: unknown ports, cycles, reverts behind the horizon', async () => {
    const log = new SharedMemoryLog();
    const [a, b] = [await node(log), await node(log)];
    await a.write(TREE);
    await expectCode(b.write([price('CNSHA', 'ZZZZZ', '2016-05-01', 1)]), 'RATESTORE_INVALID_BATCH');
    // Two re-parentings that are each fine alone and a cycle together: whichever comes second is refused.
    const results = await Promise.allSettled([
      a.write([{ type: 'region', slug: 'asia', name: 'Asia', parent: 'east_asia' }]),
      b.write([{ type: 'region', slug: 'east_asia', name: 'East Asia', parent: 'asia' }])
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    await a.write([price('CNSHA', 'NLRTM', '2016-05-01', 1)], { batchId: 'old' });
    await b.write([price('CNSHA', 'NLRTM', '2016-05-01', 2)], { batchId: 'new' });
    // The horizon is the log's: raised through a, it binds b, which has not folded anything.
    await a.compact({ retainVersions: 1 });
    await expectCode(b.revert('old'), 'RATESTORE_VERSION_NOT_RETAINED');
    expect(log.head).toBe(4);
    expect(await b.waitForVersion(4)).toBe(true);
    await until(() => b.retainedFrom === 3);
    expect(b.batches()).toEqual(a.batches());
  });

  it('folds every store to the log\'s horizon, decided once', async () => {
    const log = new SharedMemoryLog({ retainVersions: 1 });
    const [a, b] = [await node(log, { retainVersions: 100 }), await node(log, { retainVersions: 100 })];
    await a.write(TREE);
    for (let i = 0; i < 4; i++) await (i % 2 === 0 ? a : b).write(randomPrices(30 + i, 20, span.dateFrom, 4));
    expect(log.horizon.foldedThrough).toBeGreaterThan(0);
    for (const store of [a, b]) {
      expect(await store.waitForVersion(log.head)).toBe(true);
      await until(() => store.retainedFrom === log.horizon.foldedThrough);
    }
  });

  it('refuses applyCommitted and applyRevert: a store on a shared log applies what the log hands it', async () => {
    const a = await node(new SharedMemoryLog());
    await expectCode(a.applyCommitted({ version: 1, batchId: 'tree', items: TREE }), 'RATESTORE_INVALID_ARGUMENT', 'log');
    await expectCode(a.applyRevert({ version: 1, batchId: 'tree' }), 'RATESTORE_INVALID_ARGUMENT', 'log');
    expect(a.version).toBe(0);
  });

  it('catches a store that was closed up with what was written meanwhile', async () => {
    const log = new SharedMemoryLog();
    const a = await node(log);
    const db = memoryBackend().create();
    const b = new Ratestore({ db, log: log.connect() });
    await b.open();
    await a.write(TREE);
    expect(await b.waitForVersion(1)).toBe(true);
    await b.close();
    await a.write(randomPrices(40, 30, span.dateFrom, 4));
    await a.revert((await a.write(randomPrices(41, 30, span.dateFrom, 4))).batchId);
    // memory-level keeps its data across close and open of the same database object.
    const again = new Ratestore({ db, log: log.connect() });
    opened.push(again);
    await again.open();
    expect(again.version).toBe(4);
    expect(again.batches()).toEqual(a.batches());
  });
});

describe('opening a database on a shared log', () => {
  const opened: Ratestore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) if (store.status === 'open') await store.close();
  });

  async function open(db: ReturnType<ReturnType<typeof memoryBackend>['create']>, log?: SharedMemoryLog): Promise<Ratestore> {
    const store = new Ratestore({ db, ...(log === undefined ? {} : { log: log.connect() }) });
    opened.push(store);
    await store.open();
    return store;
  }

  it('refuses the data of another log, of no log, ahead of the log, or written without it', async () => {
    const log = new SharedMemoryLog();
    const replica = memoryBackend().create();
    const writer = await open(memoryBackend().create(), log);
    await writer.write(TREE);
    await (await open(replica, log)).close();

    // Another log.
    await expectCode(open(replica, new SharedMemoryLog()), 'RATESTORE_LOG_MISMATCH', 'log');
    // Written on its own (without any log), then brought back.
    const own = await open(replica);
    await own.write([price('CNSHA', 'NLRTM', '2016-05-01', 1)]);
    await own.close();
    await expectCode(open(replica, log), 'RATESTORE_LOG_MISMATCH', 'log');
    // Now the log has a version 2 too, and still not the same one.
    await writer.write([price('CNSHA', 'NLRTM', '2016-05-01', 2)]);
    await expectCode(open(replica, log), 'RATESTORE_LOG_MISMATCH', 'log');

    // A store with history of its own cannot join a log.
    const standalone = memoryBackend().create();
    await (await open(standalone)).write(TREE).then(() => undefined);
    await opened.at(-1)!.close();
    await expectCode(open(standalone, log), 'RATESTORE_LOG_MISMATCH', 'log');

    // Ahead of the log (e.g. PostgreSQL restored from an older backup).
    const ahead = memoryBackend().create();
    const first = new SharedMemoryLog();
    const a = await open(ahead, first);
    await a.write(TREE);
    await a.write([price('CNSHA', 'NLRTM', '2016-05-01', 1)]);
    await a.close();
    const older = new SharedMemoryLog();
    Object.defineProperty(older, 'id', { value: first.id });
    const b = await open(memoryBackend().create(), older);
    await b.write(TREE);
    await expectCode(open(ahead, older), 'RATESTORE_LOG_MISMATCH', 'log');
  });
});

describe('snapshots', () => {
  const opened: Ratestore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) if (store.status === 'open') await store.close();
  });

  async function node(log: SharedMemoryLog, db = memoryBackend().create()): Promise<Ratestore> {
    const store = new Ratestore({ db, log: log.connect() });
    opened.push(store);
    await store.open();
    return store;
  }

  it('starts a new replica from another\'s snapshot; it applies the rest of the log and agrees', async () => {
    const log = new SharedMemoryLog();
    const a = await node(log);
    const model = new Model();
    model.commit((await a.write(TREE, { batchId: 'tree' })).batchId, TREE);
    const first = randomPrices(51, 60, '2016-05-01', 4);
    model.commit((await a.write(first, { batchId: 'p1' })).batchId, first);
    await a.begin('staged-upload');
    await a.addChunk('staged-upload', [price('CNSHA', 'NLRTM', '2016-05-01', 7)]);

    const snapshot = await a.snapshot();
    expect(snapshot.version).toBe(2);
    // The store goes on while the copy is read: what it writes now is not in the copy.
    const second = randomPrices(52, 60, '2016-05-01', 4);
    model.commit((await a.write(second, { batchId: 'p2' })).batchId, second);
    expect(await a.revert('p1')).toMatchObject({ version: model.revert('p1') });

    const db = memoryBackend().create();
    const b = new Ratestore({ db, log: log.connect() });
    opened.push(b);
    expect(await b.restore(snapshot.entries)).toBeGreaterThan(0);
    await b.open();
    expect(b.version).toBe(model.head);
    expect(b.batches()).toEqual(a.batches());
    expect(await b.stagedBatches()).toEqual([]);
    for (let version = 1; version <= model.head; version++) {
      const query = { dateFrom: '2016-05-01', dateTo: '2016-05-04', origin: 'world', destination: 'world', minCount: 1, asOf: version };
      expectRows((await b.rates(query)).rows, model.rows(query));
    }
  });

  it('restores only into an empty database, before open', async () => {
    const log = new SharedMemoryLog();
    const a = await node(log);
    await a.write(TREE);
    const db = memoryBackend().create();
    const b = await node(log, db);
    await expectCode(b.restore((await a.snapshot()).entries), 'RATESTORE_INVALID_ARGUMENT', 'status');
    await b.close();
    const again = new Ratestore({ db, log: log.connect() });
    await expectCode(again.restore((await a.snapshot()).entries), 'RATESTORE_INVALID_ARGUMENT', 'db');
  });
});
