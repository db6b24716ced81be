import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import pg from 'pg';
import type { Staging, StagingOptions } from '@ratestore/core';
import type { ErrorCode } from '@ratestore/core/contract';
import { migrate, type ClusterIdentity } from './schema.js';
import { PgCommitLog } from './pg-log.js';
import { PgStaging } from './pg-staging.js';
import { redactUrl } from './errors.js';

export interface ClusterOptions {
  /** `postgres://user:password@host:port/db` (any libpq-style URL the `pg` driver takes). */
  url: string;
  /** This node's name in the log, in logs and in /v1/status. Default: derived from the host name and the data directory. */
  nodeId?: string;
  /** The data directory (this node's replica), from which the default node id is derived. */
  data: string;
  /** How often a node reads the log without a notification. */
  pollMs: number;
  /** How many recent versions stay readable and revertible, for the whole cluster. */
  retainVersions: number;
  /** Connections of this node's query pool (a commit uses up to three at once). */
  poolSize: number;
  onError(error: unknown): void;
}

/** A node's connection to the cluster: the shared log and staging a store is opened with. */
export interface ClusterConnection {
  identity: ClusterIdentity;
  nodeId: string;
  /** The URL without its password. */
  url: string;
  log: PgCommitLog;
  staging(options: StagingOptions): Staging;
  pool: pg.Pool;
  /** Closes the pools (after the store is closed). */
  close(): Promise<void>;
}

/** Raised when PostgreSQL cannot be reached or its tables cannot be made at start. */
export class ClusterUnavailableError extends Error {
  readonly code: ErrorCode = 'RATESTORE_LOG_UNAVAILABLE';
}

/** A stable default node id: the same host and data directory name the same node across restarts. */
export function defaultNodeId(data: string): string {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40) || 'node';
  return `${host}-${createHash('sha256').update(resolve(data)).digest('hex').slice(0, 8)}`;
}

/**
 * Connects to the cluster's PostgreSQL, creating or migrating its tables (safely when several
 * nodes start at once).
 */
export async function connectCluster(options: ClusterOptions): Promise<ClusterConnection> {
  const nodeId = options.nodeId ?? defaultNodeId(options.data);
  const url = redactUrl(options.url);
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize, connectionTimeoutMillis: 10_000 });
  const lockPool = new pg.Pool({ connectionString: options.url, max: options.poolSize, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its connection emits 'error' on the pool; the next query reconnects.
  // A client that is checked out (a transaction between two statements, a held upload lock) has no
  // pool listener: without one of its own, a connection PostgreSQL ends (a failover, a restart) would
  // crash the process. With it, the client's next query fails (RATESTORE_LOG_UNAVAILABLE) and the
  // pool drops the client on release.
  for (const p of [pool, lockPool]) {
    p.on('error', options.onError);
    p.on('connect', (client) => client.on('error', options.onError));
  }
  const close = async (): Promise<void> => {
    await Promise.all([pool.end(), lockPool.end()]);
  };
  let identity: ClusterIdentity;
  try {
    identity = await migrate(pool, randomUUID);
  } catch (error) {
    await close();
    throw new ClusterUnavailableError(`cannot use the cluster's PostgreSQL at ${url}: ${(error as Error).message}`, { cause: error });
  }
  const log = new PgCommitLog({ clusterId: identity.clusterId, pool, url: options.url, nodeId, pollMs: options.pollMs, retainVersions: options.retainVersions, onError: options.onError });
  return {
    identity,
    nodeId,
    url,
    log,
    pool,
    staging: (stagingOptions) => new PgStaging({ ...stagingOptions, pool, lockPool, nodeId }),
    close
  };
}
