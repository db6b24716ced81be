/**
 * Putting the sample into Ratestore stores, as bench:core and bench:compare both do: a store in a
 * temporary directory, the catalog, staging in chunks with only the `add()` calls timed, and a query
 * store built as one staged commit per slice of days.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  Ratestore, sampleCatalog, samplePrices, type PriceItem, type RatestoreOptions, type SampleOptions, type StagedBatch
} from '@ratestore/core';
import { CATALOG, slices, type Slice } from './sample.js';

/** Runs `work` on a store opened in a new directory under `baseDir`; closes it and removes the directory afterwards. */
export async function withTempStore<T>(baseDir: string, prefix: string, options: Omit<RatestoreOptions, 'location'>,
  work: (store: Ratestore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(baseDir, prefix));
  try {
    const store = new Ratestore({ ...options, location: dir });
    await store.open();
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The sample's ports and regions, so that the measured batches hold prices only. */
export async function writeCatalog(store: Ratestore): Promise<void> {
  await store.write(sampleCatalog(CATALOG), { batchId: 'catalog' });
}

/** Stages `options`' prices in chunks of `chunk` items; times only the `add()` calls (and, apart, the generating). */
export async function stagePrices(staged: StagedBatch, options: SampleOptions, chunk: number): Promise<{ stageMs: number; generateMs: number; count: number }> {
  const prices = samplePrices(options);
  let stageMs = 0;
  let generateMs = 0;
  let count = 0;
  for (;;) {
    const started = performance.now();
    const items: PriceItem[] = [];
    while (items.length < chunk) {
      const next = prices.next();
      if (next.done === true) break;
      items.push(next.value);
    }
    generateMs += performance.now() - started;
    if (items.length === 0) break;
    count += items.length;
    const adding = performance.now();
    await staged.add(items);
    stageMs += performance.now() - adding;
    if (items.length < chunk) break;
  }
  return { stageMs, generateMs, count };
}

export interface BuiltBatch {
  prices: number;
  stageMs: number;
  commitMs: number;
}

/**
 * Builds a query store of `total` prices over `days` days: the catalog, then one staged commit per
 * slice of at most `batchSize` prices (see `slices`), each staged in chunks of `chunk`. `onBatch`
 * hears of each commit as it lands, for progress lines.
 */
export async function buildQueryStore(store: Ratestore, total: number, days: number, batchSize: number, chunk: number,
  onBatch?: (index: number, count: number, slice: Slice, batch: BuiltBatch) => void): Promise<BuiltBatch[]> {
  await writeCatalog(store);
  const list = slices(total, days, batchSize);
  const batches: BuiltBatch[] = [];
  for (const [b, slice] of list.entries()) {
    const staged = await store.begin(`build-${b}`);
    const { stageMs } = await stagePrices(staged, slice.options, chunk);
    const started = performance.now();
    await staged.commit();
    const commitMs = performance.now() - started;
    const batch = { prices: slice.prices, stageMs, commitMs };
    batches.push(batch);
    onBatch?.(b, list.length, slice, batch);
  }
  return batches;
}
