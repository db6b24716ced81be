import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prices, startTestServer, world, type TestServer } from './helpers.js';

/**
 * `GET /v1/rates?...&percentiles=25,50,75`: each row's `percentiles`, the strict reading of the
 * list, and its place in the cache key. Every answer is checked against the OpenAPI document by
 * the helpers (the parameter, the rows' `percentiles` object, the 400 problem).
 */

const rates = (params: Record<string, string>) => `/v1/rates?${new URLSearchParams(params)}`;

// 2016-03-01: ten prices, 100 to 1000; 2016-03-02: two (below min_count 3); 2016-03-03: none.
const TEN = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
const base = { date_from: '2016-03-01', date_to: '2016-03-03', origin: 'CNSGH', destination: 'NLRTM' };

/** The exact value the percentile q stands for: rank ⌊q/100 · (n − 1)⌋ of the day's sorted prices. */
function exact(sorted: number[], q: number): number {
  return sorted[Math.floor((q / 100) * (sorted.length - 1))]!;
}

/** The guarantee: within 1% (relative) of the exact value. */
function expectNear(value: unknown, wanted: number, what: string): void {
  expect(typeof value, what).toBe('number');
  expect(Math.abs((value as number) - wanted), `${what}: ${String(value)} vs ${wanted}`).toBeLessThanOrEqual(0.01 * wanted);
}

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    items: [...world(), ...prices('CNSGH', 'NLRTM', '2016-03-01', TEN), ...prices('CNSGH', 'NLRTM', '2016-03-02', [150, 250]), ...prices('CNSGH', 'DEHAM', '2016-03-01', [5000])]
  });
});
afterAll(() => t.close());

