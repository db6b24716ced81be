/**
 * Reading one's own writes through another node: `min_version` on the HTTP API and the client's
 * `consistency: 'read-your-writes'`, against two real `ratestore serve --cluster` processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RatestoreClient, RatestoreClientError } from '@ratestore/client';
import { startServerProcess, type ServerProcess } from '../server-process.js';
import { freshDatabase, usePostgres } from './pg-cluster.js';
import { SERVER_VERSION } from '../../src/version.js';

const server = usePostgres();
const nodes: ServerProcess[] = [];
beforeAll(async () => {
  const url = await freshDatabase(server());
  // A long poll: node b learns of writes through NOTIFY, or min_version waits for it.
  for (const id of ['a', 'b']) nodes.push(await startServerProcess({ args: ['--cluster', url, '--node-id', id], env: { RATESTORE_CONFIG: '' } }));
}, 120_000);
afterAll(async () => {
  for (const node of nodes) await node.stop();
});

const prices = (...values: number[]) => values.map((price) => ({ origin: 'AAAAA', destination: 'BBBBB', day: '2016-03-01', price }));
const ITEMS = [
  { type: 'region' as const, slug: 'r', name: 'R' },
  { type: 'port' as const, code: 'AAAAA', name: 'A', region: 'r' },
  { type: 'port' as const, code: 'BBBBB', name: 'B', region: 'r' },
  ...prices(100, 200, 300)
];
const QUERY = { dateFrom: '2016-03-01', dateTo: '2016-03-01', origin: 'r', destination: 'r' };

describe('reading your writes through another node of a cluster', () => {
  it('min_version waits for the node to apply the version, or answers 503 RATESTORE_NOT_CAUGHT_UP', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const written = await (await fetch(`${a.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'first' }, body: JSON.stringify(ITEMS) })).json() as { version: number };
    const read = await fetch(`${b.url}/v1/rates?date_from=2016-03-01&date_to=2016-03-01&origin=r&destination=r&min_version=${written.version}`);
    expect(read.status).toBe(200);
    expect((await read.json() as { version: number; rows: Array<{ count: number }> })).toMatchObject({ version: written.version, rows: [{ count: 3 }] });
    const status = await (await fetch(`${b.url}/v1/status`)).json();
    expect(status).toEqual({ node_id: 'b', server_version: SERVER_VERSION, mode: 'cluster', version: written.version, log_version: written.version, lag_versions: 0, lag_seconds: 0, stale: false });

    const ahead = await fetch(`${b.url}/v1/ports?min_version=${written.version + 5}`);
    expect(ahead.status).toBe(503);
    expect(ahead.headers.get('retry-after')).toBe('1');
    expect(await ahead.json()).toMatchObject({ code: 'RATESTORE_NOT_CAUGHT_UP', parameter: 'min_version' });
    expect((await fetch(`${b.url}/v1/ports?min_version=-1`)).status).toBe(400);
  });

  it('the client passes its last write\'s version with read-your-writes, or a minVersion per call', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    // Writes go to node a, reads to node b, as a load balancer might send them.
    const requested: string[] = [];
    const split: typeof fetch = (input, init) => {
      const url = new URL(String(input));
      const target = new URL((init?.method ?? 'GET') === 'GET' ? b.url : a.url);
      url.host = target.host;
      requested.push(url.pathname + url.search);
      return fetch(url, init);
    };
    const client = new RatestoreClient({ baseUrl: a.url, fetch: split, consistency: 'read-your-writes' });
    const { version } = await client.uploadBatch(prices(101, 201, 301), { batchId: 'second' });
    const rows = await client.ratesDetailed(QUERY);
    expect(rows.version).toBeGreaterThanOrEqual(version);
    expect(rows.rows[0]!.count).toBe(6);
    expect(requested.at(-1)).toContain(`min_version=${version}`);

    const latest = new RatestoreClient({ baseUrl: b.url });
    await latest.ports({ minVersion: version });
    await expect(latest.ports({ minVersion: -2 })).rejects.toMatchObject({ code: 'RATESTORE_INVALID_ARGUMENT', field: 'minVersion' });
    const error = await new RatestoreClient({ baseUrl: b.url, retries: false }).ports({ minVersion: version + 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RatestoreClientError);
    expect(error).toMatchObject({ code: 'RATESTORE_NOT_CAUGHT_UP', status: 503 });
    expect(() => new RatestoreClient({ baseUrl: b.url, consistency: 'eventual' as never })).toThrow(/consistency/);
  });
});
