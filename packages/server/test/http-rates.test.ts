import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileRateSource, OpenExchangeRatesSource, toUsd, type ExchangeRateSource } from '../src/currency.js';
import { HttpProblem } from '../src/http/problem.js';
import { prices, startTestServer, world, type TestServer } from './helpers.js';

const q = (params: Record<string, string>) => `/rates?${new URLSearchParams(params)}`;

describe('original API: GET /rates', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      items: [
        ...world(),
        ...prices('CNSGH', 'NLRTM', '2016-01-01', [1000, 1001, 1002]), // 1001
        ...prices('CNSGH', 'NLRTM', '2016-01-02', [100, 100, 101, 101]), // 100.5 -> 101
        ...prices('CNSGH', 'NLRTM', '2016-01-03', [1112, 1113, 1112, 1113]), // 1112.5 -> 1113
        ...prices('CNSGH', 'NLRTM', '2016-01-04', [500, 600]), // 2 prices -> null
        ...prices('CNSGH', 'DEHAM', '2016-01-04', [800]), // region total 3 prices -> 633.33 -> 633
        ...prices('CNSGH', 'NLRTM', '2016-01-06', [10.25, 10.25, 10.24]), // 10.2466 -> 10
        ...prices('NLRTM', 'NLRTM', '2016-01-01', [5, 6, 7])
      ]
    });
  });
  afterAll(() => t.close());

  it('answers a bare list, one entry per day in order, integer averages rounded half up, null below 3 prices', async () => {
    const r = await t.get(q({ date_from: '2016-01-01', date_to: '2016-01-07', origin: 'CNSGH', destination: 'NLRTM' }));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toEqual([
      { day: '2016-01-01', average_price: 1001 },
      { day: '2016-01-02', average_price: 101 },
      { day: '2016-01-03', average_price: 1113 },
      { day: '2016-01-04', average_price: null },
      { day: '2016-01-05', average_price: null },
      { day: '2016-01-06', average_price: 10 },
      { day: '2016-01-07', average_price: null }
    ]);
  });

  it('takes region slugs at any depth, and the same origin and destination', async () => {
    const nested = await t.get(q({ date_from: '2016-01-04', date_to: '2016-01-04', origin: 'china', destination: 'europe' }));
    expect(nested.body).toEqual([{ day: '2016-01-04', average_price: 633 }]);
    const direct = await t.get(q({ date_from: '2016-01-04', date_to: '2016-01-04', origin: 'CNSGH', destination: 'north_europe' }));
    expect(direct.body).toEqual([{ day: '2016-01-04', average_price: 633 }]);
    const same = await t.get(q({ date_from: '2016-01-01', date_to: '2016-01-01', origin: 'NLRTM', destination: 'NLRTM' }));
    expect(same.body).toEqual([{ day: '2016-01-01', average_price: 6 }]);
  });

  const base = { date_from: '2016-01-01', date_to: '2016-01-02', origin: 'CNSGH', destination: 'NLRTM' };
  const cases: Array<[string, Record<string, string>, string, string]> = [
    ['missing date_from', { ...base, date_from: '' }, 'RATESTORE_MISSING_PARAMETER', 'date_from'],
    ['missing date_to', (({ date_to: _, ...rest }) => rest)(base), 'RATESTORE_MISSING_PARAMETER', 'date_to'],
    ['missing origin', (({ origin: _, ...rest }) => rest)(base), 'RATESTORE_MISSING_PARAMETER', 'origin'],
    ['missing destination', (({ destination: _, ...rest }) => rest)(base), 'RATESTORE_MISSING_PARAMETER', 'destination'],
    ['impossible date', { ...base, date_from: '2016-02-30' }, 'RATESTORE_INVALID_DATE', 'date_from'],
    ['unpadded date', { ...base, date_to: '2016-1-1' }, 'RATESTORE_INVALID_DATE', 'date_to'],
    ['word for a date', { ...base, date_from: 'yesterday' }, 'RATESTORE_INVALID_DATE', 'date_from'],
    ['reversed range', { ...base, date_from: '2016-01-03' }, 'RATESTORE_DATE_RANGE_REVERSED', 'date_from'],
    ['range over the cap', { ...base, date_from: '2016-01-01', date_to: '2017-01-01' }, 'RATESTORE_RANGE_TOO_LONG', 'date_to'],
    ['unknown port', { ...base, origin: 'XXXXX' }, 'RATESTORE_UNKNOWN_LOCATION', 'origin'],
    ['unknown region', { ...base, destination: 'atlantis' }, 'RATESTORE_UNKNOWN_LOCATION', 'destination']
  ];
  for (const [name, params, code, parameter] of cases) {
    it(`400 for ${name}`, async () => {
      const r = await t.get(q(params));
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ status: 400, code, parameter });
      expect(r.body.detail).toEqual(expect.any(String));
    });
  }

  it('accepts a range of exactly 366 days', async () => {
    const r = await t.get(q({ ...base, date_from: '2016-01-01', date_to: '2016-12-31' }));
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(366);
  });

  it('400 for a parameter given twice', async () => {
    const r = await t.get('/rates?date_from=2016-01-01&date_from=2016-01-02&date_to=2016-01-02&origin=CNSGH&destination=NLRTM');
    expect(r.body).toMatchObject({ code: 'RATESTORE_INVALID_PARAMETER', parameter: 'date_from' });
  });
});