describe('GET /v1/rates with percentiles', () => {
  it('adds each row\'s percentiles, named p and the number, in the order asked; null where the average is', async () => {
    const r = await t.get(rates({ ...base, percentiles: '75,25,99.9,50' }));
    expect(r.status).toBe(200);
    const [full, thin, empty] = r.body.rows;
    expect(full).toMatchObject({ day: '2016-03-01', average: 550, count: 10, min: 100, max: 1000 });
    expect(Object.keys(full.percentiles)).toEqual(['p75', 'p25', 'p99.9', 'p50']);
    for (const q of [75, 25, 99.9, 50]) expectNear(full.percentiles[`p${q}`], exact(TEN, q), `p${q}`);
    expect(thin).toMatchObject({ count: 2, average: null, percentiles: { p75: null, p25: null, 'p99.9': null, p50: null } });
    expect(empty).toMatchObject({ count: 0, average: null, percentiles: { p75: null, p25: null, 'p99.9': null, p50: null } });
    // The rest of the answer is the answer without percentiles.
    const plain = await t.get(rates(base));
    expect(plain.body.rows.every((row: object) => !('percentiles' in row))).toBe(true);
    expect({ ...r.body, rows: r.body.rows.map(({ percentiles: _, ...row }: { percentiles: unknown }) => row) }).toEqual(plain.body);
  });

  it('follows min_count: a day at min_count has them', async () => {
    const r = await t.get(rates({ ...base, min_count: '2', percentiles: '50' }));
    expectNear(r.body.rows[1].percentiles.p50, exact([150, 250], 50), 'p50 of two prices');
    expect(r.body.rows[2].percentiles).toEqual({ p50: null });
  });

  it('over regions, with widen and as_of', async () => {
    const region = await t.get(rates({ ...base, date_to: '2016-03-01', destination: 'north_europe', percentiles: '50,99' }));
    const all = [...TEN, 5000].sort((a, b) => a - b);
    expectNear(region.body.rows[0].percentiles.p50, exact(all, 50), 'p50 over the region');
    expectNear(region.body.rows[0].percentiles.p99, exact(all, 99), 'p99 over the region');
    // Hamburg alone is too thin for 3 prices: widened to north_europe, with its percentiles.
    const widened = await t.get(rates({ ...base, date_to: '2016-03-01', destination: 'DEHAM', widen: 'true', percentiles: '50,99' }));
    expect(widened.body).toMatchObject({ destination_used: 'north_europe', rows: region.body.rows });
    const before = t.store.version;
    expect((await t.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-03-01', [10_000, 10_000, 10_000, 10_000, 10_000]) })).status).toBe(201);
    const now = await t.get(rates({ ...base, date_to: '2016-03-01', percentiles: '90' }));
    expectNear(now.body.rows[0].percentiles.p90, exact([...TEN, 10_000, 10_000, 10_000, 10_000, 10_000], 90), 'p90 now');
    const then = await t.get(rates({ ...base, date_to: '2016-03-01', percentiles: '90', as_of: String(before) }));
    expect(then.body.version).toBe(before);
    expectNear(then.body.rows[0].percentiles.p90, exact(TEN, 90), 'p90 as of before');
  });

  it('takes up to 9, written any way a plain decimal is; the numbers name the answer and its ETag', async () => {
    const nine = await t.get(rates({ ...base, percentiles: '1,5,10,25,50,75,90,95,99' }));
    expect(nine.status).toBe(200);
    expect(Object.keys(nine.body.rows[0].percentiles)).toEqual(['p1', 'p5', 'p10', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99']);
    const a = await t.get(rates({ ...base, percentiles: '25,50' }));
    const b = await t.get(rates({ ...base, percentiles: '25.0,050.00' }));
    expect(b.body).toEqual(a.body);
    expect(Object.keys(b.body.rows[0].percentiles)).toEqual(['p25', 'p50']);
    expect(b.headers.get('etag')).toBe(a.headers.get('etag'));
    expect((await t.get(rates({ ...base, percentiles: '25,50' }), { 'if-none-match': a.headers.get('etag')! })).status).toBe(304);
    // Another list, or none, is another answer: not served from the cache, not matched by the tag.
    const other = await t.get(rates({ ...base, percentiles: '50,25' }));
    expect(Object.keys(other.body.rows[0].percentiles)).toEqual(['p50', 'p25']);
    expect(other.headers.get('etag')).not.toBe(a.headers.get('etag'));
    const plain = await t.get(rates(base), { 'if-none-match': a.headers.get('etag')! });
    expect(plain.status).toBe(200);
    expect(plain.body.rows[0]).not.toHaveProperty('percentiles');
  });

  it.each([
    ['', 'an empty list'], [',', 'empty elements'], ['25,', 'a trailing comma'], ['25,,50', 'an empty element'], [' 25', 'a space'], ['25, 50', 'a space after a comma'],
    ['abc', 'text'], ['-5', 'a sign'], ['+25', 'a plus sign'], ['.5', 'no integer part'], ['5.', 'no decimals after the point'], ['1e1', 'an exponent'],
    ['0x10', 'hexadecimal'], ['NaN', 'NaN'], ['Infinity', 'Infinity'], ['25;50', 'another separator'], ['0', '0'], ['100', '100'], ['0.0', 'zero written long'],
    ['150', 'above 100'], ['99.99999999999999999', 'a number that reads as 100'], ['25,25', 'a repeat'], ['25,25.0', 'a repeat written another way'],
    ['1,2,3,4,5,6,7,8,9,10', 'more than 9'], ['[25,50]', 'JSON']
  ])('refuses %j (%s): 400 RATESTORE_INVALID_PARAMETER naming percentiles', async (list) => {
    const r = await t.get(rates({ ...base, percentiles: list }));
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 400, code: 'RATESTORE_INVALID_PARAMETER', parameter: 'percentiles' });
    expect(r.body.detail).toMatch(/^the query parameter percentiles must be 1 to 9 distinct numbers, each above 0 and below 100/);
    expect(r.text).not.toMatch(/\bat .*\.(?:ts|js):\d+/);
    expect(r.body).not.toHaveProperty('stack');
  });

  it('refuses the parameter given twice, and checks it before If-None-Match', async () => {
    const twice = await t.get(`${rates(base)}&percentiles=25&percentiles=50`);
    expect(twice.body).toMatchObject({ status: 400, code: 'RATESTORE_INVALID_PARAMETER', parameter: 'percentiles' });
    expect((await t.get(rates({ ...base, percentiles: '0' }), { 'if-none-match': '*' })).status).toBe(400);
  });

  it('is not a parameter of the original GET /rates, which answers as it always has', async () => {
    const original = (params: Record<string, string>) => `/rates?${new URLSearchParams(params)}`;
    const plain = await t.get(original(base));
    const asked = await t.get(original({ ...base, percentiles: '25,50,75' }));
    expect(asked.status).toBe(200);
    expect(asked.body).toEqual(plain.body);
    expect(asked.body[0]).toEqual({ day: '2016-03-01', average_price: expect.any(Number) });
  });

  it('answers the rows of the guide\'s example, from the four prices it names', async () => {
    const guide = readFileSync(new URL('../../../docs/guide.md', import.meta.url), 'utf8');
    const block = /`percentiles=25,50,75` adds to each row[\s\S]*?```json\n([\s\S]*?)```/.exec(guide);
    expect(block, 'the guide\'s percentiles example').not.toBeNull();
    const shown = JSON.parse(block![1]!) as { origin: string; destination: string; date_from: string; date_to: string; rows: unknown[] };
    // The example reads the Quick start's data, whose lane holds these four prices on its first day
    // (to two ports of north_europe_main); here they go to one port, which answers the same rows.
    const example = await startTestServer({ items: [...world(), ...prices('CNSGH', 'NLRTM', '2016-01-02', [1031, 1068, 1269, 1293])] });
    try {
      expect(shown.destination).toBe('north_europe_main');
      const r = await example.get(rates({ date_from: shown.date_from, date_to: shown.date_to, origin: shown.origin, destination: 'NLRTM', percentiles: '25,50,75' }));
      expect(r.body.rows).toEqual(shown.rows);
    } finally {
      await example.close();
    }
  });
});
