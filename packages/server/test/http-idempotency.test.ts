import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prices, slowRequest, startTestServer, world, type TestServer } from './helpers.js';
import { tempDir } from './helpers/ratestask-dump.js';
import { startServerProcess } from './server-process.js';

const ndjson = (items: unknown[]) => items.map((item) => JSON.stringify(item)).join('\n') + '\n';
const key = (id: string) => ({ 'idempotency-key': id });

describe('idempotency keys: the same request replays, another request is 409', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ items: world() });
  });
  afterAll(() => t.close());

  /** Each of `others` under the key is refused, and writes nothing. */
  async function refused(method: string, path: string, others: Array<{ body?: unknown; raw?: string; type?: string; headers?: Record<string, string> }>, parameter = 'batch_id') {
    const version = t.store.version;
    for (const other of others) {
      const r = await t.call(method, path, other);
      expect([r.status, r.body.code, r.body.parameter], JSON.stringify(other)).toEqual([409, 'RATESTORE_IDEMPOTENCY_MISMATCH', parameter]);
    }
    expect(t.store.version).toBe(version);
  }

  it('POST /rates compares the route, both days, the price and the currency', async () => {
    const body = { date_from: '2016-02-01', date_to: '2016-02-03', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 1000 };
    const first = await t.call('POST', '/rates', { body, headers: key('rates-1') });
    expect(first.status).toBe(201);
    // The same request, written differently: members in another order, the default currency named.
    const again = await t.call('POST', '/rates', { body: { currency: 'usd', ...Object.fromEntries(Object.entries(body).reverse()) }, headers: key('rates-1') });
    expect([again.status, again.headers.get('idempotent-replayed'), again.body]).toEqual([201, 'true', first.body]);
    await refused('POST', '/rates', [
      { body: { ...body, date_to: '2016-02-04' } },
      { body: { ...body, date_from: '2016-02-02' } },
      { body: { ...body, price: 1200 } },
      { body: { ...body, currency: 'EUR' } },
      { body: { ...body, destination_code: 'DEHAM' } },
      { body: { ...body, origin_code: 'DEHAM', destination_code: 'CNSGH' } }
    ].map((other) => ({ ...other, headers: key('rates-1') })));
    // The second request's price was not silently dropped into the first answer: it was refused.
    const day = await t.get('/v1/rates?date_from=2016-02-03&date_to=2016-02-03&origin=CNSGH&destination=NLRTM&min_count=1');
    expect(day.body.rows[0]).toMatchObject({ count: 1, min: 1000, max: 1000 });
  });

  it('POST /v1/batches compares the format and the body bytes', async () => {
    const items = prices('CNSGH', 'DEHAM', '2016-03-01', [5, 6, 7]);
    const first = await t.call('POST', '/v1/batches', { raw: JSON.stringify(items), type: 'application/json', headers: key('batch-1') });
    expect(first.status).toBe(201);
    const again = await t.call('POST', '/v1/batches?batch_id=batch-1', { raw: JSON.stringify(items), type: 'application/json; charset=utf-8' });
    expect([again.status, again.headers.get('idempotent-replayed'), again.body]).toEqual([201, 'true', first.body]);
    await refused('POST', '/v1/batches', [
      { raw: JSON.stringify(prices('CNSGH', 'DEHAM', '2016-03-01', [5, 6, 8])), type: 'application/json' },
      { raw: JSON.stringify(items.slice(0, 2)), type: 'application/json' },
      { raw: '[]', type: 'application/json' },
      // The same items in another format are another request.
      { raw: ndjson(items), type: 'application/x-ndjson' }
    ].map((other) => ({ ...other, headers: key('batch-1') })));
  });

  it('PUT /v1/ports and /v1/regions compare the code or slug and the members', async () => {
    const port = await t.call('PUT', '/v1/ports/JPTYO', { body: { name: 'Tokyo', region: 'china' }, headers: key('port-1') });
    expect(port.status).toBe(201);
    const again = await t.call('PUT', '/v1/ports/JPTYO', { body: { region: 'china', name: 'Tokyo' }, headers: key('port-1') });
    expect([again.status, again.headers.get('idempotent-replayed'), again.body]).toEqual([201, 'true', port.body]);
    await refused('PUT', '/v1/ports/JPTYO', [{ body: { name: 'Tokio', region: 'china' } }, { body: { name: 'Tokyo', region: 'europe' } }].map((other) => ({ ...other, headers: key('port-1') })));
    await refused('PUT', '/v1/ports/JPOSA', [{ body: { name: 'Tokyo', region: 'china' }, headers: key('port-1') }]);
    const region = await t.call('PUT', '/v1/regions/asia', { body: { name: 'Asia' }, headers: key('region-1') });
    expect(region.status).toBe(201);
    expect((await t.call('PUT', '/v1/regions/asia', { body: { name: 'Asia', parent: null }, headers: key('region-1') })).headers.get('idempotent-replayed')).toBe('true');
    await refused('PUT', '/v1/regions/asia', [{ body: { name: 'Asia', parent: 'europe' } }, { body: { name: 'ASIA' } }].map((other) => ({ ...other, headers: key('region-1') })));
  });

  it('a key is one request whatever the route: any other route under it is 409', async () => {
    await refused('PUT', '/v1/regions/asia', [{ body: { name: 'Asia' }, headers: key('port-1') }]);
    await refused('POST', '/v1/batches', [{ body: [], headers: key('rates-1') }]);
    await refused('POST', '/rates', [{ body: { date_from: '2016-02-01', date_to: '2016-02-03', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 1000 }, headers: key('batch-1') }]);
    await refused('POST', '/v1/uploads', [{ body: { batch_id: 'batch-1' } }]);
    await refused('POST', '/v1/uploads/region-1/commit', [{}], 'id');
  });

  it('staged uploads: creating or committing a committed upload again is a replay; another route under its id is 409', async () => {
    expect((await t.call('POST', '/v1/uploads', { body: { batch_id: 'upload-1' } })).status).toBe(201);
    expect((await t.call('PUT', '/v1/uploads/upload-1/chunks/0', { raw: ndjson(prices('CNSGH', 'NLRTM', '2016-04-01', [1, 2])), type: 'application/x-ndjson' })).status).toBe(200);
    const commit = await t.call('POST', '/v1/uploads/upload-1/commit');
    expect(commit.status).toBe(201);
    const again = await t.call('POST', '/v1/uploads/upload-1/commit');
    expect([again.status, again.headers.get('idempotent-replayed'), again.body]).toEqual([201, 'true', commit.body]);
    const created = await t.call('POST', '/v1/uploads', { headers: key('upload-1') });
    expect([created.status, created.headers.get('idempotent-replayed'), created.body.result]).toEqual([200, 'true', commit.body]);
    await refused('POST', '/v1/batches', [{ body: prices('CNSGH', 'NLRTM', '2016-04-01', [1, 2]), headers: key('upload-1') }]);
    await refused('PUT', '/v1/regions/x', [{ body: { name: 'X' }, headers: key('upload-1') }]);
  });
});

