import { readFileSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { etagFor } from '../src/http/cache.js';
import { createLogger } from '../src/logger.js';
import { openApiDocument } from '../src/openapi.js';
import { memoryBackend } from '../../core/test/backends.js';
import { replicatedStores } from '../../core/test/harness/replicated.js';
import type { StoreFactory } from '../../core/test/stores.js';
import { prices, startTestServer, world, type TestServer } from './helpers.js';

const rates = (params: Record<string, string>) => `/v1/rates?${new URLSearchParams(params)}`;
const ndjson = (items: unknown[]) => items.map((item) => JSON.stringify(item)).join('\n') + '\n';

// The API over one store, and over a writer and a reader sharing a commit log: the app depends on
// the engine's reader and writer interfaces, so any arrangement of stores can stand behind it.
const arrangements: Array<[string, (() => StoreFactory) | undefined]> = [['one store', undefined], ['a writer and a reader', () => replicatedStores(memoryBackend())]];

describe.each(arrangements)('v1 API over %s', (_name, stores) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      items: [...world(), ...prices('CNSGH', 'NLRTM', '2016-01-01', [100, 200]), ...prices('CNSGH', 'DEHAM', '2016-01-01', [300])],
      ...(stores === undefined ? {} : { stores: stores() })
    });
  });
  afterAll(() => t.close());

  it('GET /v1/status: a single node, always caught up, naming the server release it runs', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await t.get('/v1/status');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ mode: 'single', server_version: version, version: t.store.version, log_version: t.store.version, lag_versions: 0, stale: false });
  });

  it('GET /v1/rates: exact rows, min_count, the version read, as_of', async () => {
    const r = await t.get(rates({ date_from: '2016-01-01', date_to: '2016-01-02', origin: 'CNSGH', destination: 'north_europe' }));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      version: 1, origin: 'CNSGH', destination: 'north_europe', date_from: '2016-01-01', date_to: '2016-01-02', min_count: 3,
      rows: [{ day: '2016-01-01', average: 200, count: 3, min: 100, max: 300 }, { day: '2016-01-02', average: null, count: 0, min: null, max: null }]
    });
    const one = await t.get(rates({ date_from: '2016-01-01', date_to: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM', min_count: '1' }));
    expect(one.body.rows[0]).toEqual({ day: '2016-01-01', average: 150, count: 2, min: 100, max: 200 });
    expect(one.body.min_count).toBe(1);
    const write = await t.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-01-01', [1000]) });
    expect(write.status).toBe(201);
    const now = await t.get(rates({ date_from: '2016-01-01', date_to: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM', min_count: '1' }));
    expect(now.body).toMatchObject({ version: 2, rows: [{ count: 3, max: 1000 }] });
    const then = await t.get(rates({ date_from: '2016-01-01', date_to: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM', min_count: '1', as_of: '1' }));
    expect(then.body).toMatchObject({ version: 1, rows: [{ count: 2, max: 200 }] });
  });

  it('GET /v1/rates with widen=true: a thin lane widened to a parent region, named in origin_used and destination_used', async () => {
    const base = { date_from: '2016-01-01', date_to: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM', min_count: '4' };
    // Shanghai sends more prices than Rotterdam takes (Hamburg's too): the destination widens.
    const widened = await t.get(rates({ ...base, widen: 'true' }));
    expect(widened.status).toBe(200);
    const region = await t.get(rates({ ...base, destination: 'north_europe' }));
    expect(region.body.rows[0].count).toBeGreaterThanOrEqual(4);
    expect(widened.body).toEqual({ ...region.body, destination: 'NLRTM', origin_used: 'CNSGH', destination_used: 'north_europe' });
    const plain = await t.get(rates({ ...base, widen: 'false' }));
    expect(plain.body).not.toHaveProperty('origin_used');
    expect(plain.body.rows[0].average).toBeNull();
  });

  it('GET /v1/rates errors', async () => {
    const base = { date_from: '2016-01-01', date_to: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM' };
    expect((await t.get(rates({ ...base, widen: 'yes' }))).body).toMatchObject({ status: 400, code: 'RATESTORE_INVALID_PARAMETER', parameter: 'widen' });
    expect((await t.get(rates({ ...base, widen: '' }))).body).toMatchObject({ status: 400, code: 'RATESTORE_INVALID_PARAMETER', parameter: 'widen' });
    expect((await t.get(rates({ ...base, min_count: '0' }))).body).toMatchObject({ code: 'RATESTORE_INVALID_PARAMETER', parameter: 'min_count' });
    expect((await t.get(rates({ ...base, min_count: 'x' }))).body).toMatchObject({ code: 'RATESTORE_INVALID_PARAMETER', parameter: 'min_count' });
    expect((await t.get(rates({ ...base, as_of: '999' }))).body).toMatchObject({ status: 400, code: 'RATESTORE_UNKNOWN_VERSION', parameter: 'as_of' });
    expect((await t.get(rates({ ...base, as_of: '-1' }))).body).toMatchObject({ code: 'RATESTORE_INVALID_PARAMETER', parameter: 'as_of' });
    // Was misleading: a valid integer of 16 digits was told it must be "an integer of at least 0".
    expect((await t.get(rates({ ...base, as_of: '9007199254740991' }))).body).toMatchObject({ code: 'RATESTORE_INVALID_PARAMETER', parameter: 'as_of', detail: expect.stringContaining('from 0 to 999999999999999') });
    expect((await t.get(rates({ ...base, origin: 'nowhere' }))).body).toMatchObject({ code: 'RATESTORE_UNKNOWN_LOCATION', parameter: 'origin' });
    expect((await t.get(rates({ ...base, date_to: '2015-12-31' }))).body).toMatchObject({ code: 'RATESTORE_DATE_RANGE_REVERSED' });
  });

  // Was a bug: the detail named the engine's arguments (dateFrom) where the client wrote date_from.
  it('error details name the parameters the client sent, not the engine arguments', async () => {
    const base = { date_from: '2016-01-01', date_to: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM' };
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ...base, date_from: '2016-02-30' }, /^date_from must be a calendar date/],
      [{ ...base, date_to: '2015-12-31' }, /^date_from 2016-01-01 is after date_to 2015-12-31$/]
    ];
    for (const [query, detail] of cases) {
      for (const path of ['/rates', '/v1/rates']) {
        const body = (await t.get(path + rates(query).slice('/v1/rates'.length))).body;
        expect(body.detail).toMatch(detail);
        expect(body.detail).not.toMatch(/dateFrom|dateTo|minCount|asOf|batchId/);
      }
    }
  });

  it('ports and regions: list, get, 404, change through batches, as_of', async () => {
    const ports = await t.get('/v1/ports');
    expect(ports.body.ports.map((p: { code: string }) => p.code)).toEqual(['CNSGH', 'DEHAM', 'NLRTM']);
    expect((await t.get('/v1/ports/NLRTM')).body.port).toEqual({ code: 'NLRTM', name: 'Rotterdam', region: 'north_europe' });
    expect((await t.get('/v1/ports/ZZZZZ')).body).toMatchObject({ status: 404, code: 'RATESTORE_NOT_FOUND', parameter: 'code' });
    expect((await t.get('/v1/ports/rotterdam')).body).toMatchObject({ status: 400, code: 'RATESTORE_INVALID_ARGUMENT', parameter: 'code' });
    const regions = await t.get('/v1/regions');
    expect(regions.body.regions.map((r: { slug: string }) => r.slug)).toEqual(['china', 'europe', 'north_europe']);
    expect((await t.get('/v1/regions/north_europe')).body.region).toEqual({ slug: 'north_europe', name: 'North Europe', parent: 'europe', ports: ['DEHAM', 'NLRTM'], regions: [] });
    expect((await t.get('/v1/regions/europe')).body.region.regions).toEqual(['north_europe']);
    expect((await t.get('/v1/regions/atlantis')).body).toMatchObject({ status: 404, code: 'RATESTORE_NOT_FOUND' });
    const tree = await t.get('/v1/tree');
    expect(tree.body.regions.map((r: { slug: string }) => r.slug)).toEqual(['china', 'europe']);

    const before = t.store.version;
    const region = await t.call('PUT', '/v1/regions/baltic', { body: { name: 'Baltic', parent: 'europe' } });
    expect(region.status).toBe(201);
    expect(region.body).toMatchObject({ version: before + 1, counts: { regions: 1 } });
    const moved = await t.call('PUT', '/v1/ports/DEHAM', { body: { name: 'Hamburg', region: 'baltic' } });
    expect(moved.body).toMatchObject({ version: before + 2, counts: { ports: 1 } });
    expect((await t.get('/v1/ports/DEHAM')).body.port.region).toBe('baltic');
    expect((await t.get(`/v1/ports/DEHAM?as_of=${before}`)).body.port.region).toBe('north_europe');
    const bad = await t.call('PUT', '/v1/ports/DEHAM', { body: { name: 'Hamburg', region: 'atlantis' } });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'RATESTORE_UNKNOWN_REGION', parameter: 'region', issue_count: 1 });
    const cycle = await t.call('PUT', '/v1/regions/europe', { body: { name: 'Europe', parent: 'baltic' } });
    expect(cycle.status).toBe(422);
    expect(cycle.body.code).toBe('RATESTORE_REGION_CYCLE');
  });

  it('a retried port or region change answers the first result and writes nothing', async () => {
    const headers = { 'idempotency-key': 'put-port-retry' };
    const first = await t.call('PUT', '/v1/ports/GBSOU', { body: { name: 'Southampton', region: 'north_europe' }, headers });
    expect(first.status).toBe(201);
    const commits = () => t.context.metrics.batches.get().then((metric) => metric.values.find((value) => value.labels.kind === 'commit')?.value);
    const counted = await commits();
    const again = await t.call('PUT', '/v1/ports/GBSOU', { body: { name: 'Southampton', region: 'north_europe' }, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(t.store.version).toBe(first.body.version);
    expect(await commits()).toBe(counted);
  });

  it('a region lists its ports and sub-regions from the engine, without copying the catalog per request', async () => {
    const ports = vi.spyOn(t.store, 'ports');
    const regions = vi.spyOn(t.store, 'regions');
    try {
      const version = t.store.version;
      for (const slug of ['europe', 'north_europe', 'china']) expect((await t.get(`/v1/regions/${slug}`)).status).toBe(200);
      expect((await t.get('/v1/regions/china')).body.region).toMatchObject({ ports: ['CNSGH'], regions: [] });
      expect((await t.get(`/v1/regions/europe?as_of=${version}`)).body.region.regions).toContain('north_europe');
      expect((await t.get('/v1/regions/europe?as_of=1')).body.region.regions).toEqual(['north_europe']);
      expect(ports).not.toHaveBeenCalled();
      expect(regions).not.toHaveBeenCalled();
    } finally {
      ports.mockRestore();
      regions.mockRestore();
    }
  });

  it('POST /v1/batches as JSON, NDJSON and CSV', async () => {
    const json = await t.call('POST', '/v1/batches', { body: [{ type: 'port', code: 'GBFXT', name: 'Felixstowe', region: 'north_europe' }, ...prices('GBFXT', 'CNSGH', '2016-02-01', [10, 20, 30])] });
    expect(json.status).toBe(201);
    expect(json.body).toMatchObject({ counts: { prices: 3, ports: 1, regions: 0 } });
    expect(json.body.batch_id).toEqual(expect.any(String));
    const nd = await t.call('POST', '/v1/batches', { raw: ndjson(prices('GBFXT', 'CNSGH', '2016-02-01', [40, 50])) + '\n\n', type: 'application/x-ndjson' });
    expect(nd.body).toMatchObject({ version: json.body.version + 1, counts: { prices: 2 } });
    const csv = await t.call('POST', '/v1/batches', { raw: '\ufeffday,origin,destination,price\r\n2016-02-01,GBFXT,CNSGH,60\r\n2016-02-01,GBFXT,CNSGH,"70.5"\r\n', type: 'text/csv; charset=utf-8' });
    expect(csv.status).toBe(201);
    expect(csv.body.counts.prices).toBe(2);
    const r = await t.get(rates({ date_from: '2016-02-01', date_to: '2016-02-01', origin: 'GBFXT', destination: 'CNSGH' }));
    expect(r.body.rows[0]).toMatchObject({ count: 7, min: 10, max: 70.5 });
  });

  it('a rejected batch answers 422 with the bad items and writes nothing', async () => {
    const version = t.store.version;
    const items = [...prices('CNSGH', 'NLRTM', '2016-01-01', [1, 2]), { origin: 'CNSGH', destination: 'XXXXX', day: '2016-01-01', price: 3 }, { origin: 'CNSGH', destination: 'NLRTM', day: '2016-02-30', price: 4 }, { origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: -1 }];
    for (const [raw, type] of [[JSON.stringify(items), 'application/json'], [ndjson(items), 'application/x-ndjson']] as const) {
      const r = await t.call('POST', '/v1/batches', { raw, type });
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('RATESTORE_INVALID_BATCH');
      expect(r.body.issue_count).toBe(3);
      expect(r.body.issues.map((i: { index: number; code: string }) => [i.index, i.code]).sort((a: [number], b: [number]) => a[0] - b[0])).toEqual([[2, 'RATESTORE_UNKNOWN_PORT'], [3, 'RATESTORE_INVALID_DATE'], [4, 'RATESTORE_INVALID_PRICE']]);
    }
    const csv = await t.call('POST', '/v1/batches', { raw: 'origin,destination,day,price\nCNSGH,NLRTM,2016-01-01,abc\n', type: 'text/csv' });
    expect(csv.status).toBe(422);
    expect(csv.body.issues[0]).toMatchObject({ index: 0, field: 'price' });
    expect(t.store.version).toBe(version);
  });

  it('malformed bodies are 400, other types 415, limits 413', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['{"origin":"CNSGH"}', 'application/json', 400, 'RATESTORE_MALFORMED_BODY'],
      ['[{"origin":"CNSGH"},', 'application/json', 400, 'RATESTORE_MALFORMED_BODY'],
      ['[{"a":1},]', 'application/json', 400, 'RATESTORE_MALFORMED_BODY'],
      ['[{"a":1}] x', 'application/json', 400, 'RATESTORE_MALFORMED_BODY'],
      ['{"a":1}\n{oops}\n', 'application/x-ndjson', 400, 'RATESTORE_MALFORMED_BODY'],
      ['origin,destination,when,price\n', 'text/csv', 400, 'RATESTORE_MALFORMED_BODY'],
      ['origin,destination,day,price\nA,B,C\n', 'text/csv', 400, 'RATESTORE_MALFORMED_BODY'],
      ['<items/>', 'application/xml', 415, 'RATESTORE_UNSUPPORTED_MEDIA_TYPE']
    ];
    for (const [raw, type, status, code] of cases) {
      const r = await t.call('POST', '/v1/batches', { raw, type });
      expect([raw, r.status, r.body.code]).toEqual([raw, status, code]);
    }
    // A malformed body names the line at fault, whatever its format.
    for (const [raw, type] of [['[\n{"a":1},\n{"a":}\n]', 'application/json'], ['{"a":1}\n\n{oops}\n', 'application/x-ndjson'], ['origin,destination,day,price\nA,B,2016-01-01,1\nA,B\n', 'text/csv']]) {
      const r = await t.call('POST', '/v1/batches', { raw, type });
      expect([type, r.status, r.body.line, r.body.detail]).toEqual([type, 400, 3, expect.stringMatching(/^line 3: /)]);
    }
    const small = await startTestServer({ items: world(), config: { limits: { batchBodyBytes: 1000, batchItems: 5 } as never } });
    try {
      const big = await small.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-01-01', Array.from({ length: 30 }, (_, i) => i + 1)) });
      expect(big.body).toMatchObject({ status: 413, code: 'RATESTORE_BODY_TOO_LARGE' });
      const many = await small.call('POST', '/v1/batches', { raw: ndjson(prices('CNSGH', 'NLRTM', '2016-01-01', [1, 2, 3, 4, 5, 6])), type: 'application/x-ndjson' });
      expect(many.body).toMatchObject({ status: 413, code: 'RATESTORE_TOO_MANY_ITEMS' });
      // A staged upload is one batch: chunks that each fit may not add up to more than the limit.
      expect((await small.call('POST', '/v1/uploads', { body: { batch_id: 'too-big' } })).status).toBe(201);
      for (const n of [0, 1]) {
        const put = await small.call('PUT', `/v1/uploads/too-big/chunks/${n}`, { raw: ndjson(prices('CNSGH', 'NLRTM', '2016-01-01', [1, 2, 3])), type: 'application/x-ndjson' });
        expect(put.status).toBe(200);
      }
      expect((await small.get('/v1/uploads/too-big')).body).toMatchObject({ state: 'staged', chunks: [0, 1], items: 6 });
      const commit = await small.call('POST', '/v1/uploads/too-big/commit');
      expect(commit.body).toMatchObject({ status: 413, code: 'RATESTORE_TOO_MANY_ITEMS', parameter: 'id' });
      expect(small.store.version).toBe(1);
    } finally {
      await small.close();
    }
  });

  it('Idempotency-Key (or batch_id) makes a retried upload return the first result', async () => {
    const headers = { 'idempotency-key': 'retry-me' };
    const first = await t.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-05-01', [5, 6, 7]), headers });
    expect(first.status).toBe(201);
    expect(first.body.batch_id).toBe('retry-me');
    const again = await t.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-05-01', [5, 6, 7]), headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const byQuery = await t.call('POST', '/v1/batches?batch_id=retry-me', { body: prices('CNSGH', 'NLRTM', '2016-05-01', [5, 6, 7]) });
    expect(byQuery.body).toEqual(first.body);
    expect(t.store.version).toBe(first.body.version);
    const conflict = await t.call('POST', '/v1/batches?batch_id=other', { body: [], headers });
    expect(conflict.body).toMatchObject({ status: 400, code: 'RATESTORE_INVALID_PARAMETER', parameter: 'batch_id' });
    const invalid = await t.call('POST', '/v1/batches', { body: [], headers: { 'idempotency-key': 'bad key!' } });
    expect(invalid.body).toMatchObject({ status: 400, code: 'RATESTORE_INVALID_ARGUMENT', parameter: 'batch_id' });
  });

  it('the batch log, one batch, revert', async () => {
    const list = await t.get('/v1/batches');
    expect(list.body.batches[0]).toMatchObject({ batch_id: 'fixture', version: 1, reverted_by: null, revertible: true });
    expect(list.body.version).toBe(t.store.version);
    expect((await t.get('/v1/batches/retry-me')).body).toMatchObject({ batch_id: 'retry-me', counts: { prices: 3 } });
    expect((await t.get('/v1/batches/nope')).body).toMatchObject({ status: 404, code: 'RATESTORE_UNKNOWN_BATCH' });
    const revert = await t.call('POST', '/v1/batches/retry-me/revert');
    expect(revert.status).toBe(201);
    expect(revert.body).toMatchObject({ batch_id: 'retry-me', reverted_version: expect.any(Number), version: t.store.version });
    const again = await t.call('POST', '/v1/batches/retry-me/revert');
    expect(again.body).toEqual(revert.body);
    expect((await t.get('/v1/batches/retry-me')).body.reverted_by).toBe(revert.body.version);
    const r = await t.get(rates({ date_from: '2016-05-01', date_to: '2016-05-01', origin: 'CNSGH', destination: 'NLRTM' }));
    expect(r.body.rows[0].count).toBe(0);
    expect((await t.call('POST', '/v1/batches/nope/revert')).body).toMatchObject({ status: 404, code: 'RATESTORE_UNKNOWN_BATCH' });
  });

  it('creating an upload that another request commits or aborts meanwhile: a replay, or a clear 409', async () => {
    const begin = t.store.begin.bind(t.store);
    const items = prices('CNSGH', 'DEHAM', '2016-07-01', [5]);
    // The batch id is committed by another write between the server's check and its begin().
    const committing = vi.spyOn(t.store, 'begin').mockImplementationOnce(async (id) => {
      await t.store.write(items, { batchId: id });
      return begin(id);
    });
    const raced = await t.call('POST', '/v1/uploads', { body: { batch_id: 'raced-commit' } });
    committing.mockRestore();
    expect(raced.status).toBe(200);
    expect(raced.headers.get('idempotent-replayed')).toBe('true');
    expect(raced.body).toMatchObject({ batch_id: 'raced-commit', state: 'committed', result: { batch_id: 'raced-commit', counts: { prices: 1 } } });

    // The upload is aborted by another request right after begin() staged it.
    const version = t.store.version;
    const aborting = vi.spyOn(t.store, 'begin').mockImplementationOnce(async (id) => {
      const staged = await begin(id);
      await t.store.abort(id);
      return staged;
    });
    const aborted = await t.call('POST', '/v1/uploads', { body: { batch_id: 'raced-abort' } });
    aborting.mockRestore();
    expect(aborted.body).toMatchObject({ status: 409, code: 'RATESTORE_UNKNOWN_BATCH', parameter: 'batch_id' });
    expect(await t.store.staged('raced-abort')).toBeUndefined();
    expect(t.store.version).toBe(version);
  });

  it('staged uploads: create, chunks in any order, re-send, commit; abort; errors', async () => {
    const staged = vi.spyOn(t.store, 'staged');
    const created = await t.call('POST', '/v1/uploads', { body: { batch_id: 'big-1' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ batch_id: 'big-1', state: 'staged', chunks: [], items: 0 });
    expect(created.headers.get('location')).toBe('/v1/uploads/big-1');
    const resumed = await t.call('POST', '/v1/uploads', { body: { batch_id: 'big-1' } });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toEqual(created.body);
    // Creating or resuming an upload reads it once.
    expect(staged).toHaveBeenCalledTimes(2);
    staged.mockRestore();
    const chunk = (n: number, raw: string, type = 'application/x-ndjson') => t.call('PUT', `/v1/uploads/big-1/chunks/${n}`, { raw, type });
    expect((await chunk(2, ndjson(prices('CNSGH', 'DEHAM', '2016-06-01', [3]))))).toMatchObject({ status: 200, body: { batch_id: 'big-1', chunk: 2, items: 1 } });
    expect((await chunk(0, 'origin,destination,day,price\nCNSGH,DEHAM,2016-06-01,1\n', 'text/csv')).body.items).toBe(1);
    expect((await chunk(1, JSON.stringify(prices('CNSGH', 'DEHAM', '2016-06-01', [999, 999])), 'application/json')).body.items).toBe(2);
    // Re-sending a chunk replaces it.
    expect((await chunk(1, JSON.stringify(prices('CNSGH', 'DEHAM', '2016-06-01', [2])), 'application/json')).body.items).toBe(1);
    const bad = await chunk(3, ndjson([{ origin: 'CNSGH', destination: 'DEHAM', day: 'nope', price: 1 }]));
    expect(bad.status).toBe(422);
    expect(bad.body.issues[0]).toMatchObject({ index: 0, chunk: 3, code: 'RATESTORE_INVALID_DATE' });
    expect((await t.get('/v1/uploads/big-1')).body).toMatchObject({ state: 'staged', chunks: [0, 1, 2] });
    expect((await t.get('/v1/uploads')).body.uploads.map((u: { batch_id: string }) => u.batch_id)).toContain('big-1');
    const version = t.store.version;
    const commit = await t.call('POST', '/v1/uploads/big-1/commit');
    expect(commit.status).toBe(201);
    expect(commit.body).toMatchObject({ batch_id: 'big-1', version: version + 1, counts: { prices: 3 } });
    expect((await t.call('POST', '/v1/uploads/big-1/commit')).body).toEqual(commit.body);
    expect((await t.get('/v1/uploads/big-1')).body).toMatchObject({ state: 'committed', result: commit.body });
    expect((await t.call('POST', '/v1/uploads', { body: { batch_id: 'big-1' } })).body).toMatchObject({ state: 'committed' });
    const r = await t.get(rates({ date_from: '2016-06-01', date_to: '2016-06-01', origin: 'CNSGH', destination: 'DEHAM' }));
    expect(r.body.rows[0]).toMatchObject({ average: 2, count: 3, min: 1, max: 3 });
    expect((await chunk(4, ndjson([]))).body).toMatchObject({ status: 409, code: 'RATESTORE_BATCH_COMMITTED' });
    expect((await t.call('DELETE', '/v1/uploads/big-1')).body).toMatchObject({ status: 409, code: 'RATESTORE_BATCH_COMMITTED' });

    const byHeader = await t.call('POST', '/v1/uploads', { headers: { 'idempotency-key': 'big-2' } });
    expect(byHeader.body.batch_id).toBe('big-2');
    await t.call('PUT', '/v1/uploads/big-2/chunks/0', { raw: ndjson(prices('CNSGH', 'DEHAM', '2016-06-02', [1])), type: 'application/x-ndjson' });
    expect((await t.call('DELETE', '/v1/uploads/big-2')).status).toBe(204);
    expect((await t.call('DELETE', '/v1/uploads/big-2')).body).toMatchObject({ status: 404, code: 'RATESTORE_UNKNOWN_BATCH' });
    expect((await t.call('POST', '/v1/uploads/big-2/commit')).body).toMatchObject({ status: 404, code: 'RATESTORE_UNKNOWN_BATCH' });
    expect((await t.call('PUT', '/v1/uploads/nope/chunks/0', { raw: '[]', type: 'application/json' })).body).toMatchObject({ status: 404, code: 'RATESTORE_UNKNOWN_BATCH' });
    expect((await t.call('PUT', '/v1/uploads/nope/chunks/x', { raw: '[]', type: 'application/json' })).body).toMatchObject({ status: 400, parameter: 'chunk' });
    expect((await t.get('/v1/uploads/nope')).body).toMatchObject({ status: 404, code: 'RATESTORE_UNKNOWN_BATCH' });
    const auto = await t.call('POST', '/v1/uploads');
    expect(auto.status).toBe(201);
    expect(auto.body.batch_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.store.version).toBe(version + 1);
  });

  it('ETag from version and query, 304 on If-None-Match, Cache-Control, new ETag after a write', async () => {
    const path = rates({ date_from: '2016-01-01', date_to: '2016-01-03', origin: 'china', destination: 'europe' });
    const first = await t.get(path);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"v\d+-[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
    const same = await t.get(path);
    expect(same.headers.get('etag')).toBe(etag);
    expect(same.text).toBe(first.text);
    const other = await t.get(path.replace('2016-01-03', '2016-01-04'));
    expect(other.headers.get('etag')).not.toBe(etag);
    const revalidated = await t.get(path, { 'if-none-match': `"x", ${etag}` });
    expect(revalidated.status).toBe(304);
    expect(revalidated.text).toBe('');
    expect(revalidated.headers.get('etag')).toBe(etag);
    const legacy = await t.get('/rates?date_from=2016-01-01&date_to=2016-01-03&origin=china&destination=europe');
    expect((await t.get('/rates?date_from=2016-01-01&date_to=2016-01-03&origin=china&destination=europe', { 'if-none-match': legacy.headers.get('etag')! })).status).toBe(304);
    // `*` matches an answer that exists, and never turns a 404 or a 400 into a 304.
    expect((await t.get(path, { 'if-none-match': '*' })).status).toBe(304);
    expect((await t.get('/v1/batches/no-such-batch', { 'if-none-match': '*' })).status).toBe(404);
    expect((await t.get('/rates?date_from=2016-02-30&date_to=2016-03-01&origin=china&destination=europe', { 'if-none-match': '*' })).status).toBe(400);
    await t.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-01-02', [1, 2, 3]) });
    const changed = await t.get(path, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.body.rows[1].count).toBe(3);
    // as_of answers never change: their ETag survives new versions.
    const pinned = await t.get(`${path}&as_of=1`);
    await t.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-01-02', [4]) });
    expect((await t.get(`${path}&as_of=1`, { 'if-none-match': pinned.headers.get('etag')! })).status).toBe(304);
    for (const list of ['/v1/ports', '/v1/regions', '/v1/tree', '/v1/batches']) {
      const a = await t.get(list);
      expect((await t.get(list, { 'if-none-match': a.headers.get('etag')! })).status).toBe(304);
    }
    const metrics = await t.get('/metrics');
    expect(metrics.text).toMatch(/ratestore_cache_total\{result="not_modified"\} [1-9]/);
    expect(metrics.text).toMatch(/ratestore_cache_total\{result="hit"\} [1-9]/);
  });

  it('a bad read is 400 or 404 whatever If-None-Match says: the request is checked before the tag', async () => {
    // The tags a bad query would carry, as a client can compute them (version and normalised query).
    const tag = (route: string, normalized: unknown[]) => etagFor(t.store.version, route, JSON.stringify(normalized));
    const bad: Array<[string, string, number, string]> = [
      ['/rates?date_from=2016-02-30&date_to=2016-03-01&origin=china&destination=europe', tag('rates', ['2016-02-30', '2016-03-01', 'china', 'europe']), 400, 'RATESTORE_INVALID_DATE'],
      ['/rates?date_from=2016-01-01&date_to=2016-01-02&origin=atlantis&destination=europe', tag('rates', ['2016-01-01', '2016-01-02', 'atlantis', 'europe']), 400, 'RATESTORE_UNKNOWN_LOCATION'],
      [rates({ date_from: '2016-01-02', date_to: '2016-01-01', origin: 'china', destination: 'europe' }), tag('v1/rates', ['2016-01-02', '2016-01-01', 'china', 'europe', 3, null]), 400, 'RATESTORE_DATE_RANGE_REVERSED'],
      [rates({ date_from: '2016-01-01', date_to: '2016-01-01', origin: 'china', destination: 'XXXXX' }), tag('v1/rates', ['2016-01-01', '2016-01-01', 'china', 'XXXXX', 3, null]), 400, 'RATESTORE_UNKNOWN_LOCATION'],
      ['/v1/ports/XXXXX', tag('v1/port', ['XXXXX', null]), 404, 'RATESTORE_NOT_FOUND'],
      ['/v1/regions/atlantis', tag('v1/region', ['atlantis', null]), 404, 'RATESTORE_NOT_FOUND'],
      ['/v1/batches/no-such-batch', etagFor(t.store.version, 'v1/batch', 'no-such-batch'), 404, 'RATESTORE_UNKNOWN_BATCH']
    ];
    for (const [path, etag, status, code] of bad) {
      for (const header of [etag, '*']) {
        const r = await t.get(path, { 'if-none-match': header });
        expect([path, header, r.status, r.body.code]).toEqual([path, header, status, code]);
      }
    }
  });

  it('a tag of an as_of read whose version was folded away is 400, not 304', async () => {
    const folding = await startTestServer({ items: [...world(), ...prices('CNSGH', 'NLRTM', '2016-01-01', [100])] });
    try {
      const reads = [rates({ date_from: '2016-01-01', date_to: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM', as_of: '1' }), '/v1/ports?as_of=1', '/v1/ports/NLRTM?as_of=1', '/v1/regions?as_of=1', '/v1/tree?as_of=1'];
      const tags = new Map<string, string>();
      for (const path of reads) tags.set(path, (await folding.get(path)).headers.get('etag')!);
      await folding.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-01-01', [200]) });
      await folding.store.compact({ retainVersions: 0 });
      for (const path of reads) {
        const r = await folding.get(path, { 'if-none-match': tags.get(path)! });
        expect([path, r.status, r.body.code]).toEqual([path, 400, 'RATESTORE_VERSION_NOT_RETAINED']);
      }
    } finally {
      await folding.close();
    }
  });

  it('health, readiness, metrics, unknown routes', async () => {
    expect((await t.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.get('/readyz')).body).toEqual({ status: 'ready', version: t.store.version });
    t.context.lifecycle.state = 'starting';
    expect(await t.get('/readyz')).toMatchObject({ status: 503, body: { status: 'starting' } });
    t.context.lifecycle.state = 'draining';
    const draining = await t.get('/readyz');
    expect(draining.status).toBe(503);
    expect(draining.body).toEqual({ status: 'draining' });
    t.context.lifecycle.state = 'ready';
    const metrics = await t.get('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toContain(`ratestore_data_version ${t.store.version}`);
    expect(metrics.text).toMatch(/ratestore_http_requests_total\{method="GET",route="\/v1\/rates",status="200"\} \d+/);
    expect(metrics.text).toMatch(/ratestore_http_request_duration_seconds_bucket/);
    expect(metrics.text).toMatch(/ratestore_batches_total\{kind="commit"\} [1-9]/);
    expect(metrics.text).toMatch(/ratestore_batch_items_total\{kind="price"\} [1-9]/);
    const missing = await fetch(`${t.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'RATESTORE_NOT_FOUND' });
  });

  it('times a request once, for its log line and its metrics alike', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const timed = await startTestServer({ logger: createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }) });
    try {
      expect((await timed.get('/healthz', { 'x-request-id': 'timed-1' })).status).toBe(200);
      const metrics = (await timed.get('/metrics')).text;
      const sum = Number(/ratestore_http_request_duration_seconds_sum\{method="GET",route="\/healthz"\} (\S+)/.exec(metrics)![1]);
      const line = lines.find((l) => l.req_id === 'timed-1' && l.msg === 'request');
      expect(line?.ms).toBe(Math.round(sum * 1e5) / 100);
    } finally {
      await timed.close();
    }
  });

  it('every response carries a request id, taken from X-Request-Id when sane', async () => {
    const r = await t.get('/healthz', { 'x-request-id': 'abc-123' });
    expect(r.headers.get('x-request-id')).toBe('abc-123');
    const p = await t.get('/v1/ports/ZZZZZ');
    expect(p.body.request_id).toBe(p.headers.get('x-request-id'));
  });
});

describe('the OpenAPI document', () => {
  it('is lint clean under Redocly\'s recommended rules (summaries, 4xx responses, ...)', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(openApiDocument()), absoluteRef: 'openapi.json', config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`)).toEqual([]);
  });

  it('is served at /openapi.json as OpenAPI 3.1 with valid JSON Schemas and resolvable references', async () => {
    const t = await startTestServer();
    try {
      const r = await t.get('/openapi.json');
      expect(r.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
      const doc = r.body;
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
      // Every component schema compiles under JSON Schema 2020-12 (OpenAPI 3.1's dialect), strictly.
      const ajv = new Ajv2020({ strict: true, strictTypes: false, allowUnionTypes: true });
      ajv.addFormat('date-time', true);
      const fix = (s: unknown): unknown => JSON.parse(JSON.stringify(s).replaceAll('"#/components/schemas/', '"urn:ratestore:doc#/$defs/'));
      ajv.addSchema(fix({ $id: 'urn:ratestore:doc', $defs: doc.components.schemas }) as object);
      for (const [name, schema] of Object.entries(doc.components.schemas)) {
        expect(() => ajv.compile(fix(schema) as object), name).not.toThrow();
      }
      // Every $ref resolves; every operation has an id, responses, and documented path parameters.
      const text = JSON.stringify(doc);
      for (const [, name] of text.matchAll(/"#\/components\/schemas\/(\w+)"/g)) expect(doc.components.schemas[name!], name).toBeDefined();
      const ids = new Set<string>();
      for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
        const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        for (const [method, op] of Object.entries(item)) {
          expect(['get', 'put', 'post', 'delete']).toContain(method);
          expect(op.operationId).toEqual(expect.any(String));
          expect(ids.has(op.operationId)).toBe(false);
          ids.add(op.operationId);
          expect(Object.keys(op.responses).length).toBeGreaterThan(0);
          for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
            expect(status).toMatch(/^[1-5]\d\d$/);
            expect(response.description).toEqual(expect.any(String));
          }
          const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
          expect(declared.sort()).toEqual([...names].sort());
        }
      }
    } finally {
      await t.close();
    }
  });
});
