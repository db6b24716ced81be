/**
 * Cluster harnesses on a real PostgreSQL: each arrangement gets a database of its own on one
 * throwaway server, and every store connects to it as a cluster node would (its own pools, LISTEN
 * connection, PgCommitLog and PgStaging).
 */
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@ratestore/test-support';
import { replicatedFactory, type SharedLogProvider } from '../../../core/test/harness/replicated.js';
import type { Backend } from '../../../core/test/backends.js';
import { connectCluster, type ClusterConnection } from '../../src/cluster/cluster.js';

/** One cluster: a database, and the connections of the nodes on it. */
export interface TestCluster {
  url: string;
  retainVersions: number;
  connections: ClusterConnection[];
}

/**
 * Call at the top of a test file: one throwaway PostgreSQL for the file's tests (fsync off: the
 * tests kill processes, not machines), started before them and stopped by PID after them.
 */
export function usePostgres(settings: Record<string, string> = {}): () => ThrowawayPostgres {
  let server: ThrowawayPostgres | undefined;
  beforeAll(async () => {
    server = await startThrowawayPostgres({ settings: { fsync: 'off', ...settings } });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('PostgreSQL is not started yet');
    return server;
  };
}

let databases = 0;

/** A fresh, empty database on `server`; its URL. */
export async function freshDatabase(server: ThrowawayPostgres): Promise<string> {
  const name = `cluster_${process.pid}_${++databases}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return server.url.replace(/\/[^/]*$/, `/${name}`);
}

/** Connects one node to `cluster` (test-sized pools; errors of background work fail loudly). */
export async function connectNode(cluster: TestCluster, data: string): Promise<ClusterConnection> {
  const connection = await connectCluster({
    url: cluster.url,
    data,
    nodeId: `node-${cluster.connections.length}`,
    pollMs: 200,
    retainVersions: cluster.retainVersions,
    poolSize: 4,
    onError: (error) => console.error('cluster node:', error)
  });
  cluster.connections.push(connection);
  return connection;
}

/** A writer node and `readers` reader nodes per arrangement, on `server`. */
export function clusterStores(server: () => ThrowawayPostgres, backend: Backend, readers: number) {
  const provider: SharedLogProvider<TestCluster> = {
    create: async (options) => ({ url: await freshDatabase(server()), retainVersions: options.retainVersions ?? Infinity, connections: [] }),
    async connect(cluster) {
      const connection = await connectNode(cluster, `store-${cluster.connections.length}`);
      return { log: connection.log, staging: connection.staging };
    },
    async dispose(cluster) {
      for (const connection of cluster.connections.splice(0)) await connection.close();
    }
  };
  return replicatedFactory(`${backend.name}, ${readers + 1} cluster nodes on PostgreSQL, written through one and read through the others`, backend, provider, readers);
}
