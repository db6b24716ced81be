/**
 * `ratestore serve --cluster` refuses to start, with a stable code and a way out, when PostgreSQL
 * cannot be reached or when its data directory is no replica of the cluster's log.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@ratestore/test-support';
import { startServerProcess } from '../server-process.js';
import { freshDatabase, usePostgres } from './pg-cluster.js';
import { call, csv, dataDir, failedStart, removeDirs, startNode } from './nodes.js';

const server = usePostgres();
afterAll(removeDirs);

const TREE = [
  { type: 'region', slug: 'asia', name: 'Asia' },
  { type: 'port', code: 'CNSHA', name: 'Shanghai', region: 'asia' },
  { type: 'port', code: 'SGSIN', name: 'Singapore', region: 'asia' }
];

/** A node on a fresh cluster that commits `batches` batches into `data`, then stops; the cluster's URL. */
async function nodeWithBatches(data: string, batches: number): Promise<string> {
  const url = await freshDatabase(server());
  const node = await startNode(url, 'writer', data);
  try {
    expect((await call(node, 'POST', '/v1/batches', { body: TREE })).status).toBe(201);
    for (let i = 1; i < batches; i++) {
      const reply = await call(node, 'POST', '/v1/batches', { raw: csv([{ origin: 'CNSHA', destination: 'SGSIN', day: '2016-01-01', price: 100 + i }]), type: 'text/csv' });
      expect(reply.status).toBe(201);
    }
  } finally {
    await node.stop();
  }
  return url;
}

describe('ratestore serve --cluster refuses to start', () => {
  it('when PostgreSQL cannot be reached: exit 1, RATESTORE_LOG_UNAVAILABLE, the URL without its password', async () => {
    const port = await freePort();
    const data = dataDir();
    const { code, stderr, stdout } = await failedStart(`postgres://ratestore:s3cret-word@127.0.0.1:${port}/rates`, data);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^error RATESTORE_LOG_UNAVAILABLE: .*postgres://ratestore:\\*\\*\\*@127\\.0\\.0\\.1:${port}/rates`));
    expect(stderr).toMatch(/ECONNREFUSED/);
    expect(stderr + stdout).not.toContain('s3cret-word');
    // No stack trace, one line.
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('on a data directory that follows another cluster: RATESTORE_LOG_MISMATCH, and it says to start on an empty directory', async () => {
    const data = dataDir();
    await nodeWithBatches(data, 2);
    const other = await freshDatabase(server());
    const { code, stderr } = await failedStart(other, data);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error RATESTORE_LOG_MISMATCH: the database follows log [0-9a-f-]{36}, not [0-9a-f-]{36}; start this node on an empty data directory/);
  });

  it('on a data directory ahead of the log (PostgreSQL restored from an older backup): RATESTORE_LOG_MISMATCH', async () => {
    const data = dataDir();
    const url = await nodeWithBatches(data, 3);
    // The log lost its last two entries, as a restore of PostgreSQL from before them would.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('DELETE FROM ratestore_log WHERE version > 1');
    await client.end();
    const { code, stderr } = await failedStart(url, data);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error RATESTORE_LOG_MISMATCH: the database is at version 3, ahead of log [0-9a-f-]{36} \(at 1\)/);
  });

  it('on a data directory written in single-node mode: RATESTORE_LOG_MISMATCH; the same directory still serves on its own', async () => {
    const data = dataDir();
    const single = await startServerProcess({ data });
    expect((await call(single, 'POST', '/v1/batches', { body: TREE })).status).toBe(201);
    await single.stop();
    const { code, stderr } = await failedStart(await freshDatabase(server()), data);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error RATESTORE_LOG_MISMATCH: the database holds 1 versions written without log/);
    const again = await startServerProcess({ data });
    try {
      expect((await call(again, 'GET', '/v1/ports')).body.ports).toHaveLength(2);
    } finally {
      await again.stop();
    }
  });
});
