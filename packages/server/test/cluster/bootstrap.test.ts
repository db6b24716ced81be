/**
 * New and returning nodes, as processes: a node started on an empty data directory restores the
 * newest snapshot and applies the rest of the log, and then agrees with the others; pruning the log
 * behind the snapshot leaves it working; a node whose data is behind the pruned log refuses to start
 * with RATESTORE_LOG_PRUNED and says how to recover.
 */
import { describe, expect, it } from 'vitest';
import { Ratestore, type BatchItem } from '@ratestore/core';
import { TREE, addDays, randomPrices } from '../../../core/test/helpers.js';
import { memoryBackend } from '../../../core/test/backends.js';
import { pruneLog, saveSnapshot, type SnapshotInfo } from '../../src/cluster/snapshots.js';
import { connectCluster } from '../../src/cluster/cluster.js';
import { freshDatabase, usePostgres } from './pg-cluster.js';
import { call, csv, dataDir, failedStart, settle, startNode, useNodes, type ClusterNode } from './nodes.js';

const server = usePostgres();
const nodes = useNodes();

const FIRST = '2016-11-01';
const DAYS = 5;
const QUERIES = [['world', 'world'], ['asia', 'europe'], ['CNSHA', 'NLRTM'], ['east_asia', 'med']] as const;

/**
 * What `ratestore snapshot --cluster URL` does, by the server's own functions: a replica of the log
 * in memory, its snapshot stored in PostgreSQL.
 */
async function takeSnapshot(url: string): Promise<SnapshotInfo> {
  const cluster = await connectCluster({ url, data: 'snapshot', nodeId: 'snapshot-taker', pollMs: 1000, retainVersions: Infinity, poolSize: 2, onError: () => undefined });
  const store = new Ratestore({ db: memoryBackend().create(), log: cluster.log, staging: cluster.staging });
  try {
    await store.open();
    return await saveSnapshot(cluster.pool, await store.snapshot());
  } finally {
    await store.close();
    await cluster.close();
  }
}

async function prune(url: string) {
  const cluster = await connectCluster({ url, data: 'prune', nodeId: 'pruner', pollMs: 1000, retainVersions: Infinity, poolSize: 2, onError: () => undefined });
  try {
    return await pruneLog(cluster.pool);
  } finally {
    await cluster.close();
  }
}

/** Every node's batch log and answers to the query set at every version, which must all be the same. */
async function expectAgreement(all: readonly ClusterNode[]): Promise<void> {
  const head = await settle(all);
  const logs = await Promise.all(all.map((node) => call(node, 'GET', '/v1/batches')));
  for (const log of logs) expect(log.body).toEqual(logs[0]!.body);
  for (let version = 1; version <= head; version++) {
    for (const [origin, destination] of QUERIES) {
      const path = `/v1/rates?date_from=${FIRST}&date_to=${addDays(FIRST, DAYS - 1)}&origin=${origin}&destination=${destination}&min_count=1&as_of=${version}`;
      const answers = await Promise.all(all.map((node) => call(node, 'GET', path)));
      for (const answer of answers) expect(answer.body, `${path} through ${all.map((node) => node.id).join(', ')}`).toEqual(answers[0]!.body);
    }
  }
}

describe('a node bootstrapped from a snapshot', () => {
  it('agrees with the others; after a prune it goes on working, and a node behind the pruned log refuses to start', async () => {
    const url = await freshDatabase(server());
    const [a, b] = await Promise.all([startNode(url, 'a'), startNode(url, 'b')]);
    nodes.push(a, b);
    const post = async (node: ClusterNode, items: readonly BatchItem[], key: string) => {
      const reply = await call(node, 'POST', '/v1/batches', { raw: csv(items as never), type: 'text/csv', headers: { 'idempotency-key': key } });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    };
    expect((await call(a, 'POST', '/v1/batches', { body: TREE })).status).toBe(201);
    await post(a, randomPrices(1, 2_000, FIRST, DAYS), 'p1');
    // A node that stops here: its data will be behind the pruned log.
    const behind = await startNode(url, 'behind');
    nodes.push(behind);
    expect(await settle(nodes)).toBe(2);
    await behind.stop();
    nodes.pop();

    await post(b, randomPrices(2, 2_000, FIRST, DAYS), 'p2');
    expect((await call(b, 'PUT', '/v1/ports/SGSIN', { body: { name: 'Singapore', region: 'east_asia' } })).status).toBe(201);
    expect((await call(a, 'POST', '/v1/batches/p1/revert')).status).toBe(201);
    const snapshot = await takeSnapshot(url);
    expect(snapshot.version).toBe(5);
    await post(a, randomPrices(3, 2_000, FIRST, DAYS), 'p3');
    expect((await call(b, 'POST', '/v1/batches/p2/revert')).status).toBe(201);

    // A new node restores the snapshot, applies versions 6 and 7 from the log, and agrees.
    const fresh = await startNode(url, 'fresh');
    nodes.push(fresh);
    expect(fresh.lines.find((line) => line.msg === 'cluster: a new node, restored from the newest snapshot')).toMatchObject({ version: 5 });
    await expectAgreement(nodes);

    // The log's data behind the snapshot goes; the new node, restarted, goes on, and takes writes.
    expect(await prune(url)).toEqual({ snapshotVersion: 5, batches: 4, snapshots: 0 });
    await fresh.stop();
    const restarted = await startNode(url, 'fresh', fresh.data);
    nodes[2] = restarted;
    await post(restarted, randomPrices(4, 2_000, FIRST, DAYS), 'p4');
    await post(a, randomPrices(5, 2_000, FIRST, DAYS), 'p5');
    await expectAgreement(nodes);

    // The node that stopped at version 2 cannot catch up from the pruned log.
    const refused = await failedStart(url, behind.data);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error RATESTORE_LOG_PRUNED: this node is at version 2, but the log's data through version 5 was pruned after a snapshot: start it on an empty data directory to restore the newest snapshot\n$/);
    // Started on an empty data directory instead, it restores the snapshot and agrees.
    const replaced = await startNode(url, 'behind', dataDir());
    nodes.push(replaced);
    await expectAgreement(nodes);
  }, 120_000);
});
