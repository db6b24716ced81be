/**
 * Batch ids used again across cluster stores, with their staging shared in PostgreSQL.
 *
 * - The same upload committed through two nodes at once: the second to get the batch's lock may not
 *   have heard of the first one's commit yet (a notification missed, a poll not due). It must still
 *   answer as the batch is (committed: a replay, marked `replayed`), not as if it was never staged.
 * - A one-call write whose commit lost PostgreSQL leaves its staged chunks behind (the clean-up
 *   cannot reach PostgreSQL either): its retry, through any node, lands; an upload is left alone.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Ratestore, type CommitLog } from '@ratestore/core';
import { TREE, expectCode, randomPrices } from '../../../core/test/helpers.js';
import { memoryBackend } from '../../../core/test/backends.js';
import { connectNode, freshDatabase, usePostgres, type TestCluster } from './pg-cluster.js';

const server = usePostgres();

const clusters: TestCluster[] = [];
const stores: Ratestore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const cluster of clusters.splice(0)) for (const connection of cluster.connections.splice(0)) await connection.close();
});

describe('a staged upload committed through one cluster store, then through another that has not heard of it', () => {
  /** Two stores on a fresh cluster, the tree committed, an upload staged through both; b applies what a commits only when it reads the log for its own reasons. */
  async function twoStores(): Promise<[Ratestore, Ratestore]> {
    const cluster: TestCluster = { url: await freshDatabase(server()), retainVersions: Infinity, connections: [] };
    clusters.push(cluster);
    for (const name of ['a', 'b']) {
      const connection = await connectNode(cluster, name);
      const log = name === 'a' ? connection.log : neverTold(connection.log);
      const store = new Ratestore({ db: memoryBackend().create(), log, staging: connection.staging });
      await store.open();
      stores.push(store);
    }
    const [a, b] = stores as [Ratestore, Ratestore];
    await a.write(TREE);
    await a.begin('upload');
    await a.addChunk('upload', randomPrices(1, 2_000, '2016-01-01', 28), { chunk: 0 });
    await b.addChunk('upload', randomPrices(2, 2_000, '2016-01-01', 28), { chunk: 1 });
    return [a, b];
  }

  it('commit: the first result, marked replayed', async () => {
    const [a, b] = await twoStores();
    const first = await a.commit('upload');
    expect(first).toEqual({ batchId: 'upload', version: 2, counts: { prices: 4_000, ports: 0, regions: 0 }, committedAt: expect.any(String) });
    expect(b.version).toBe(0);
    expect(await b.commit('upload')).toEqual({ ...first, replayed: true });
    expect(b.batches().map((batch) => batch.batchId)).toEqual([expect.any(String), 'upload']);
  });

  it('abort: RATESTORE_BATCH_COMMITTED, and the batch stays', async () => {
    const [a, b] = await twoStores();
    await a.commit('upload');
    await expectCode(b.abort('upload'), 'RATESTORE_BATCH_COMMITTED', 'batchId');
    expect(b.batch('upload')).toMatchObject({ version: 2, counts: { prices: 4_000 } });
  });
});

describe('a one-call write retried after its first attempt left chunks staged', () => {
  it('lands with the retry\'s items; an upload under an id still refuses a write', async () => {
    const cluster: TestCluster = { url: await freshDatabase(server()), retainVersions: Infinity, connections: [] };
    clusters.push(cluster);
    const connection = await connectNode(cluster, 'a');
    const store = new Ratestore({ db: memoryBackend().create(), log: connection.log, staging: connection.staging });
    await store.open();
    stores.push(store);
    await store.write(TREE);
    // What a write through another node staged before PostgreSQL went away: one chunk of a batch.
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    await client.query(`INSERT INTO ratestore_batches (batch_id, created_at, internal, owner) VALUES ('retried', '2016-01-01T00:00:00.000Z', true, 'another-node')`);
    await client.end();
    await store.begin('upload');
    await store.addChunk('upload', randomPrices(3, 10, '2016-01-01', 28));
    const items = randomPrices(4, 70_000, '2016-01-01', 28);
    expect(await store.write(items, { batchId: 'retried' })).toMatchObject({ batchId: 'retried', version: 2, counts: { prices: 70_000 } });
    expect(await store.stagedBatches()).toEqual([expect.objectContaining({ batchId: 'upload' })]);
    await expectCode(store.write(items, { batchId: 'upload' }), 'RATESTORE_INVALID_ARGUMENT', 'batchId');
    expect(await store.staged('upload')).toMatchObject({ items: 10 });
  });
});

/** `log` as a node sees it that is never told of news (its follower idles): it applies what others commit only when it reads the log itself. */
function neverTold(log: CommitLog): CommitLog {
  return new Proxy(log, {
    get(target, property) {
      if (property === 'changed') return (_version: number, _horizon: number, signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    }
  });
}
