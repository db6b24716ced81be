/**
 * Snapshots in PostgreSQL: a new node restores the newest and applies the rest of the log; pruning
 * then removes the log data behind it, and a node too far behind is told to start afresh.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ratestore } from '@ratestore/core';
import { memoryBackend } from '../../../core/test/backends.js';
import { Model, TREE, expectRows, randomPrices } from '../../../core/test/helpers.js';
import { newestSnapshot, pruneLog, saveSnapshot, snapshotEntries } from '../../src/cluster/snapshots.js';
import { connectNode, freshDatabase, usePostgres, type TestCluster } from './pg-cluster.js';

const server = usePostgres();

describe('cluster snapshots', () => {
  const clusters: TestCluster[] = [];
  const stores: Ratestore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) if (store.status === 'open') await store.close();
    for (const cluster of clusters.splice(0)) for (const connection of cluster.connections.splice(0)) await connection.close();
  });

  async function cluster(): Promise<TestCluster> {
    const made = { url: await freshDatabase(server()), retainVersions: Infinity, connections: [] };
    clusters.push(made);
    return made;
  }

  async function node(of: TestCluster, db = memoryBackend().create(), open = true): Promise<Ratestore> {
    const connection = await connectNode(of, `data-${of.connections.length}`);
    const store = new Ratestore({ db, log: connection.log, staging: connection.staging });
    stores.push(store);
    if (open) await store.open();
    return store;
  }

  const query = (version: number) => ({ dateFrom: '2016-07-01', dateTo: '2016-07-05', origin: 'world', destination: 'asia', minCount: 1, asOf: version });

  it('bootstraps a new node from the newest snapshot and the rest of the log; prune keeps it working', async () => {
    const c = await cluster();
    const a = await node(c);
    const model = new Model();
    model.commit((await a.write(TREE, { batchId: 'tree' })).batchId, TREE);
    for (let i = 0; i < 3; i++) {
      const prices = randomPrices(70 + i, 200, '2016-07-01', 5);
      model.commit((await a.write(prices, { batchId: `p${i}` })).batchId, prices);
    }
    const pool = c.connections[0]!.pool;
    const saved = await saveSnapshot(pool, await a.snapshot());
    expect(saved).toMatchObject({ version: 4, parts: 1 });
    expect(await newestSnapshot(pool)).toEqual(saved);
    // Saving again at the same version keeps the one there is.
    expect(await saveSnapshot(pool, await a.snapshot())).toEqual(saved);
    const later = randomPrices(80, 200, '2016-07-01', 5);
    model.commit((await a.write(later, { batchId: 'later' })).batchId, later);
    expect((await a.revert('p1')).version).toBe(model.revert('p1'));

    expect(await pruneLog(pool)).toEqual({ snapshotVersion: 4, batches: 4, snapshots: 0 });
    const b = await node(c, memoryBackend().create(), false);
    await b.restore(snapshotEntries(pool, saved.version));
    await b.open();
    expect(b.version).toBe(model.head);
    expect(b.batches()).toEqual(a.batches());
    for (let version = 1; version <= model.head; version++) expectRows((await b.rates(query(version))).rows, model.rows(query(version)));
  });

  it('refuses to start a node that is behind the pruned log, saying how to recover', async () => {
    const c = await cluster();
    const db = memoryBackend().create();
    const behind = await node(c, db);
    await behind.write(TREE);
    await behind.close();
    const a = await node(c);
    for (let i = 0; i < 3; i++) await a.write(randomPrices(90 + i, 50, '2016-07-01', 5));
    const pool = c.connections[0]!.pool;
    await saveSnapshot(pool, await a.snapshot());
    await pruneLog(pool);
    const again = await node(c, db, false);
    await expect(again.open()).rejects.toMatchObject({ code: 'RATESTORE_LOG_PRUNED', message: expect.stringMatching(/empty data directory/) });
  });
});
