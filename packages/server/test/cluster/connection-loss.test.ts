/**
 * A node's connections to the cluster's PostgreSQL when PostgreSQL ends them (a failover, a
 * restart, an administrator): found by the failover test of deploy/test, where a node died of it.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectCluster } from '../../src/cluster/cluster.js';
import { isLogUnavailable } from '../../src/cluster/errors.js';
import { freshDatabase, usePostgres } from './pg-cluster.js';

const server = usePostgres();

describe('cluster connections', () => {
  it('a connection ended while the node holds it between statements is reported, not fatal: its next query fails as unavailable and the pool goes on', async () => {
    const url = await freshDatabase(server());
    const errors: Array<{ code?: string }> = [];
    const connection = await connectCluster({ url, data: 'data', nodeId: 'n1', pollMs: 200, retainVersions: Infinity, poolSize: 2, onError: (error) => errors.push(error as { code?: string }) });
    // As a commit's transaction holds its client while the node checks the batch.
    const held = await connection.pool.connect();
    try {
      const { rows } = await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await admin.end();
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      // PostgreSQL's message, then (maybe) the driver's own "Connection terminated unexpectedly".
      expect(errors[0]?.code).toBe('57P01');
      const next = await held.query('SELECT 1').then(() => undefined, (error: unknown) => error);
      expect(isLogUnavailable(next)).toBe(true);
      expect((await connection.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      held.release();
      await connection.close();
    }
  });
});
