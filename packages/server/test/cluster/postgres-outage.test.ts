/**
 * PostgreSQL lost (immediate shutdown: SIGQUIT to the postmaster, as `pg_ctl stop -m immediate`) in
 * the middle of two commits: an upload's commit inside its log transaction (it holds the log's lock,
 * and waits for a row the test holds), and a one-call write queued behind it for the log's lock.
 * While PostgreSQL is down, every write answers 503 RATESTORE_LOG_UNAVAILABLE with Retry-After,
 * reads go on from each node's replica, and /v1/status says stale. Once it is back, the client's
 * retries of the two lost commits land once each, every acknowledged batch is there, and no node
 * shows any part of a batch that was not committed.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { BatchItem } from '@ratestore/core';
import { Model, TREE, addDays, randomPrices } from '../../../core/test/helpers.js';
import { freshDatabase, usePostgres } from './pg-cluster.js';
import { call, csv, settle, startNode, status, useNodes, type ClusterNode, type Reply } from './nodes.js';

const server = usePostgres();
const nodes = useNodes();

const FIRST = '2016-09-01';
const DAYS = 7;
const QUERIES = [['world', 'world'], ['asia', 'europe'], ['CNSHA', 'NLRTM'], ['europe', 'asia']] as const;

function expectUnavailable(reply: Reply, what: string): void {
  expect(reply.status, `${what}: ${JSON.stringify(reply.body)}`).toBe(503);
  expect(reply.body.code).toBe('RATESTORE_LOG_UNAVAILABLE');
  expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
}

/**
 * Polls `query` on `client` until it returns a row count of `rows`. Staging 120k prices through a
 * node takes seconds, and many times that on a busy 2-core machine: the deadline is generous.
 */