describe('retries racing each other (twenty at once)', () => {
  const commits = async (t: TestServer) => Number(/ratestore_batches_total\{kind="commit"\} (\d+)/.exec((await t.get('/metrics')).text)?.[1] ?? 0);

  it('the same batch twenty times at once: committed and counted once, every other answer a marked replay', async () => {
    const t = await startTestServer({ items: world(), config: { uploads: { concurrency: 4, queue: 64, retryAfterSeconds: 1 } } });
    try {
      const before = [t.store.version, await commits(t)];
      // Bodies sent slowly, so that all twenty requests are in before the first commits.
      const pieces = prices('CNSGH', 'NLRTM', '2016-05-01', [1, 2, 3]).map((item) => JSON.stringify(item) + '\n');
      const answers = await Promise.all(Array.from({ length: 20 }, () =>
        slowRequest(`${t.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...key('raced') }, pieces, pauseMs: 40 })));
      expect(answers.map((r) => r.status)).toEqual(Array(20).fill(201));
      expect(answers.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
      expect(new Set(answers.map((r) => r.body)).size).toBe(1);
      expect([t.store.version, await commits(t)]).toEqual([before[0]! + 1, before[1]! + 1]);

      // Two different requests racing under one key: one commits, its copies replay, the others are 409.
      const a = JSON.stringify({ date_from: '2016-05-02', date_to: '2016-05-02', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 10 });
      const b = JSON.stringify({ date_from: '2016-05-02', date_to: '2016-05-02', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 20 });
      const mixed = await Promise.all(Array.from({ length: 20 }, (_, i) => t.call('POST', '/rates', { raw: i % 2 === 0 ? a : b, type: 'application/json', headers: key('raced-2') })));
      const winner = mixed.find((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null)!;
      const winningBody = winner.body.price_usd === 10 ? a : b;
      mixed.forEach((r, i) => {
        const same = (i % 2 === 0 ? a : b) === winningBody;
        expect([r.status, same || r.body.code]).toEqual(same ? [201, true] : [409, 'RATESTORE_IDEMPOTENCY_MISMATCH']);
      });
      expect(mixed.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
      expect([t.store.version, await commits(t)]).toEqual([before[0]! + 2, before[1]! + 2]);
    } finally {
      await t.close();
    }
  });
});

describe('fingerprints live in the store', () => {
  const files = tempDir();
  afterAll(() => files.cleanup());

  it('a server restarted on the same data still tells a retry from another request', async () => {
    const data = join(files.dir, 'data');
    const post = (url: string, body: string) => fetch(`${url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...key('kept') }, body });
    const items = ndjson([...world(), ...prices('CNSGH', 'NLRTM', '2016-06-01', [5])]);
    let server = await startServerProcess({ data });
    let first: unknown;
    try {
      const r = await post(server.url, items);
      expect(r.status).toBe(201);
      first = await r.json();
    } finally {
      await server.stop();
    }
    server = await startServerProcess({ data });
    try {
      const again = await post(server.url, items);
      expect([again.status, again.headers.get('idempotent-replayed'), await again.json()]).toEqual([201, 'true', first]);
      const other = await post(server.url, items.replace('"price":5', '"price":6'));
      expect([other.status, ((await other.json()) as { code: string }).code]).toEqual([409, 'RATESTORE_IDEMPOTENCY_MISMATCH']);
    } finally {
      await server.stop();
    }
  });
});