describe('original API: POST /rates', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ items: world() });
  });
  afterAll(() => t.close());

  it('stores the price for every day of the range as one batch and answers 201 with the version', async () => {
    const before = t.store.version;
    for (let i = 0; i < 3; i++) {
      const r = await t.call('POST', '/rates', { body: { date_from: '2016-03-01', date_to: '2016-03-05', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 1000 + i } });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ version: before + i + 1, counts: { prices: 5, ports: 0, regions: 0 }, price_usd: 1000 + i });
    }
    const rates = await t.get(q({ date_from: '2016-03-01', date_to: '2016-03-06', origin: 'CNSGH', destination: 'north_europe' }));
    expect(rates.body.map((row: { average_price: number | null }) => row.average_price)).toEqual([1001, 1001, 1001, 1001, 1001, null]);
  });

  it('converts other currencies to USD from the rates file', async () => {
    const r = await t.call('POST', '/rates', { body: { date_from: '2016-04-01', date_to: '2016-04-01', origin_code: 'CNSGH', destination_code: 'DEHAM', price: 961.4, currency: 'EUR' } });
    expect(r.status).toBe(201);
    expect(r.body.price_usd).toBe(1000);
    const lower = await t.call('POST', '/rates', { body: { date_from: '2016-04-01', date_to: '2016-04-01', origin_code: 'CNSGH', destination_code: 'DEHAM', price: 100, currency: 'usd' } });
    expect(lower.body.price_usd).toBe(100);
  });

  it('rejects an unknown currency with 400 and writes nothing', async () => {
    const version = t.store.version;
    const r = await t.call('POST', '/rates', { body: { date_from: '2016-04-01', date_to: '2016-04-02', origin_code: 'CNSGH', destination_code: 'DEHAM', price: 100, currency: 'XYZ' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'RATESTORE_UNKNOWN_CURRENCY', parameter: 'currency' });
    expect(t.store.version).toBe(version);
  });

  const good = { date_from: '2016-04-01', date_to: '2016-04-02', origin_code: 'CNSGH', destination_code: 'DEHAM', price: 100 };
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['a missing member', (({ price: _, ...rest }) => rest)(good), 'RATESTORE_MISSING_PARAMETER', 'price'],
    ['an invalid date', { ...good, date_to: '2016-02-30' }, 'RATESTORE_INVALID_DATE', 'date_to'],
    ['a first day the store does not take', { ...good, date_from: '1899-12-31', date_to: '1900-01-01' }, 'RATESTORE_INVALID_DATE', 'date_from'],
    ['a last day the store does not take', { ...good, date_from: '2999-12-31', date_to: '3000-01-01' }, 'RATESTORE_INVALID_DATE', 'date_to'],
    ['a reversed range', { ...good, date_from: '2016-05-01' }, 'RATESTORE_DATE_RANGE_REVERSED', 'date_from'],
    ['a negative price', { ...good, price: -5 }, 'RATESTORE_INVALID_PRICE', 'price'],
    ['a price as text', { ...good, price: '100' }, 'RATESTORE_INVALID_PRICE', 'price'],
    ['an unknown port', { ...good, destination_code: 'ZZZZZ' }, 'RATESTORE_UNKNOWN_PORT', 'destination_code'],
    ['a price with 3 decimals', { ...good, price: 1.005 }, 'RATESTORE_INVALID_PRICE', 'price']
  ];
  for (const [name, body, code, parameter] of cases) {
    it(`400 for ${name}`, async () => {
      const version = t.store.version;
      const r = await t.call('POST', '/rates', { body });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code, parameter });
      expect(t.store.version).toBe(version);
    });
  }

  it('400 for malformed JSON, for a JSON array and for an empty body', async () => {
    const bad = await t.call('POST', '/rates', { raw: '{"date_from":', type: 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('RATESTORE_MALFORMED_BODY');
    const list = await t.call('POST', '/rates', { body: [1, 2] });
    expect(list.body).toMatchObject({ status: 400, code: 'RATESTORE_MALFORMED_BODY' });
    const none = await t.call('POST', '/rates', {});
    expect(none.body).toMatchObject({ status: 400, code: 'RATESTORE_MISSING_PARAMETER', parameter: 'date_from' });
  });

  it('a retried POST with the same Idempotency-Key returns the first result', async () => {
    const headers = { 'idempotency-key': 'post-rates-retry-1' };
    const first = await t.call('POST', '/rates', { body: good, headers });
    const again = await t.call('POST', '/rates', { body: good, headers });
    expect(again.body).toEqual(first.body);
    expect(t.store.version).toBe(first.body.version);
  });
});

