import { forEachPrice, unpackCode } from '../../encoding/price-codec.js';
import type { PairAggregator } from '../pair-aggregator.js';

/**
 * Adds a chunk of staged price rows (see price-codec) to an aggregator, only the days `keepDay`
 * keeps when it is given (a worker's share of the months); returns how many prices it added.
 */
export async function addPrices(aggregator: PairAggregator, bytes: Uint8Array, batchId: string, keepDay?: (day: number) => boolean): Promise<number> {
  let added = 0;
  // Rows mostly come grouped by day: the last day's answer is kept for the next row.
  let lastDay = -1;
  let keep = true;
  await forEachPrice(bytes, (origin, destination, day, cents) => {
    if (keepDay !== undefined && day !== lastDay) {
      lastDay = day;
      keep = keepDay(day);
    }
    if (!keep) return;
    added++;
    const from = aggregator.portId(origin);
    const to = aggregator.portId(destination);
    // checkBatch saw every port the prices name in the catalog the batch makes.
    if (from === undefined || to === undefined) throw new Error(`batch ${batchId} names port ${unpackCode(from === undefined ? origin : destination)}, which checkBatch let through`);
    aggregator.add(from, to, day, 1, cents, cents, cents);
  });
  return added;
}
