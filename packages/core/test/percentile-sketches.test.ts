/**
 * The store option `percentileSketches`, and records that store no bins: a store that keeps no
 * sketches writes records in the format of an engine before percentiles (so it costs what that
 * engine did), answers the same averages, counts, min and max, and answers percentiles only where a
 * day's count, min and max imply them. A store that keeps sketches writes a record without bins when
 * none of its days needs them.
 */
import { MemoryLevel } from 'memory-level';
import { describe, expect, it } from 'vitest';
import { Ratestore, type RatesQuery } from '../src/index.js';
import { AGGREGATES_RANGE } from '../src/encoding/keys.js';
import { SKETCH_FLAG } from '../src/encoding/record-codec.js';
import { TREE, expectCode, price } from './helpers.js';

const DAY = '2016-03-01';
const NEXT = '2016-03-02';
/** A day of five different prices on one route (bins needed), and a day of one price on another (implied). */
const PRICES = [
  ...[100, 120, 150, 400, 900].map((value) => price('CNSHA', 'NLRTM', DAY, value)),
  price('CNNGB', 'DEHAM', NEXT, 250)
];
const QUERY: RatesQuery = { dateFrom: DAY, dateTo: NEXT, origin: 'east_asia', destination: 'north_europe', minCount: 1, percentiles: [50, 90] };

async function storeWith(percentileSketches?: boolean): Promise<{ store: Ratestore; db: MemoryLevel<string, Uint8Array> }> {
  const db = new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view' });
  const store = new Ratestore({ db: db as never, ...(percentileSketches === undefined ? {} : { percentileSketches }) });
  await store.open();
  await store.write([...TREE, ...PRICES]);
  return { store, db };
}

/** The flags byte of every aggregate record, by key. */
async function recordFlags(db: MemoryLevel<string, Uint8Array>): Promise<Map<string, number>> {
  const flags = new Map<string, number>();
  for await (const [key, value] of db.iterator(AGGREGATES_RANGE)) flags.set(key, value[0]!);
  return flags;
}

describe('percentileSketches', () => {
  it('is on by default: a day of several prices answers its percentiles', async () => {
    const { store, db } = await storeWith();
    const [busy, single] = (await store.rates(QUERY)).rows;
    // Ranks ⌊q/100 · 4⌋ of 100, 120, 150, 400, 900: 2 and 3.
    expect(Object.keys(busy!.percentiles!)).toEqual(['p50', 'p90']);
    expect(Math.abs(busy!.percentiles!.p50! - 150) / 150).toBeLessThanOrEqual(0.01);
    expect(Math.abs(busy!.percentiles!.p90! - 400) / 400).toBeLessThanOrEqual(0.01);
    expect(single!.percentiles).toEqual({ p50: 250, p90: 250 });
    const flags = await recordFlags(db);
    // Records of the busy route's pairs carry bins; those of the one-price route need none.
    expect([...flags].filter(([key]) => key.includes('\0CNSHA\0NLRTM\0')).map(([, flag]) => flag & SKETCH_FLAG)).toEqual([SKETCH_FLAG]);
    expect([...flags].filter(([key]) => key.includes('\0CNNGB\0DEHAM\0')).map(([, flag]) => flag & SKETCH_FLAG)).toEqual([0]);
    await store.close();
  });

  it('false: records without bins, the same aggregates, percentiles only where implied', async () => {
    const kept = await storeWith(true);
    const off = await storeWith(false);
    const flags = await recordFlags(off.db);
    expect(flags.size).toBeGreaterThan(0);
    for (const [key, flag] of flags) expect(flag & SKETCH_FLAG, key).toBe(0);
    const withSketches = (await kept.store.rates(QUERY)).rows;
    const without = (await off.store.rates(QUERY)).rows;
    expect(without.map(({ percentiles: _, ...row }) => row)).toEqual(withSketches.map(({ percentiles: _, ...row }) => row));
    expect(without[0]!.percentiles).toEqual({ p50: null, p90: null });
    expect(without[1]!.percentiles).toEqual(withSketches[1]!.percentiles);
    await Promise.all([kept.store.close(), off.store.close()]);
  });

  it('false on a store that kept sketches: roll-ups rebuilt by a port move keep no bins, and answer the same aggregates', async () => {
    const { store, db } = await storeWith(true);
    const before = (await store.rates(QUERY)).rows;
    await store.close();
    const reopened = new Ratestore({ db: db as never, percentileSketches: false });
    await reopened.open();
    // NLRTM moves into baltic, still under north_europe: its pairs' roll-ups are rebuilt from its route records, which have bins.
    await reopened.write([{ type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'baltic' }]);
    const moved = [...(await recordFlags(db))].filter(([key]) => key.includes('\0baltic\0') && key.includes('NLRTM') === false);
    expect(moved.length).toBeGreaterThan(0);
    for (const [key, flag] of moved) expect(flag & SKETCH_FLAG, key).toBe(0);
    // The busy day's prices, now under baltic: the same aggregates, and percentiles unknown from the rebuilt roll-up.
    const [busy] = (await reopened.rates({ ...QUERY, destination: 'baltic' })).rows;
    expect(busy).toEqual({ ...before[0]!, percentiles: { p50: null, p90: null } });
    await reopened.close();
  });

  it('refuses anything but a boolean', async () => {
    for (const value of [1, 'false']) {
      await expectCode(() => new Ratestore({ memory: true, percentileSketches: value as unknown as boolean }), 'RATESTORE_INVALID_ARGUMENT', 'percentileSketches');
    }
  });
});