describe('original API: POST /rates retried', () => {
  let down = false;
  const rates: ExchangeRateSource = {
    description: 'test rates',
    rate: async (currency) => {
      if (down) throw new HttpProblem(502, 'RATESTORE_CURRENCY_UNAVAILABLE', 'exchange rates are unavailable: test');
      return currency === 'EUR' ? 0.8 : undefined;
    }
  };
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ items: [...world(), ...prices('CNSGH', 'NLRTM', '2016-07-01', [10, 20.5])], exchangeRates: rates });
  });
  afterAll(() => t.close());
  const body = { date_from: '2016-07-01', date_to: '2016-07-03', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 1000.01, currency: 'EUR' };

  it('answers what the first request answered, price_usd included, without converting again', async () => {
    down = false;
    const headers = { 'idempotency-key': 'post-rates-eur' };
    const first = await t.call('POST', '/rates', { body, headers });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ counts: { prices: 3 }, price_usd: 1250.01 });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // A later price on the same day, and the exchange-rate source goes down.
    expect((await t.call('POST', '/rates', { body: { ...body, date_to: '2016-07-01', price: 80 } })).status).toBe(201);
    down = true;
    expect((await t.call('POST', '/rates', { body })).body).toMatchObject({ status: 502, code: 'RATESTORE_CURRENCY_UNAVAILABLE' });
    const version = t.store.version;
    const again = await t.call('POST', '/rates', { body, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(t.store.version).toBe(version);
  });

  it('refuses a key reused for another route or range with 409, a bad retry with 400, and a batch whose history is folded', async () => {
    down = false;
    // A batch committed without a fingerprint (by the engine, the CLI, or before fingerprints were
    // kept) replays for a request that names its route and first day, and is 409 for any other.
    await t.store.write([{ origin: 'CNSGH', destination: 'NLRTM', day: '2016-07-01', price: 1000.01 }], { batchId: 'unmarked' });
    const unmarked = { ...body, currency: 'USD', date_to: '2016-07-01' };
    expect((await t.call('POST', '/rates', { body: unmarked, headers: { 'idempotency-key': 'unmarked' } })).body).toMatchObject({ batch_id: 'unmarked', price_usd: 1000.01 });
    expect((await t.call('POST', '/rates', { body: { ...unmarked, destination_code: 'DEHAM' }, headers: { 'idempotency-key': 'unmarked' } })).body).toMatchObject({ status: 409, code: 'RATESTORE_IDEMPOTENCY_MISMATCH' });
    const headers = { 'idempotency-key': 'post-rates-other' };
    expect((await t.call('POST', '/rates', { body: { ...body, currency: 'USD' }, headers })).body.price_usd).toBe(1000.01);
    const version = t.store.version;
    for (const other of [{ destination_code: 'DEHAM' }, { date_from: '2016-06-30' }]) {
      const r = await t.call('POST', '/rates', { body: { ...body, ...other }, headers });
      expect(r.body).toMatchObject({ status: 409, code: 'RATESTORE_IDEMPOTENCY_MISMATCH', parameter: 'batch_id' });
    }
    // A request is checked before it is compared: a bad one is its 400 under any key.
    expect((await t.call('POST', '/rates', { body: { ...body, origin_code: 42 }, headers })).body).toMatchObject({ status: 400, code: 'RATESTORE_INVALID_PARAMETER', parameter: 'origin_code' });
    await t.store.compact({ retainVersions: 0 });
    expect(t.store.retainedFrom).toBe(version);
    const folded = await t.call('POST', '/rates', { body: { ...body, currency: 'USD' }, headers });
    expect(folded.body).toMatchObject({ status: 409, code: 'RATESTORE_VERSION_NOT_RETAINED', parameter: 'batch_id' });
    expect(t.store.version).toBe(version);
  });
});

