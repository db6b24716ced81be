import { afterEach, describe, expect, it, vi } from 'vitest';
import { Ratestore, type BatchItem } from '@ratestore/core';
import { DEFAULT_SAMPLE, exampleQuery, seedIfEmpty } from '../src/seed.js';
import { prices } from './helpers.js';

const stores: Ratestore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function storeWith(items: BatchItem[]): Promise<Ratestore> {
  const store = new Ratestore({ memory: true });
  await store.open();
  stores.push(store);
  if (items.length > 0) await store.write(items);
  return store;
}

/** Eight top-level regions, one port each, and `extra` ports in `big` and `bigger`. */
function roots(extra: number): BatchItem[] {
  const items: BatchItem[] = [];
  for (let i = 0; i < 8; i++) items.push({ type: 'region', slug: `r${i}`, name: `R${i}` }, { type: 'port', code: `PORT${String.fromCharCode(65 + i)}`, name: `P${i}`, region: `r${i}` });
  items.push({ type: 'region', slug: 'big', name: 'Big' }, { type: 'region', slug: 'bigger', name: 'Bigger' });
  for (let i = 0; i < extra; i++) items.push({ type: 'port', code: `BIGA${String.fromCharCode(65 + i)}`, name: 'b', region: 'big' }, { type: 'port', code: `BIGB${String.fromCharCode(65 + i)}`, name: 'b', region: 'bigger' });
  items.push({ type: 'port', code: 'BIGBZ', name: 'b', region: 'bigger' });
  return items;
}

describe('the start-up example query', () => {
  it('reads at most two routes before the server is ready, even when none has prices', async () => {
    const store = await storeWith(roots(3));
    const rates = vi.spyOn(store, 'rates');
    expect(await exampleQuery(store)).toBeUndefined();
    expect(rates.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('without the sample, tries the two top-level regions with the most ports, both ways', async () => {
    const store = await storeWith([...roots(3), ...prices('BIGAA', 'BIGBA', '2016-01-02', [1, 2, 3])]);
    const rates = vi.spyOn(store, 'rates');
    expect(await exampleQuery(store)).toEqual({ origin: 'big', destination: 'bigger', dateFrom: '2016-01-01', dateTo: '2016-01-10' });
    expect(rates).toHaveBeenCalledTimes(2);
  });

  it('with the sample, answers its most popular route in one read', async () => {
    const store = await storeWith([]);
    await seedIfEmpty(store, { ...DEFAULT_SAMPLE, prices: 3000, ports: 30 });
    const rates = vi.spyOn(store, 'rates');
    const example = await exampleQuery(store, { ...DEFAULT_SAMPLE, prices: 3000, ports: 30 });
    expect(example).toMatchObject({ dateFrom: '2016-01-01', dateTo: '2016-01-10' });
    expect(store.port(example!.origin)).toBeDefined();
    expect(rates).toHaveBeenCalledTimes(1);
  });
});
