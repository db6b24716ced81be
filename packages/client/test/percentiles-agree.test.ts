import { Ratestore } from '@ratestore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedRatestoreClient, RatestoreClient, RatestoreClientError, type BatchItem } from '../src/embedded.js';
import type { DetailedRatesQuery } from '../src/index.js';
import { startServerProcess, world, type ServerProcess } from './helpers.js';

/**
 * `ratesDetailed({ percentiles })` through the remote client (a real server process) and the
 * embedded one (an in-process store), both given the same batches: the same answers, to the last
 * digit, and the same refusals.
 */

let server: ServerProcess;
let store: Ratestore;
let remote: RatestoreClient;
let embedded: EmbeddedRatestoreClient;

/** Prices of two lanes over a few days, 0 to 40 a day, from a fixed sequence. */
function batch(): BatchItem[] {
  const items: BatchItem[] = [];
  let seed = 7;
  for (let day = 1; day <= 6; day++) {
    for (let i = 0; i < (day * 7) % 41; i++) {
      seed = (seed * 48271) % 2147483647;
      items.push({ origin: i % 3 === 0 ? 'CNNGB' : 'CNSGH', destination: i % 2 === 0 ? 'DEHAM' : 'NLRTM', day: `2018-02-0${day}`, price: (50_000 + (seed % 200_000)) / 100 });
    }
  }
  return items;
}

beforeAll(async () => {
  server = await startServerProcess();
  store = new Ratestore({ memory: true });
  await store.open();
  remote = new RatestoreClient({ baseUrl: server.url, retries: false });
  embedded = new EmbeddedRatestoreClient({ store });
  for (const client of [remote, embedded]) {
    await client.uploadBatch(world(), { batchId: 'world' });
    await client.uploadBatch(batch(), { batchId: 'prices' });
  }
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.stop(), store?.close()]);
});

describe('percentiles through both clients', () => {
  it.each([
    [{ origin: 'china', destination: 'europe', percentiles: [25, 50, 75] }],
    [{ origin: 'CNSGH', destination: 'NLRTM', percentiles: [99.9, 0.5, 10] }],
    [{ origin: 'CNNGB', destination: 'DEHAM', minCount: 1, percentiles: [50] }],
    [{ origin: 'CNNGB', destination: 'DEHAM', widen: true, percentiles: [5, 95] }],
    [{ origin: 'china', destination: 'europe', asOf: 1, percentiles: [50] }]
  ])('answer alike: %j', async (query: Omit<DetailedRatesQuery, 'dateFrom' | 'dateTo'>) => {
    const q: DetailedRatesQuery = { dateFrom: '2018-02-01', dateTo: '2018-02-07', ...query };
    const [a, b] = await Promise.all([remote.ratesDetailed(q), embedded.ratesDetailed(q)]);
    expect(a).toEqual(b);
    // Not a vacuous agreement: some day has percentiles (none before the prices' version).
    const known = a.rows.flatMap((row) => Object.values(row.percentiles ?? {})).filter((value) => value !== null);
    expect(known.length > 0).toBe(q.asOf === undefined);
  });

  it('refuse alike, the remote one without asking the server', async () => {
    const q = { dateFrom: '2018-02-01', dateTo: '2018-02-07', origin: 'china', destination: 'europe' };
    for (const percentiles of [[], [0], [25, 25], [1e-400], [50, '75'], 'all']) {
      const [a, b] = await Promise.all([remote.ratesDetailed({ ...q, percentiles: percentiles as never }).catch((e: unknown) => e), embedded.ratesDetailed({ ...q, percentiles: percentiles as never }).catch((e: unknown) => e)]);
      for (const error of [a, b]) expect(error).toBeInstanceOf(RatestoreClientError);
      const { code, status, parameter, field, message, attempts } = a as RatestoreClientError;
      expect({ code, status, parameter, field, message, attempts }).toEqual({ ...pick(b as RatestoreClientError), attempts: undefined });
    }
  });
});

function pick(error: RatestoreClientError) {
  return { code: error.code, status: error.status, parameter: error.parameter, field: error.field, message: error.message };
}