describe('original API: POST /rates limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ items: world(), config: { limits: { jsonBodyBytes: 300, postRangeDays: 10 } as never } });
  });
  afterAll(() => t.close());
  const body = { date_from: '2016-01-01', date_to: '2016-01-10', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 100 };

  it('limits.postRangeDays: a range of exactly the limit is stored, one day more is 400 and writes nothing', async () => {
    const ok = await t.call('POST', '/rates', { body });
    expect(ok.status).toBe(201);
    expect(ok.body.counts.prices).toBe(10);
    const version = t.store.version;
    const long = await t.call('POST', '/rates', { body: { ...body, date_to: '2016-01-11' } });
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ code: 'RATESTORE_RANGE_TOO_LONG', parameter: 'date_to' });
    expect(long.body.detail).toMatch(/11 days; at most 10/);
    expect(t.store.version).toBe(version);
  });

  it('limits.jsonBodyBytes: a larger JSON body is 413, on POST /rates and the other small JSON bodies, and writes nothing', async () => {
    const version = t.store.version;
    const padded = { ...body, note: 'x'.repeat(300) };
    const rates = await t.call('POST', '/rates', { body: padded });
    expect(rates.status).toBe(413);
    expect(rates.body).toMatchObject({ code: 'RATESTORE_BODY_TOO_LARGE' });
    expect(rates.body.detail).toMatch(/300 bytes/);
    expect((await t.call('PUT', '/v1/ports/NLRTM', { body: { name: 'x'.repeat(400), region: 'north_europe' } })).body).toMatchObject({ status: 413, code: 'RATESTORE_BODY_TOO_LARGE' });
    expect((await t.call('POST', '/v1/uploads', { body: { batch_id: 'a', pad: 'x'.repeat(400) } })).body).toMatchObject({ status: 413, code: 'RATESTORE_BODY_TOO_LARGE' });
    expect(t.store.version).toBe(version);
    expect(await t.store.stagedBatches()).toEqual([]);
  });
});

describe('exchange-rate sources', () => {
  it('the default file has a date and a USD base', async () => {
    const doc = await new FileRateSource().load();
    expect(doc.base).toBe('USD');
    expect(doc.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(doc.rates.EUR).toBeGreaterThan(0);
  });

  it('an openexchangerates-compatible endpoint is used when an app id is configured, and cached', async () => {
    let hits = 0;
    let fail = false;
    const fake = http.createServer((req, res) => {
      hits++;
      const url = new URL(req.url!, 'http://x');
      if (fail || url.pathname !== '/api/latest.json' || url.searchParams.get('app_id') !== 'test-app') {
        res.writeHead(fail ? 500 : 401).end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ timestamp: 1451606400, base: 'USD', rates: { USD: 1, EUR: 0.5, GBP: 0.25 } }));
    });
    fake.listen(0, '127.0.0.1');
    await once(fake, 'listening');
    const endpoint = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/api`;
    const t = await startTestServer({ items: world(), config: { currency: { appId: 'test-app', endpoint, cacheSeconds: 3600 } } });
    try {
      const r = await t.call('POST', '/rates', { body: { date_from: '2016-01-01', date_to: '2016-01-01', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 50, currency: 'EUR' } });
      expect(r.status).toBe(201);
      expect(r.body.price_usd).toBe(100);
      const gbp = await t.call('POST', '/rates', { body: { date_from: '2016-01-01', date_to: '2016-01-01', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 50, currency: 'GBP' } });
      expect(gbp.body.price_usd).toBe(200);
      expect(hits).toBe(1);
      const unknown = await t.call('POST', '/rates', { body: { date_from: '2016-01-01', date_to: '2016-01-01', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 50, currency: 'JPY' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.code).toBe('RATESTORE_UNKNOWN_CURRENCY');
      // A failing endpoint with nothing cached is a 502.
      fail = true;
      const cold = new OpenExchangeRatesSource({ endpoint, appId: 'test-app', cacheSeconds: 0 });
      await expect(toUsd(cold, 10, 'EUR')).rejects.toMatchObject({ status: 502, code: 'RATESTORE_CURRENCY_UNAVAILABLE' });
    } finally {
      await t.close();
      fake.close();
    }
  });
});