async function waitForRows(client: pg.Client, query: string, rows: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await client.query(query)).rowCount !== rows) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${rows} rows of ${query}: ${JSON.stringify((await client.query("SELECT pid, state, wait_event_type, wait_event, left(query, 120) AS q FROM pg_stat_activity WHERE state <> 'idle'")).rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('PostgreSQL lost in the middle of commits', () => {
  it('loses no acknowledged batch and shows no partial one; writes answer 503 meanwhile, reads go on; retries land once', async () => {
    const url = await freshDatabase(server());
    nodes.push(...(await Promise.all(['a', 'b', 'c'].map((id) => startNode(url, id)))));
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const sent = new Map<string, readonly BatchItem[]>();
    const post = (node: ClusterNode, key: string, items: readonly BatchItem[]) => {
      sent.set(key, items);
      return call(node, 'POST', '/v1/batches', { raw: csv(items as never), type: 'text/csv', headers: { 'idempotency-key': key } });
    };
    sent.set('tree', TREE);
    expect((await call(a, 'POST', '/v1/batches', { body: TREE, headers: { 'idempotency-key': 'tree' } })).status).toBe(201);
    for (const [i, node] of [a, b, c].entries()) expect((await post(node, `acked-${i}`, randomPrices(i, 3_000, FIRST, DAYS))).status).toBe(201);

    // An upload staged through b, to be committed when PostgreSQL goes.
    const upload = randomPrices(10, 4_000, FIRST, DAYS);
    sent.set('upload', upload);
    expect((await call(b, 'POST', '/v1/uploads', { body: { batch_id: 'upload' } })).status).toBe(201);
    expect((await call(b, 'PUT', '/v1/uploads/upload/chunks/0', { raw: csv(upload), type: 'text/csv' })).status).toBe(200);

    const head = await settle(nodes);
    const readPath = `/v1/rates?date_from=${FIRST}&date_to=${addDays(FIRST, DAYS - 1)}&origin=asia&destination=europe&min_count=1`;
    const before = await call(c, 'GET', readPath);

    // The upload's commit takes the log's lock and stops at its batch's row, which the test holds;
    // the one-call write stages its chunks, then queues for the log's lock.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    holder.on('error', () => undefined);
    // The sessions are watched from a connection of their own, outside any transaction: PostgreSQL
    // collects what pg_stat_activity shows once per transaction, so the holder would keep seeing
    // the sessions as they were at its first look.
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    watcher.on('error', () => undefined);
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM ratestore_batches WHERE batch_id = 'upload' FOR UPDATE`);
      const uploadCommit = call(b, 'POST', '/v1/uploads/upload/commit');
      const waiting = `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()`;
      await waitForRows(watcher, waiting, 1);
      const lost = randomPrices(11, 120_000, FIRST, DAYS);
      const lostWrite = post(a, 'lost', lost);
      await waitForRows(watcher, waiting, 2);

      await server().crash();
      expectUnavailable(await uploadCommit, 'the upload commit in its log transaction');
      expectUnavailable(await lostWrite, 'the write queued for the log');

      // PostgreSQL is down: writes of every kind answer 503, reads are answered from the replicas.
      for (const node of nodes) {
        expectUnavailable(await post(node, `during-${node.id}`, randomPrices(20, 10, FIRST, DAYS)), `POST /v1/batches through ${node.id}`);
        expect(await status(node)).toMatchObject({ node_id: node.id, mode: 'cluster', version: head, log_version: null, lag_versions: null, stale: true });
        const read = await call(node, 'GET', readPath);
        expect(read.status).toBe(200);
        expect(read.body).toEqual(before.body);
      }
      expectUnavailable(await call(a, 'PUT', '/v1/ports/KRPUS', { body: { name: 'Busan', region: 'east_asia' } }), 'PUT /v1/ports');
      expectUnavailable(await call(b, 'POST', '/v1/batches/acked-0/revert'), 'a revert');
      expectUnavailable(await call(c, 'POST', '/v1/uploads', { body: { batch_id: 'during-upload' } }), 'POST /v1/uploads');
      expectUnavailable(await call(c, 'POST', '/rates', { body: { date_from: FIRST, date_to: FIRST, origin_code: 'CNSHA', destination_code: 'NLRTM', price: 100 } }), 'POST /rates');
      for (const key of ['during-a', 'during-b', 'during-c']) sent.delete(key);

      await server().restart();
      for (const node of nodes) {
        for (let state = await status(node); state.stale; state = await status(node)) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The client retries the two lost commits, through other nodes: each lands once.
      const retried = await post(c, 'lost', lost);
      expect(retried.status, JSON.stringify(retried.body)).toBe(201);
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
      const again = await post(a, 'lost', lost);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const committed = await call(a, 'POST', '/v1/uploads/upload/commit');
      expect(committed.status, JSON.stringify(committed.body)).toBe(201);
      expect(committed.body).toMatchObject({ batch_id: 'upload', counts: { prices: 4_000 } });
      expect((await call(c, 'GET', '/v1/uploads')).body.uploads).toEqual([]);

      const final = await settle(nodes);
      const logs = await Promise.all(nodes.map((node) => call(node, 'GET', '/v1/batches')));
      for (const log of logs) expect(log.body).toEqual(logs[0]!.body);
      const batches = logs[0]!.body.batches as Array<{ batch_id: string; version: number; counts: { prices: number } }>;
      expect(batches.map((batch) => batch.batch_id)).toEqual(['tree', 'acked-0', 'acked-1', 'acked-2', expect.any(String), expect.any(String)]);
      expect(batches.slice(4).map((batch) => batch.batch_id).sort()).toEqual(['lost', 'upload']);
      expect(final).toBe(head + 2);
      // No node shows any part of a batch but those committed, at any version.
      const model = new Model();
      for (const batch of batches) {
        expect(batch.counts.prices).toBe(sent.get(batch.batch_id)!.filter((item) => item.type === undefined).length);
        model.commit(batch.batch_id, sent.get(batch.batch_id)!);
      }
      for (let version = head; version <= final; version++) {
        for (const [origin, destination] of QUERIES) {
          const query = { dateFrom: FIRST, dateTo: addDays(FIRST, DAYS - 1), origin, destination, minCount: 1, asOf: version };
          for (const node of nodes) {
            const reply = await call(node, 'GET', `/v1/rates?date_from=${query.dateFrom}&date_to=${query.dateTo}&origin=${origin}&destination=${destination}&min_count=1&as_of=${version}`);
            expect(reply.body.rows, `${node.id} at version ${version}`).toEqual(model.rows(query));
          }
        }
      }
    } finally {
      // Ended whatever happens: a transaction left open would hold the nodes' commits (and their stop).
      await holder.end().catch(() => undefined);
      await watcher.end().catch(() => undefined);
    }
  }, 300_000);
});
