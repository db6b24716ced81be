/**
 * Commits on worker threads (`commitWorkers`): the shared behaviour suite runs on such a store too
 * (shared-suite.test.ts); here, what is particular to them: a batch over many months, split into
 * shares and written in parts, answers exactly what one thread's commit answers, and a commit
 * whose records cannot be written fails whole and leaves the store and its workers usable.
 * The workers run the built engine (dist/): `npm test` builds first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLevel } from 'memory-level';
import { Ratestore, generateSample, sampleCatalog, type Db, type RatestoreOptions } from '../src/index.js';

const opened: Ratestore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

async function open(options: RatestoreOptions): Promise<Ratestore> {
  const store = new Ratestore({ memory: true, ...options });
  opened.push(store);
  await store.open();
  return store;
}

/** 20,000 prices over 14 months, and every region and a few ports to query. */
const SAMPLE = { prices: 20_000, ports: 40, days: 425, dateFrom: '2016-01-01' };
const catalog = sampleCatalog(SAMPLE);
/** The top of the region tree, some regions below it, and a few ports. */
const nodes = [
  ...catalog.filter((item) => item.type === 'region').slice(0, 12).map((item) => (item as { slug: string }).slug),
  ...catalog.filter((item) => item.type === 'port').slice(0, 4).map((item) => (item as { code: string }).code)
];

describe('commits on worker threads', () => {
  it('answers what a commit on one thread answers, every day of every pair, with percentiles', async () => {
    // A small maxCells makes each worker write its months in many parts.
    const here = await open({ maxCells: 2_000 });
    const workers = await open({ maxCells: 2_000, commitWorkers: 3 });
    const items = [...generateSample(SAMPLE)];
    const [a, b] = [await here.write(items, { batchId: 'sample' }), await workers.write(items, { batchId: 'sample' })];
    expect(b.counts).toEqual(a.counts);
    expect(b.counts.prices).toBe(SAMPLE.prices);
    let compared = 0;
    for (const origin of nodes) {
      for (const destination of nodes) {
        for (const dateFrom of ['2016-01-01', '2016-11-20']) {
          const query = { origin, destination, dateFrom, dateTo: dateFrom === '2016-01-01' ? '2016-12-31' : '2017-02-28', minCount: 1, percentiles: [10, 50, 90] };
          const [expected, actual] = [await here.rates(query), await workers.rates(query)];
          expect(actual.rows).toEqual(expected.rows);
          compared += expected.rows.filter((row) => row.count > 0).length;
        }
      }
    }
    // Not a comparison of empty answers.
    expect(compared).toBeGreaterThan(1_000);
  });

  it('fails a commit whose records cannot be written, shows nothing of it, and commits the next batch', async () => {
    const db = new MemoryLevel() as unknown as Db;
    let failWrites = false;
    let refused = 0;
    const batch = db.batch.bind(db);
    // The database refuses chained batch writes while `failWrites` is set (a full disk, say).
    db.batch = ((...args: unknown[]) => {
      if (args.length > 0) return (batch as (...a: unknown[]) => unknown)(...args);
      const chained = batch();
      const write = chained.write.bind(chained);
      chained.write = (async (...writeArgs: unknown[]) => {
        if (failWrites) {
          refused++;
          await chained.close();
          throw new Error('disk full');
        }
        return (write as (...a: unknown[]) => Promise<void>)(...writeArgs);
      }) as typeof chained.write;
      return chained;
    }) as typeof db.batch;
    const store = await open({ db, maxCells: 2_000, commitWorkers: 2 });
    await store.write(catalog);
    const prices = [...generateSample(SAMPLE)].filter((item) => item.type === undefined);
    failWrites = true;
    await expect(store.write(prices, { batchId: 'refused' })).rejects.toThrow('disk full');
    failWrites = false;
    // Writes of records start while the workers aggregate: more than the marker's write was refused.
    expect(refused).toBeGreaterThan(1);
    expect(store.version).toBe(1);
    expect(store.batch('refused')).toBeUndefined();
    const query = { origin: nodes[0]!, destination: nodes[0]!, dateFrom: '2016-01-01', dateTo: '2016-01-31' };
    expect((await store.rates(query)).rows.every((row) => row.count === 0)).toBe(true);
    // The same workers take the next commit, and the id is free again.
    expect((await store.write(prices, { batchId: 'refused' })).version).toBe(2);
    expect((await store.rates(query)).rows.some((row) => row.count > 0)).toBe(true);
  });

  it('refuses a count of workers that is not an integer from 0 to 64', () => {
    for (const commitWorkers of [-1, 1.5, 65, '2']) {
      expect(() => new Ratestore({ memory: true, commitWorkers: commitWorkers as number })).toThrow(/commitWorkers/);
    }
  });
});
