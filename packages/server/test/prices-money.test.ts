/**
 * Prices that are not money are refused in every format, as written: the HTTP batch formats, the
 * files `ratestore import` reads (a PostgreSQL dump included) and `POST /rates`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Ratestore } from '@ratestore/core';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/ratestask-dump.js';
import { useTestServer, world } from './helpers.js';

// Was a bug: these were stored (the first three as 0 cents, the fourth as 1), or, for the fifth,
// which JSON parses to the double 1, could not be told from money at all.
const NOT_MONEY = ['1e-9', '4e-9', '1e-300', '1.000000001', '1.0000000000000000001', '1.001', '12.3456e1', '0.00'];
// Money however it is written: trailing zeros and exponents are fine.
const MONEY: Array<[string, number]> = [['1.000', 1], ['1.5e2', 150], ['12.30', 12.3], ['0.01', 0.01], ['1234.5', 1234.5]];

const route = { origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01' };
const bodies = {
  json: (prices: string[]) => `[${prices.map((p) => `{"origin":"CNSGH","destination":"NLRTM","day":"2016-01-01","price":${p}}`).join(',\n')}]`,
  ndjson: (prices: string[]) => prices.map((p) => `{"origin":"CNSGH","destination":"NLRTM","day":"2016-01-01","price":${p}}\n`).join(''),
  csv: (prices: string[]) => `origin,destination,day,price\n${prices.map((p) => `CNSGH,NLRTM,2016-01-01,${p}\n`).join('')}`
};
const types = { json: 'application/json', ndjson: 'application/x-ndjson', csv: 'text/csv' };
const expectedIssues = NOT_MONEY.map((_, i) => ({ index: i + 1, field: 'price', code: 'RATESTORE_INVALID_PRICE' }));

describe('prices that are not money, over HTTP', () => {
  const server = useTestServer({ items: world() });

  for (const format of ['json', 'ndjson', 'csv'] as const) {
    it(`${format}: refused as written with RATESTORE_INVALID_PRICE at each item; money in any notation is stored exactly`, async () => {
      const t = server();
      const version = t.store.version;
      const bad = await t.call('POST', '/v1/batches', { raw: bodies[format](['100', ...NOT_MONEY]), type: types[format] });
      expect(bad.status).toBe(422);
      expect(bad.body.issues.map(({ index, field, code }: { index: number; field: string; code: string }) => ({ index, field, code }))).toEqual(expectedIssues);
      expect(t.store.version).toBe(version);

      const good = await t.call('POST', '/v1/batches', { raw: bodies[format](MONEY.map(([text]) => text)), type: types[format] });
      expect(good.status).toBe(201);
      const stored = await t.store.rates({ ...route, dateFrom: route.day, dateTo: route.day, minCount: 1, asOf: good.body.version });
      const before = await t.store.rates({ ...route, dateFrom: route.day, dateTo: route.day, minCount: 1, asOf: version });
      const values = MONEY.map(([, value]) => value);
      expect(stored.rows[0]!.count - before.rows[0]!.count).toBe(values.length);
      expect(stored.rows[0]!.min).toBe(Math.min(...values, ...(before.rows[0]!.min === null ? [] : [before.rows[0]!.min])));
    });
  }

  it('POST /rates: a price that is not money is 400 RATESTORE_INVALID_PRICE naming price, in any currency', async () => {
    const t = server();
    const version = t.store.version;
    const body = { date_from: '2016-02-01', date_to: '2016-02-02', origin_code: 'CNSGH', destination_code: 'NLRTM' };
    for (const price of [1e-9, 4e-9, 1e-300, 1.000000001, 1.001, 0, -5, '100']) {
      for (const currency of ['USD', 'EUR']) {
        const r = await t.call('POST', '/rates', { body: { ...body, price, currency } });
        expect([price, currency, r.status, r.body.code, r.body.parameter]).toEqual([price, currency, 400, 'RATESTORE_INVALID_PRICE', 'price']);
      }
    }
    // Money in yen that converts to less than a cent is no price either.
    const tiny = await t.call('POST', '/rates', { body: { ...body, price: 0.01, currency: 'JPY' } });
    expect([tiny.status, tiny.body.code, tiny.body.parameter]).toEqual([400, 'RATESTORE_INVALID_PRICE', 'price']);
    expect(t.store.version).toBe(version);
    const fine = await t.call('POST', '/rates', { body: { ...body, price: 1234.5 } });
    expect(fine.status).toBe(201);
    expect(fine.body.price_usd).toBe(1234.5);
  });
});

describe('prices that are not money, in imported files', () => {
  const files = tempDir();
  afterAll(() => files.cleanup());
  const catalog = 'CNSGH\tShanghai\tchina\nNLRTM\tRotterdam\teurope\n';
  const dump = (prices: string[]) => [
    'COPY regions (slug, name, parent_slug) FROM stdin;', 'china\tChina\t\\N', 'europe\tEurope\t\\N', '\\.', '',
    'COPY ports (code, name, parent_slug) FROM stdin;', catalog.trimEnd(), '\\.', '',
    'COPY prices (orig_code, dest_code, day, price) FROM stdin;', ...prices.slice(0, 4).map((p) => `CNSGH\tNLRTM\t2016-01-01\t${p}`), '\\.', '',
    ...prices.slice(4).map((p) => `INSERT INTO prices VALUES ('CNSGH', 'NLRTM', '2016-01-01', ${p});`), ''
  ].join('\n');

  it('a dump, CSV and NDJSON with such prices are rejected whole, each bad price named', async () => {
    const data = `${files.dir}/data`;
    const seed = files.file('seed.ndjson', '{"type":"region","slug":"china","name":"China"}\n{"type":"region","slug":"europe","name":"Europe"}\n' +
      '{"type":"port","code":"CNSGH","name":"Shanghai","region":"china"}\n{"type":"port","code":"NLRTM","name":"Rotterdam","region":"europe"}\n');
    expect((await cli(['import', seed, '--data', data])).code).toBe(0);
    const cases: Array<[string, string, number]> = [
      ['bad.sql', dump(['100', ...NOT_MONEY]), 4], // the regions and ports come first in the dump's items
      ['bad.csv', bodies.csv(['100', ...NOT_MONEY]), 0],
      ['bad.ndjson', bodies.ndjson(['100', ...NOT_MONEY]), 0]
    ];
    for (const [name, text, offset] of cases) {
      const run = await cli(['import', files.file(name, text), '--data', data]);
      expect([name, run.code]).toEqual([name, 1]);
      expect(run.stderr).toContain(`${name} was rejected: ${NOT_MONEY.length} problems in its items`);
      const named = [...run.stderr.matchAll(/item (\d+) \(line \d+\): price RATESTORE_INVALID_PRICE/g)].map((m) => Number(m[1]));
      expect([name, named]).toEqual([name, NOT_MONEY.map((_, i) => i + 1 + offset)]);
    }
    const good = await cli(['import', files.file('good.sql', dump(MONEY.map(([text]) => text))), '--data', data]);
    expect(good.stderr).toBe('');
    const store = new Ratestore({ location: data });
    await store.open();
    try {
      const { rows } = await store.rates({ ...route, dateFrom: route.day, dateTo: route.day, minCount: 1 });
      const values = MONEY.map(([, value]) => value);
      expect(rows[0]).toMatchObject({ count: values.length, min: Math.min(...values), max: Math.max(...values) });
      expect(rows[0]!.average! * values.length).toBeCloseTo(values.reduce((a, b) => a + b, 0), 9);
    } finally {
      await store.close();
    }
  });
});
