import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Ratestore, RatestoreReader } from '@ratestore/core';
import type { ClusterConnection } from './cluster.js';
import { SERVER_VERSION } from '../version.js';
import { isLogUnavailable } from './errors.js';
import { LOCKS } from './schema.js';
import { newestSnapshot, saveSnapshot, snapshotEntries, type SnapshotInfo } from './snapshots.js';

/** What `GET /v1/status` answers. */
export interface NodeStatus {
  node_id: string;
  /** The release of the server this node runs (its package version). */
  server_version: string;
  mode: 'single' | 'cluster';
  /** The version this node has applied (and answers reads at). */
  version: number;
  /** The log's latest version; null when the log cannot be reached. */
  log_version: number | null;
  /** How many versions this node is behind the log; null when the log cannot be reached. */
  lag_versions: number | null;
  /** How long ago the oldest entry this node has not applied was committed, in seconds; 0 when caught up. */
  lag_seconds: number | null;
  /** The log cannot be reached: this node answers reads from what it has, and refuses writes. */
  stale: boolean;
}

/** Where a node stands: the status route's answer, single-node or in a cluster. */
export interface NodeInfo {
  readonly nodeId: string;
  readonly mode: 'single' | 'cluster';
  status(): Promise<NodeStatus>;
}

/** A single node is its own log: always caught up. */
export function singleNode(store: RatestoreReader, nodeId: string): NodeInfo {
  return {
    nodeId,
    mode: 'single',
    async status() {
      return { node_id: nodeId, server_version: SERVER_VERSION, mode: 'single', version: store.version, log_version: store.version, lag_versions: 0, lag_seconds: 0, stale: false };
    }
  };
}

/** A cluster node: its lag is read from the log (one or two small queries). */
export function clusterNode(store: RatestoreReader, cluster: ClusterConnection): NodeInfo {
  return {
    nodeId: cluster.nodeId,
    mode: 'cluster',
    async status() {
      const version = store.version;
      const base = { node_id: cluster.nodeId, server_version: SERVER_VERSION, mode: 'cluster' as const, version };
      try {
        const head = await cluster.log.head();
        const next = head > version ? await cluster.log.entry(version + 1) : undefined;
        const lagSeconds = next === undefined ? 0 : Math.max(0, (Date.now() - Date.parse(next.committedAt)) / 1000);
        return { ...base, log_version: head, lag_versions: Math.max(0, head - version), lag_seconds: lagSeconds, stale: false };
      } catch (error) {
        if (!isLogUnavailable(error)) throw error;
        return { ...base, log_version: null, lag_versions: null, lag_seconds: null, stale: true };
      }
    }
  };
}

/** Whether a data directory holds no LevelDB database yet (a new node). */
export function isEmptyDataDirectory(dir: string): boolean {
  return !existsSync(join(dir, 'CURRENT'));
}

/**
 * A new node's first step: restores the cluster's newest snapshot into its empty store (before it
 * opens), so that opening applies only the entries after it. Resolves what was restored, if any.
 */
export async function bootstrapFromSnapshot(store: Ratestore, cluster: ClusterConnection): Promise<SnapshotInfo | undefined> {
  const newest = await newestSnapshot(cluster.pool);
  if (newest === undefined) return undefined;
  await store.restore(snapshotEntries(cluster.pool, newest.version));
  return newest;
}

/**
 * Takes a snapshot when the log has moved `everyVersions` past the newest one. One node at a time
 * (a try-lock: the others skip the round); the store goes on answering while the copy is read.
 */
export async function snapshotIfDue(store: Ratestore, cluster: ClusterConnection, everyVersions: number): Promise<SnapshotInfo | undefined> {
  const newest = await newestSnapshot(cluster.pool);
  if (store.version - (newest?.version ?? 0) < everyVersions) return undefined;
  const client = await cluster.pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOCKS.snapshot]);
    if (rows[0]?.locked !== true) return undefined;
    try {
      return await saveSnapshot(cluster.pool, await store.snapshot());
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCKS.snapshot]);
    }
  } finally {
    client.release();
  }
}
