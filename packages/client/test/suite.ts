/**
 * The behaviour suite of the client interface: run against the remote client (a real server process)
 * and against the embedded client (an in-process store), so both behave alike.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RatestoreClientError, type BatchItem, type RatestoreApi, type UploadProgress } from '../src/index.js';
import { expectedCounts, priceStream, world } from './helpers.js';

export interface Harness {
  client: RatestoreApi;
  close(): Promise<void>;
}

const price = (origin: string, destination: string, day: string, value: number): BatchItem => ({ origin, destination, day, price: value });

/** Resolves the error a promise rejects with (and fails when it resolves). */
async function failure(promise: Promise<unknown>): Promise<RatestoreClientError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RatestoreClientError);
    return error as RatestoreClientError;
  }
  throw new Error('expected a rejection');
}

/** The latest version, read through the interface. */
async function latest(client: RatestoreApi): Promise<number> {
  return (await client.ratesDetailed({ dateFrom: '2016-01-01', dateTo: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM' })).version;
}

export function behaviourSuite(name: string, start: () => Promise<Harness>): void {
  describe(`client behaviour: ${name}`, () => {
    let harness: Harness;
    let client: RatestoreApi;
    let worldVersion: number;

    beforeAll(async () => {
      harness = await start();
      client = harness.client;
      worldVersion = (await client.uploadBatch(world(), { batchId: 'world' })).version;
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('rates: the original list, rounded halves up, null below 3 prices, every day of the range, regions nested', async () => {
      await client.uploadBatch([
        ...[1000, 1001, 1002, 1002].map((v) => price('CNSGH', 'NLRTM', '2017-03-01', v)),
        ...[1, 2, 3, 4].map((v) => price('CNNGB', 'DEHAM', '2017-03-01', v)),
        ...[10, 20].map((v) => price('CNSGH', 'NLRTM', '2017-03-02', v))
      ]);
      expect(await client.rates({ dateFrom: '2017-03-01', dateTo: '2017-03-03', origin: 'CNSGH', destination: 'NLRTM' })).toEqual([
        { day: '2017-03-01', averagePrice: 1001 },
        { day: '2017-03-02', averagePrice: null },
        { day: '2017-03-03', averagePrice: null }
      ]);
      // 1, 2, 3, 4 average 2.5: rounds up to 3.
      expect(await client.rates({ dateFrom: '2017-03-01', dateTo: '2017-03-01', origin: 'CNNGB', destination: 'DEHAM' })).toEqual([{ day: '2017-03-01', averagePrice: 3 }]);
      // Both routes from china to europe: (4 * 1001.25 + 10) / 8 = 501.875.
      expect(await client.rates({ dateFrom: '2017-03-01', dateTo: '2017-03-01', origin: 'china', destination: 'europe' })).toEqual([{ day: '2017-03-01', averagePrice: 502 }]);
    });

    it('ratesDetailed: exact rows, minCount, the version read and asOf', async () => {
      const before = await latest(client);
      const { version } = await client.uploadBatch([1000, 1300, 1100.5].map((v) => price('CNNGB', 'NLRTM', '2017-04-01', v)));
      expect(version).toBe(before + 1);
      const detailed = await client.ratesDetailed({ dateFrom: '2017-04-01', dateTo: '2017-04-02', origin: 'china', destination: 'north_europe' });
      expect(detailed).toEqual({
        version,
        rows: [
          { day: '2017-04-01', average: 1133.5, count: 3, min: 1000, max: 1300 },
          { day: '2017-04-02', average: null, count: 0, min: null, max: null }
        ]
      });
      const strict = await client.ratesDetailed({ dateFrom: '2017-04-01', dateTo: '2017-04-01', origin: 'CNNGB', destination: 'NLRTM', minCount: 4 });
      expect(strict.rows[0]).toMatchObject({ average: null, count: 3 });
      const earlier = await client.ratesDetailed({ dateFrom: '2017-04-01', dateTo: '2017-04-01', origin: 'CNNGB', destination: 'NLRTM', asOf: before });
      expect(earlier).toEqual({ version: before, rows: [{ day: '2017-04-01', average: null, count: 0, min: null, max: null }] });
      // Too thin for 4 prices: widened to parent regions, and named.
      const widened = await client.ratesDetailed({ dateFrom: '2017-04-01', dateTo: '2017-04-01', origin: 'CNNGB', destination: 'NLRTM', minCount: 4, widen: true });
      expect(widened.originUsed === 'CNNGB' && widened.destinationUsed === 'NLRTM').toBe(false);
      const used = await client.ratesDetailed({ dateFrom: '2017-04-01', dateTo: '2017-04-01', origin: widened.originUsed!, destination: widened.destinationUsed!, minCount: 4 });
      expect(widened).toEqual({ ...used, originUsed: widened.originUsed, destinationUsed: widened.destinationUsed });
    });

    it('ratesDetailed with percentiles: each row\'s, named p and the number, in the order asked, null below minCount', async () => {
      const ten = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
      await client.uploadBatch([...ten.map((v) => price('CNSGH', 'DEHAM', '2017-05-01', v)), ...[10, 20].map((v) => price('CNSGH', 'DEHAM', '2017-05-02', v))]);
      const q = { dateFrom: '2017-05-01', dateTo: '2017-05-03', origin: 'CNSGH', destination: 'DEHAM' };
      const asked = await client.ratesDetailed({ ...q, percentiles: [75, 25, 50] });
      const rows = asked.rows;
      expect(Object.keys(rows[0]!.percentiles!)).toEqual(['p75', 'p25', 'p50']);
      // Within 1% of the price at rank floor(q/100 * (n - 1)): 700, 300, 500 of the ten.
      for (const [key, exact] of [['p75', 700], ['p25', 300], ['p50', 500]] as const) expect(Math.abs(rows[0]!.percentiles![key]! - exact)).toBeLessThanOrEqual(exact * 0.01);
      expect(rows[1]!.percentiles).toEqual({ p75: null, p25: null, p50: null });
      expect(rows[2]!.percentiles).toEqual({ p75: null, p25: null, p50: null });
      // Everything else is the answer without them, which has none.
      const plain = await client.ratesDetailed(q);
      expect(plain.rows.every((row) => !('percentiles' in row))).toBe(true);
      expect({ ...asked, rows: rows.map(({ percentiles: _, ...row }) => row) }).toEqual(plain);
      const two = (await client.ratesDetailed({ ...q, minCount: 2, percentiles: [99.9] })).rows;
      expect(two[1]!.percentiles!['p99.9']).toBeGreaterThan(0);
    });

    it('ratesDetailed refuses percentiles as the server does: RATESTORE_INVALID_PARAMETER, status 400, field percentiles', async () => {
      const q = { dateFrom: '2017-05-01', dateTo: '2017-05-01', origin: 'CNSGH', destination: 'DEHAM' };
      for (const percentiles of [[], [0], [100], [-1], [25, 25], [NaN], [Infinity], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ['25'], [null], '25,50', 25, {}]) {
        expect(await failure(client.ratesDetailed({ ...q, percentiles: percentiles as never })), JSON.stringify(percentiles)).toMatchObject({
          code: 'RATESTORE_INVALID_PARAMETER', status: 400, parameter: 'percentiles', field: 'percentiles', retryable: false
        });
      }
    });

    it('query errors carry the server code, status, parameter and field', async () => {
      const q = { dateFrom: '2016-01-01', dateTo: '2016-01-10', origin: 'CNSGH', destination: 'NLRTM' };
      const invalid = await failure(client.rates({ ...q, dateFrom: '2016-02-30' }));
      expect(invalid).toMatchObject({ code: 'RATESTORE_INVALID_DATE', status: 400, parameter: 'date_from', field: 'dateFrom', name: 'RatestoreClientError' });
      expect(invalid.retryable).toBe(false);
      expect(await failure(client.rates({ ...q, dateTo: '2016-1-1' }))).toMatchObject({ code: 'RATESTORE_INVALID_DATE', parameter: 'date_to' });
      expect(await failure(client.ratesDetailed({ ...q, dateFrom: '2016-02-01' }))).toMatchObject({ code: 'RATESTORE_DATE_RANGE_REVERSED', status: 400, parameter: 'date_from' });
      expect(await failure(client.rates({ ...q, dateTo: '2018-01-01' }))).toMatchObject({ code: 'RATESTORE_RANGE_TOO_LONG', status: 400, parameter: 'date_to' });
      expect(await failure(client.rates({ ...q, destination: 'atlantis' }))).toMatchObject({ code: 'RATESTORE_UNKNOWN_LOCATION', status: 400, parameter: 'destination', field: 'destination' });
      expect(await failure(client.rates({ ...q, origin: '' }))).toMatchObject({ code: 'RATESTORE_MISSING_PARAMETER', status: 400, parameter: 'origin' });
      expect(await failure(client.ratesDetailed({ ...q, minCount: 0 }))).toMatchObject({ code: 'RATESTORE_INVALID_PARAMETER', status: 400, parameter: 'min_count', field: 'minCount' });
      expect(await failure(client.ratesDetailed({ ...q, widen: 'yes' as never }))).toMatchObject({ code: 'RATESTORE_INVALID_PARAMETER', status: 400, parameter: 'widen', field: 'widen' });
      expect(await failure(client.ports({ asOf: 1.5 }))).toMatchObject({ code: 'RATESTORE_INVALID_PARAMETER', status: 400, parameter: 'as_of', field: 'asOf' });
      expect(await failure(client.ports({ asOf: 1_000_000 }))).toMatchObject({ code: 'RATESTORE_UNKNOWN_VERSION', status: 400, parameter: 'as_of' });
      expect(await failure(client.ratesDetailed({ ...q, asOf: 1_000_000 }))).toMatchObject({ code: 'RATESTORE_UNKNOWN_VERSION', status: 400, parameter: 'as_of', field: 'asOf' });
    });

    it('ports, port, regions, region and tree, also as of a version', async () => {
      const ports = await client.ports();
      expect(ports.map((p) => p.code)).toEqual(['CNNGB', 'CNSGH', 'DEHAM', 'NLRTM']);
      expect(ports[0]).toEqual({ code: 'CNNGB', name: 'Ningbo', region: 'china' });
      expect(await client.port('NLRTM')).toEqual({ code: 'NLRTM', name: 'Rotterdam', region: 'north_europe' });
      expect(await client.port('XXXXX')).toBeUndefined();
      expect(await failure(client.port('bad'))).toMatchObject({ code: 'RATESTORE_INVALID_ARGUMENT', status: 400, parameter: 'code' });
      expect(await client.regions()).toEqual([
        { slug: 'china', name: 'China', parent: null },
        { slug: 'europe', name: 'Europe', parent: null },
        { slug: 'north_europe', name: 'North Europe', parent: 'europe' }
      ]);
      expect(await client.region('europe')).toEqual({ slug: 'europe', name: 'Europe', parent: null, ports: [], regions: ['north_europe'] });
      expect(await client.region('north_europe')).toEqual({ slug: 'north_europe', name: 'North Europe', parent: 'europe', ports: ['DEHAM', 'NLRTM'], regions: [] });
      expect(await client.region('atlantis')).toBeUndefined();
      const tree = await client.tree();
      expect(tree.map((r) => r.slug)).toEqual(['china', 'europe']);
      expect(tree[1]!.regions[0]).toMatchObject({ slug: 'north_europe', ports: [{ code: 'DEHAM', name: 'Hamburg', region: 'north_europe' }, { code: 'NLRTM', name: 'Rotterdam', region: 'north_europe' }], regions: [] });
      expect(await client.ports({ asOf: worldVersion - 1 })).toEqual([]);
      expect(await client.regions({ asOf: worldVersion - 1 })).toEqual([]);
      expect(await client.tree({ asOf: worldVersion - 1 })).toEqual([]);
    });

    it('a small batch goes in one request, is idempotent by batch id and shows in the batch log', async () => {
      const before = await latest(client);
      const seen: UploadProgress[] = [];
      const items = [1, 2, 3].map((v) => price('CNSGH', 'DEHAM', '2017-05-01', v));
      const result = await client.uploadBatch(items, { batchId: 'small-1', onProgress: (p) => seen.push(p) });
      expect(result).toMatchObject({ batchId: 'small-1', version: before + 1, counts: { prices: 3, ports: 0, regions: 0 } });
      expect(Date.parse(result.committedAt)).not.toBeNaN();
      expect(seen.at(-1)).toEqual({ batchId: 'small-1', phase: 'committed', itemsSent: 3, itemsAcknowledged: 3, chunksSent: 1, chunksAcknowledged: 1, chunksSkipped: 0 });
      // The same batch id again: the first result, nothing written.
      expect(await client.uploadBatch(items, { batchId: 'small-1' })).toEqual(result);
      expect(await latest(client)).toBe(before + 1);
      const log = await client.batches();
      expect(log.filter((b) => b.batchId === 'small-1')).toEqual([{ ...result, revertedBy: null, revertible: true }]);
      expect(log.map((b) => b.version)).toEqual([...log.map((b) => b.version)].sort((a, b) => a - b));
      expect(await client.batch('small-1')).toEqual({ ...result, revertedBy: null, revertible: true });
      expect(await client.batch('never-uploaded')).toBeUndefined();
      expect(await client.uploadStatus('small-1')).toEqual({ state: 'committed', batchId: 'small-1', result });
      // A generated batch id when none is given.
      const generated = await client.uploadBatch([price('CNSGH', 'DEHAM', '2017-05-02', 5)]);
      expect(generated.batchId).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
    });

    it('a large batch goes in chunks from an async iterable, with bounded chunks in flight and progress', async () => {
      const before = await latest(client);
      async function* items() {
        yield* priceStream(25_000, { origin: 'CNNGB', destination: 'DEHAM', firstDay: '2018-01-01', days: 50 });
      }
      const seen: UploadProgress[] = [];
      const result = await client.uploadBatch(items(), { batchId: 'large-1', chunkSize: 4_000, concurrency: 2, onProgress: (p) => seen.push(p) });
      expect(result).toMatchObject({ batchId: 'large-1', version: before + 1, counts: { prices: 25_000 } });
      expect(seen.at(-1)).toEqual({ batchId: 'large-1', phase: 'committed', itemsSent: 25_000, itemsAcknowledged: 25_000, chunksSent: 7, chunksAcknowledged: 7, chunksSkipped: 0 });
      expect(seen.some((p) => p.phase === 'committing')).toBe(true);
      for (const p of seen) expect(p.chunksSent - (p.chunksAcknowledged - p.chunksSkipped)).toBeLessThanOrEqual(2);
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]!.itemsSent).toBeGreaterThanOrEqual(seen[i - 1]!.itemsSent);
        expect(seen[i]!.chunksAcknowledged).toBeGreaterThanOrEqual(seen[i - 1]!.chunksAcknowledged);
      }
      const rows = (await client.ratesDetailed({ dateFrom: '2018-01-01', dateTo: '2018-02-19', origin: 'CNNGB', destination: 'DEHAM' })).rows;
      expect(rows.map((r) => r.count)).toEqual(expectedCounts(25_000, 50));
      // The whole upload is idempotent too.
      expect(await client.uploadBatch(items(), { batchId: 'large-1', chunkSize: 4_000 })).toEqual(result);
      expect(await latest(client)).toBe(before + 1);
    });

    it('accepts a Node readable stream in object mode and a plain iterable', async () => {
      const seen: UploadProgress[] = [];
      const fromStream = await client.uploadBatch(Readable.from(priceStream(2_500, { firstDay: '2018-06-01', days: 10 })), { chunkSize: 1_000, concurrency: 1, onProgress: (p) => seen.push(p) });
      expect(fromStream.counts.prices).toBe(2_500);
      // One chunk in flight at a time: each is acknowledged before the next goes out.
      expect(seen.filter((p) => p.phase === 'uploading').map((p) => [p.chunksSent, p.chunksAcknowledged])).toEqual([[1, 0], [1, 1], [2, 1], [2, 2], [3, 2], [3, 3]]);
      const fromSet = await client.uploadBatch(new Set(priceStream(30, { firstDay: '2018-07-01', days: 10 })));
      expect(fromSet.counts.prices).toBe(30);
      expect((await client.ratesDetailed({ dateFrom: '2018-06-01', dateTo: '2018-06-10', origin: 'CNSGH', destination: 'NLRTM' })).rows.map((r) => r.count)).toEqual(expectedCounts(2_500, 10));
    });

    it('a rejected small batch: 422 with the bad items, nothing written', async () => {
      const before = await latest(client);
      const items = [price('CNSGH', 'NLRTM', '2017-06-01', 10), price('CNSGH', 'NLRTM', '2017-06-01', 20), price('CNSGH', 'NLRTM', '2017-06-01', -5), price('CNSGH', 'NLRTM', '2017-06-01', 30), price('CNSGH', 'XXXXX', '2017-06-01', 40)];
      const error = await failure(client.uploadBatch(items, { batchId: 'rejected-small' }));
      expect(error).toMatchObject({ code: 'RATESTORE_INVALID_BATCH', status: 422, issueCount: 2 });
      expect(error.issues).toEqual([
        expect.objectContaining({ index: 2, field: 'price', code: 'RATESTORE_INVALID_PRICE', item: items[2] }),
        expect.objectContaining({ index: 4, field: 'destination', code: 'RATESTORE_UNKNOWN_PORT', item: items[4] })
      ]);
      expect(await latest(client)).toBe(before);
      expect(await client.batch('rejected-small')).toBeUndefined();
    });

    it('a rejected chunk: batch-wide indexes and the items, the staged upload discarded, nothing written', async () => {
      const before = await latest(client);
      const items = [...priceStream(350, { firstDay: '2017-07-01', days: 5 })];
      items[250] = { ...(items[250] as object), day: '2017-02-30' } as BatchItem;
      const error = await failure(client.uploadBatch(items, { batchId: 'rejected-large', chunkSize: 100 }));
      expect(error).toMatchObject({ code: 'RATESTORE_INVALID_BATCH', status: 422, issueCount: 1 });
      expect(error.issues).toEqual([expect.objectContaining({ index: 250, chunk: 2, field: 'day', code: 'RATESTORE_INVALID_DATE', item: items[250] })]);
      expect(await client.uploadStatus('rejected-large')).toBeUndefined();
      expect(await latest(client)).toBe(before);
    });

    it('an interrupted upload resumes: only the chunks the store does not hold are sent', async () => {
      const before = await latest(client);
      const all = () => priceStream(6_000, { origin: 'CNNGB', destination: 'NLRTM', firstDay: '2019-01-01', days: 30 });
      let acknowledged = 0;
      async function* failing() {
        let i = 0;
        for (const item of all()) {
          if (i++ === 3_000) {
            // Let the three chunks in flight be acknowledged, then fail like a broken source would.
            while (acknowledged < 3) await new Promise((r) => setTimeout(r, 5));
            throw new Error('source broke');
          }
          yield item;
        }
      }
      await expect(client.uploadBatch(failing(), { batchId: 'resume-1', chunkSize: 1_000, concurrency: 3, onProgress: (p) => (acknowledged = p.chunksAcknowledged) })).rejects.toThrow('source broke');
      expect(await client.uploadStatus('resume-1')).toMatchObject({ state: 'staged', batchId: 'resume-1', chunks: [0, 1, 2] });
      expect(await latest(client)).toBe(before);

      // Resuming with fewer items than the store holds chunks for is refused, not committed.
      const mismatch = await failure(client.uploadBatch(priceStream(2_000), { batchId: 'resume-1', chunkSize: 1_000 }));
      expect(mismatch).toMatchObject({ code: 'RATESTORE_INVALID_ARGUMENT', field: 'items' });

      const seen: UploadProgress[] = [];
      const result = await client.uploadBatch(all(), { batchId: 'resume-1', chunkSize: 1_000, onProgress: (p) => seen.push(p) });
      expect(result).toMatchObject({ batchId: 'resume-1', version: before + 1, counts: { prices: 6_000 } });
      expect(seen.at(-1)).toMatchObject({ chunksSkipped: 3, chunksSent: 3, chunksAcknowledged: 6, itemsSent: 3_000, itemsAcknowledged: 6_000 });
      const rows = (await client.ratesDetailed({ dateFrom: '2019-01-01', dateTo: '2019-01-30', origin: 'CNNGB', destination: 'NLRTM' })).rows;
      expect(rows.map((r) => r.count)).toEqual(expectedCounts(6_000, 30));
    });

    it('abort: a fired signal stops an upload (discarding what was staged) and a query', async () => {
      const before = await latest(client);
      const pre = AbortSignal.abort();
      expect(await failure(client.uploadBatch([price('CNSGH', 'NLRTM', '2017-08-01', 1)], { signal: pre }))).toMatchObject({ code: 'RATESTORE_ABORTED', status: undefined });
      expect(await failure(client.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM', signal: pre }))).toMatchObject({ code: 'RATESTORE_ABORTED' });

      const controller = new AbortController();
      const error = await failure(
        client.uploadBatch(priceStream(20_000, { firstDay: '2017-08-01' }), {
          batchId: 'aborted-1',
          chunkSize: 1_000,
          concurrency: 1,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.chunksAcknowledged >= 2) controller.abort(new Error('user cancelled'));
          }
        })
      );
      expect(error.code).toBe('RATESTORE_ABORTED');
      expect((error.cause as Error).message).toBe('user cancelled');
      expect(await client.uploadStatus('aborted-1')).toBeUndefined();
      expect(await latest(client)).toBe(before);
    });

    it('revert: a new version without the batch, idempotent; unknown batches and uploads', async () => {
      const committed = await client.uploadBatch([5, 6, 7].map((v) => price('CNSGH', 'NLRTM', '2017-09-01', v)), { batchId: 'to-revert' });
      const query = { dateFrom: '2017-09-01', dateTo: '2017-09-01', origin: 'CNSGH', destination: 'NLRTM' };
      expect((await client.rates(query))[0]!.averagePrice).toBe(6);
      const reverted = await client.revert('to-revert');
      expect(reverted).toMatchObject({ batchId: 'to-revert', revertedVersion: committed.version, version: committed.version + 1 });
      expect(Date.parse(reverted.revertedAt)).not.toBeNaN();
      expect(await client.revert('to-revert')).toEqual(reverted);
      expect((await client.rates(query))[0]!.averagePrice).toBeNull();
      expect(await client.batch('to-revert')).toMatchObject({ revertedBy: reverted.version });
      expect(await failure(client.revert('no-such-batch'))).toMatchObject({ code: 'RATESTORE_UNKNOWN_BATCH', status: 404, parameter: 'batch_id', field: 'batchId' });
      expect(await client.uploadStatus('no-such-upload')).toBeUndefined();
      expect(await client.abortUpload('no-such-upload')).toBe(false);
    });

    // Was a bug: an upload without items committed a new version with nothing in it.
    it('refuses an empty batch with RATESTORE_EMPTY_BATCH: nothing staged, no version', async () => {
      const before = await latest(client);
      async function* none(): AsyncGenerator<BatchItem> {}
      for (const items of [[], none(), Readable.from([])]) {
        expect(await failure(client.uploadBatch(items, { batchId: 'empty' }))).toMatchObject({ code: 'RATESTORE_EMPTY_BATCH', field: 'items' });
      }
      expect(await client.batch('empty')).toBeUndefined();
      expect(await client.uploadStatus('empty')).toBeUndefined();
      expect(await latest(client)).toBe(before);
    });

    it('reads at a minVersion the store has applied; refuses a minVersion that is no version', async () => {
      const version = await latest(client);
      expect(await client.ports({ minVersion: version })).toEqual(await client.ports());
      expect((await client.ratesDetailed({ dateFrom: '2016-01-01', dateTo: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM', minVersion: version })).version).toBe(version);
      for (const bad of [-1, 1.5, '3']) {
        const error = await failure(client.batches({ minVersion: bad as never }));
        expect([error.code, error.field]).toEqual(['RATESTORE_INVALID_ARGUMENT', 'minVersion']);
      }
    });

    it('refuses bad options before doing anything', async () => {
      expect(await failure(client.uploadBatch([], { chunkSize: 0 }))).toMatchObject({ code: 'RATESTORE_INVALID_ARGUMENT', field: 'chunkSize' });
      expect(await failure(client.uploadBatch([], { concurrency: 1.5 }))).toMatchObject({ code: 'RATESTORE_INVALID_ARGUMENT', field: 'concurrency' });
      expect(await failure(client.uploadBatch([], { batchId: 'no spaces' }))).toMatchObject({ code: 'RATESTORE_INVALID_ARGUMENT', field: 'batchId', parameter: 'batch_id' });
      expect(await failure(client.uploadBatch(42 as never))).toMatchObject({ code: 'RATESTORE_INVALID_ARGUMENT', field: 'items' });
      expect(await failure(client.batch('no spaces'))).toMatchObject({ code: 'RATESTORE_INVALID_ARGUMENT', field: 'batchId' });
    });
  });
}
